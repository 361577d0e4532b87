/**
 * The units' exit-status lists against what busmsg really exits with: the flush unit succeeds
 * when what it could not send waits in the spool (111) and fails for what will not heal; the
 * recorder is not restarted for a permanent error (2, 121).
 */
import { assert, assertEquals } from "../support/assert.ts";
import { busmsg, ROOT, writeConfig } from "../support/run.ts";
import { tlsConfig } from "../support/broker.ts";

const DOWN = "amqp://127.0.0.1:1/%2Fpubsub";

/** The exit codes a unit's `KEY=` line lists. */
async function listed(unit: string, key: string): Promise<number[]> {
  const text = await Deno.readTextFile(`${ROOT}systemd/${unit}`);
  const line = text.split("\n").find((l) => l.startsWith(`${key}=`));
  assert(line, `${unit}: no ${key}=`);
  return line.slice(key.length + 1).split(/\s+/).map(Number);
}

Deno.test("busmsg-flush.service: a broker outage (exit 111, messages kept) is a success; a bad config or spool is not", async () => {
  const ok = [0, ...await listed("busmsg-flush.service", "SuccessExitStatus")];
  const spoolDir = await Deno.makeTempDir({ prefix: "busmsg-spool-" });
  const spooled = await busmsg(["publish", "--url", DOWN, "--topic", "x", "a=1"], { spoolDir });
  assertEquals(spooled.code, 0, spooled.stderr);
  const outage = await busmsg(["flush", "--url", DOWN, "--timeout", "2"], { spoolDir });
  assertEquals([outage.code, outage.stdout], [111, "0 sent, 1 left\n"], outage.stderr);
  assert(ok.includes(outage.code), "the unit would fail at every outage");
  const left = [...Deno.readDirSync(spoolDir)].filter((e) => e.name.endsWith(".msg"));
  assertEquals(left.length, 1, "the message waits in the spool");
  const bad = await writeConfig(["amqp_url = 5"]);
  const config = await busmsg(["flush", "--conf", bad], { spoolDir });
  assertEquals(config.code, 2, config.stderr);
  assert(!ok.includes(config.code), "a bad config must fail the unit");
  await Deno.chmod(spoolDir, 0o777);
  const unsafe = await busmsg(["flush", "--url", DOWN], { spoolDir });
  assertEquals(unsafe.code, 2, unsafe.stderr);
  assert(!ok.includes(unsafe.code), "a spool busmsg may not use must fail the unit");
});

Deno.test("busmsg-recorder.service: a bad config (exit 2) is not restarted; a lost broker (111) is", async () => {
  const permanent = await listed("busmsg-recorder.service", "RestartPreventExitStatus");
  assertEquals(permanent, [2, 78, 121]);
  const bad = await writeConfig(["amqp_url = 5"]);
  const config = await busmsg(["listen", "--conf", bad, "--queue-name", "q", "--count", "1"]);
  assertEquals(config.code, 2, config.stderr);
  assert(permanent.includes(config.code));
  const down = await busmsg(["listen", "--url", DOWN, "--timeout", "1", "--count", "1"]);
  assertEquals(down.code, 111, down.stderr);
  assert(!permanent.includes(down.code));
});

Deno.test("busmsg-recorder.service: errors that will not heal (expired certificate, unknown CA, refused login) end with 78, not restarted; the journal reads their priority", async () => {
  const permanent = await listed("busmsg-recorder.service", "RestartPreventExitStatus");
  const journal = { JOURNAL_STREAM: "8:12345" };
  for (
    const [user, part] of [
      ["expired", "expired"],
      ["rogue", "UnknownCA"],
      ["nobody", "login refused"],
    ] as const
  ) {
    const conf = await tlsConfig(user);
    const run = await busmsg(["listen", "--conf", conf, "--queue-name", "q", "--timeout", "5"], {
      env: journal,
    });
    assertEquals(run.code, 78, `${user}: ${run.stderr}`);
    assert(permanent.includes(run.code));
    const last = run.stderr.trimEnd().split("\n").at(-1)!;
    assert(last.startsWith("<3>busmsg: "), `${user}: ${run.stderr}`);
    assert(last.includes(part), `${user}: ${last}`);
  }
  // Without the journal: plain lines.
  const plain = await busmsg(["listen", "--conf", await tlsConfig("expired"), "--timeout", "5"]);
  assertEquals(plain.code, 78, plain.stderr);
  assert(plain.stderr.startsWith("busmsg: "), plain.stderr);
});
