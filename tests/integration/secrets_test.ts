/** A password in amqp_url never appears in stdout, stderr, spool files or dry-run output. */
import { assert, assertEquals } from "../support/assert.ts";
import { PLAIN_PORT, PLAIN_URL, TEST_PASSWORD } from "../support/broker.ts";
import { blackHole } from "../support/faults.ts";
import { busmsg, spawnBusmsg, spoolLines, writeConfig } from "../support/run.ts";

const CANARY = "Canary-pw_7f3e";
const leaks = (text: string) => [CANARY, encodeURIComponent(CANARY)].some((c) => text.includes(c));

Deno.test("the canary password shows on no error path, in no spool file, in no dry run", async () => {
  const hole = await blackHole();
  const url = (port: number, vhost = "%2Fpubsub") =>
    `amqp://busmsg-test:${CANARY}@127.0.0.1:${port}/${vhost}`;
  const conf = await writeConfig([`amqp_url = "${url(1)}"`]);
  const badToml = await writeConfig([`amqp_url = "${url(1)}"`, "publish_priority = = 3"]);
  const badValue = await writeConfig([`amqp_url = "${url(1)}"`, "publish_priority = 300"]);
  const spoolDir = await Deno.makeTempDir();
  const cases: string[][] = [
    ["publish", "--dry-run", "--url", url(1), "--topic", "x", "a=1"],
    ["publish", "--url", url(1), "--topic", "x", "a=1"], // refused, spooled
    ["publish", "--no-spool", "--url", url(1), "--topic", "x", "a=1"],
    ["publish", "--no-spool", "--timeout", "1", "--url", url(hole.port), "--topic", "x", "a=1"],
    ["publish", "--no-spool", "--url", url(PLAIN_PORT), "--topic", "x", "a=1"], // wrong password
    ["publish", "--no-spool", "--url", url(PLAIN_PORT, "%2Fnope"), "--topic", "x", "a=1"],
    ["publish", "--conf", conf, "--topic", "x", "a=1"],
    ["publish", "--conf", badToml, "--topic", "x", "a=1"],
    ["publish", "--conf", badValue, "--topic", "x", "a=1"],
    ["publish", "--url", url(1), "--topic", "x", "n:int=bad"],
    ["sync-event", "start", "--url", url(1)],
    ["test-message", "--url", url(1)],
    ["test-message", "--roundtrip", "--url", url(1)],
    ["flush", "--url", url(1)],
    ["flush", "--dry-run", "--url", url(1)],
    ["publish", url(1)], // a URL where a file was meant
    // Reasons on stdout (--json) are data, never scrubbed: they must not hold it either.
    ["publish", "--json", "--url", url(1), "--topic", "x", "a=1"],
    ["publish", "--json", "--no-spool", "--url", url(PLAIN_PORT), "--topic", "x", "a=1"],
    ["publish", "--json", "--no-spool", "--url", url(PLAIN_PORT, "%2Fnope"), "--topic", "x", "a=1"],
  ];
  try {
    for (const args of cases) {
      const run = await busmsg(args, { spoolDir });
      assert(
        !leaks(run.stdout) && !leaks(run.stderr),
        `${args.join(" ")} leaked: ${run.stdout}${run.stderr}`,
      );
      assert(run.stderr.length > 0 || run.stdout.length > 0, `${args.join(" ")} said something`);
    }
    const spooled = await spoolLines(spoolDir);
    assert(spooled.length >= 3, `messages were spooled: ${spooled.length}`);
    assertEquals(spooled.filter(leaks), []);
  } finally {
    hole.close();
  }
});

Deno.test("data on stdout is never rewritten, even when it holds the password", async () => {
  // A one-letter password: ids, run ids and bodies are full of it.
  const url = "amqp://guest:e@127.0.0.1:1/";
  const dry = await busmsg([
    "publish",
    "--dry-run",
    "--url",
    url,
    "--topic",
    "t",
    "user=e",
    "s=eee",
  ]);
  assertEquals(dry.code, 0, dry.stderr);
  const m = JSON.parse(dry.stdout);
  assertEquals(m.body, { user: "e", s: "eee" });
  assert(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(m.id), m.id);
  assertEquals(
    dry.stderr,
    `busmsg: dry run: 1 message(s) not sent (exchange amq.topic at amqp://guest:***@127.0.0.1:1/, topic prefix "")\n`,
  );
  const start = await busmsg(["sync-event", "start", "--url", "amqp://u:a@127.0.0.1:1/"]);
  assert(/^[0-9a-f-]{36}\n$/.test(start.stdout), start.stdout);

  // listen prints a body that holds its own URL's password as it arrived.
  const listen = spawnBusmsg([
    "listen",
    "--url",
    PLAIN_URL,
    "--count",
    "1",
    "--timeout",
    "20",
    "secret.#",
  ]);
  const output = listen.output();
  let exited = false;
  output.finally(() => exited = true);
  for (let i = 0; i < 60 && !exited; i++) {
    await busmsg(["publish", "--url", PLAIN_URL, "--topic", "secret.t", `user=${TEST_PASSWORD}`]);
    await new Promise((r) => setTimeout(r, 300));
  }
  const listened = await output;
  const line = JSON.parse(new TextDecoder().decode(listened.stdout));
  assertEquals(line.body, { user: TEST_PASSWORD });
});
