import { assert, assertEquals } from "../assert.ts";
import { Reader, ROOT, tlsConfig } from "../helpers.ts";

const PREFIX = "org.fedoraproject.prod";
const FLAGS = (await Deno.readTextFile(`${ROOT}permissions.flags`)).trim();

/** A directory with `busmsg` (the real entry point, binary's flags), stub rsync and resolver. */
async function sandbox(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-example-" });
  const write = async (name: string, text: string) => {
    await Deno.writeTextFile(`${dir}/bin/${name}`, text);
    await Deno.chmod(`${dir}/bin/${name}`, 0o755);
  };
  await Deno.mkdir(`${dir}/bin`);
  await Deno.mkdir(`${dir}/state`);
  await write(
    "busmsg",
    `#!/bin/sh\nexec "${Deno.execPath()}" run --quiet --no-prompt --config "${ROOT}deno.json" ${FLAGS} "${ROOT}main.ts" "$@"\n`,
  );
  // good: always works; flaky: fails once per date, then works; bad: always fails (exit 23).
  await write(
    "rsync",
    `#!/bin/sh
src=$2; host=\${src%%::*}; date=$(basename "$src")
case $host in
  good.*) exit 0 ;;
  flaky.*) if [ -e "${dir}/state/$host-$date" ]; then exit 0; fi; touch "${dir}/state/$host-$date"; exit 12 ;;
  *) exit 23 ;;
esac
`,
  );
  await write("resolve", `#!/bin/sh\n[ "$1" != "unknown.example.org" ]\n`);
  const conf = await tlsConfig("logging", [`topic_prefix = "${PREFIX}"`]);
  return {
    dir,
    env: {
      PATH: `${dir}/bin:/usr/bin:/bin`,
      FEDORA_MESSAGING_CONF: conf,
      BUSMSG_SPOOL_DIR: `${dir}/spool`,
      NO_COLOR: "1",
    },
  };
}

async function bash(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command("bash", {
    args: ["-c", script],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("the example sync emits the exact sequence of events for good, flaky, failing and unknown proxies", async () => {
  const { dir, env } = await sandbox();
  const reader = await Reader.open([`${PREFIX}.logging.stats.sync.#`]);
  try {
    const run = await bash(
      `${ROOT}scripts/examples/sync_logs_example.sh good.example.org flaky.example.org bad.example.org unknown.example.org`,
      {
        ...env,
        BUSMSG: "busmsg",
        RSYNC: "rsync",
        RESOLVE: "resolve",
        DEST: `${dir}/logs`,
        TODAY: "2026-11-28",
      },
    );
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stderr, "");
    const dates = ["2026-11-27", "2026-11-26", "2026-11-25"];
    type E = [string, Record<string, unknown>];
    const expected: E[] = [["start", {}]];
    const host = (h: string, perDate: (d: string) => E[]): E[] => [
      ["host.start", { synced_host: h }],
      ...dates.flatMap((
        d,
      ) => [["host.logdate.start", { synced_host: h, log_date: d }] as E, ...perDate(d)]),
      ["host.finish", { synced_host: h }],
    ];
    expected.push(...host("good.example.org", (d) => [
      ["host.logdate.finish", { synced_host: "good.example.org", log_date: d, attempt: 1 }],
    ]));
    expected.push(...host("flaky.example.org", (d) => [
      ["host.logdate.fail.retry", {
        synced_host: "flaky.example.org",
        log_date: d,
        reason: "rsync exited with 12",
        attempt: 1,
      }],
      ["host.logdate.finish", { synced_host: "flaky.example.org", log_date: d, attempt: 2 }],
    ]));
    expected.push(...host("bad.example.org", (d) => [
      ...[1, 2].map((a): E => [
        "host.logdate.fail.retry",
        { synced_host: "bad.example.org", log_date: d, reason: "rsync exited with 23", attempt: a },
      ]),
      ["host.logdate.fail.final", {
        synced_host: "bad.example.org",
        log_date: d,
        reason: "rsync exited with 23, giving up after 3 attempts",
        attempt: 3,
      }],
    ]));
    expected.push(["host.skip", {
      synced_host: "unknown.example.org",
      reason: "Synced host unknown",
    }]);
    expected.push(["finish", {}]);
    const got = await reader.take(expected.length, 30_000);
    assertEquals(got.length, expected.length);
    const first = JSON.parse(got[0]!.text);
    const runId = first.run_id as string;
    assert(/^[0-9a-f-]{36}$/.test(runId), runId);
    assert(typeof first.host === "string" && first.host.length > 0, "host is set");
    got.forEach((m, i) => {
      const [event, fields] = expected[i]!;
      assertEquals(m.routingKey, `${PREFIX}.logging.stats.sync.${event}`, `message ${i}`);
      // Field order as well as values: host, run_id, the event's fields, then extras.
      assertEquals(
        Object.entries(JSON.parse(m.text)),
        Object.entries({ host: first.host, run_id: runId, ...fields }),
      );
    });
    const severities = got.map((m) =>
      (m.properties["headers"] as Record<string, number>)["fedora_messaging_severity"]
    );
    assertEquals(severities.filter((s) => s === 40).length, 3);
    assertEquals(severities.filter((s) => s === 30).length, 3 + 6 + 1);
  } finally {
    await reader.close();
  }
});

Deno.test("the note's send_bus_msg and the log jobs' simple_message_to_bus, as busmsg wrappers", async () => {
  const { env } = await sandbox();
  const reader = await Reader.open([`${PREFIX}.logging.stats.#`]);
  try {
    const run = await bash(
      `. ${ROOT}scripts/examples/send_bus_msg.sh
       send_bus_msg logging.stats.debug.note 'msg=he said "hi" \\ and left' n:int=3
       . ${ROOT}scripts/examples/simple_message_to_bus.sh
       MSGTOPIC_PREFIX=logging.stats MSGBODY_PRESET="loghost=log01 run_id=r-7" simple_message_to_bus countme.start files:int=2`,
      env,
    );
    assertEquals(run.code, 0, run.stderr);
    const [note, countme] = await reader.take(2);
    assertEquals(note?.routingKey, `${PREFIX}.logging.stats.debug.note`);
    const noteBody = JSON.parse(note!.text);
    assertEquals(noteBody.msg, 'he said "hi" \\ and left');
    assertEquals(noteBody.n, 3);
    assertEquals(countme?.routingKey, `${PREFIX}.logging.stats.countme.start`);
    const body = JSON.parse(countme!.text);
    assertEquals(Object.keys(body), ["host", "loghost", "run_id", "files"]);
    assertEquals([body.loghost, body.run_id, body.files], ["log01", "r-7", 2]);
  } finally {
    await reader.close();
  }
});
