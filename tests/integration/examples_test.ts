import { assert, assertEquals } from "../support/assert.ts";
import { Reader } from "../support/broker.ts";
import { ROOT } from "../support/run.ts";
import { bash, PREFIX, runExampleSync, sandbox } from "../support/example_sandbox.ts";

Deno.test("the example sync emits the exact sequence of events for good, flaky, failing and unknown proxies", async () => {
  const { dir, env } = await sandbox();
  const reader = await Reader.open([`${PREFIX}.logging.stats.sync.#`]);
  try {
    const run = await runExampleSync(dir, env);
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
    assertEquals(Object.keys(body), ["loghost", "run_id", "files"]);
    assertEquals([body.loghost, body.run_id, body.files], ["log01", "r-7", 2]);
  } finally {
    await reader.close();
  }
});
