import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { dumps } from "../../lib/message/pyjson.ts";
import { PLAIN_URL, Reader, tlsConfig } from "../support/broker.ts";
import { busmsg, ROOT } from "../support/run.ts";

const PREFIX = "org.fedoraproject.prod";
const conf = await tlsConfig("logging", [`topic_prefix = "${PREFIX}"`]);

const EVENTS: [string, string[], Record<string, string>, number][] = [
  ["start", [], {}, 20],
  [
    "host.start",
    ["--synced-host", "proxy01.example.org"],
    { synced_host: "proxy01.example.org" },
    20,
  ],
  ["host.skip", ["--synced-host", "proxy02", "--reason", "Synced host unknown"], {
    synced_host: "proxy02",
    reason: "Synced host unknown",
  }, 30],
  ["host.logdate.start", ["--synced-host", "proxy01", "--log-date", "2026-11-27"], {
    synced_host: "proxy01",
    log_date: "2026-11-27",
  }, 20],
  ["host.logdate.fail.retry", [
    "--synced-host",
    "proxy01",
    "--log-date",
    "2026-11-27",
    "--reason",
    "timed out",
  ], {
    synced_host: "proxy01",
    log_date: "2026-11-27",
    reason: "timed out",
  }, 30],
  ["host.logdate.fail.final", [
    "--synced-host",
    "proxy01",
    "--log-date",
    "2026-11-27",
    "--reason=-1 exit",
  ], {
    synced_host: "proxy01",
    log_date: "2026-11-27",
    reason: "-1 exit",
  }, 40],
  ["host.logdate.finish", ["--synced-host", "proxy01", "--log-date", "2026-11-27"], {
    synced_host: "proxy01",
    log_date: "2026-11-27",
  }, 20],
  ["host.finish", ["--synced-host", "proxy01"], { synced_host: "proxy01" }, 20],
  ["finish", [], {}, 20],
];

Deno.test("every sync event arrives with its topic, body fields in order, and severity", async () => {
  const reader = await Reader.open([`${PREFIX}.logging.stats.sync.#`]);
  try {
    const start = await busmsg([
      "sync-event",
      "start",
      "--conf",
      conf,
      "--host",
      "log01.example.org",
    ]);
    assertEquals(start.code, 0, start.stderr);
    const runId = start.stdout.trim();
    assert(/^[0-9a-f-]{36}$/.test(runId), `run id alone on stdout: ${start.stdout}`);
    for (const [event, args] of EVENTS.slice(1)) {
      const run = await busmsg([
        "sync-event",
        event,
        "--conf",
        conf,
        "--host",
        "log01.example.org",
        ...args,
      ], {
        env: { BUSMSG_RUN_ID: runId },
      });
      assertEquals(run.code, 0, `${event}: ${run.stderr}`);
      assertEquals(run.stdout, "", event);
    }
    const got = await reader.take(EVENTS.length);
    assertEquals(
      got.map((m) => m.routingKey),
      EVENTS.map(([e]) => `${PREFIX}.logging.stats.sync.${e}`),
    );
    for (let i = 0; i < EVENTS.length; i++) {
      const [event, , fields, severity] = EVENTS[i]!;
      const m = got[i]!;
      assertEquals(
        m.text,
        dumps({ host: "log01.example.org", run_id: runId, ...fields }),
        event,
      );
      assertEquals(
        (m.properties["headers"] as Record<string, unknown>)["fedora_messaging_severity"],
        severity,
        event,
      );
    }
  } finally {
    await reader.close();
  }
});

Deno.test("sync-event: extra fields and a severity override", async () => {
  const reader = await Reader.open([`${PREFIX}.logging.stats.sync.host.logdate.fail.retry`]);
  try {
    const run = await busmsg([
      "sync-event",
      "host.logdate.fail.retry",
      "--conf",
      conf,
      "--host",
      "h",
      "--run-id",
      "r1",
      "--synced-host",
      "p",
      "--log-date",
      "2026-11-26",
      "--reason",
      'rsync exit 23: "partial"',
      "--severity",
      "40",
      "attempt:int=2",
      "rc:int=23",
    ]);
    assertEquals(run.code, 0, run.stderr);
    const [m] = await reader.take(1);
    assertEquals(
      m?.text,
      '{"host": "h", "run_id": "r1", "synced_host": "p", "log_date": "2026-11-26", ' +
        '"reason": "rsync exit 23: \\"partial\\"", "attempt": 2, "rc": 23}',
    );
    assertEquals(
      (m?.properties["headers"] as Record<string, unknown>)["fedora_messaging_severity"],
      40,
    );
  } finally {
    await reader.close();
  }
});

Deno.test("sync-event: a missing or malformed field fails before connecting, naming field and event", async () => {
  // The URL points nowhere: reaching the network would give 111, not 2.
  const url = ["--url", "amqp://127.0.0.1:1/"];
  const cases: [string[], string][] = [
    [["host.start", "--run-id", "r"], "sync-event host.start: --synced-host is required"],
    [
      ["host.start", "--synced-host", "p"],
      "sync-event host.start: --run-id is required (or set BUSMSG_RUN_ID)",
    ],
    [
      ["host.logdate.start", "--run-id", "r", "--synced-host", "p", "--log-date", "2026-02-30"],
      "body.log_date",
    ],
    [
      ["host.logdate.start", "--run-id", "r", "--synced-host", "p", "--log-date", "27.11.2026"],
      "body.log_date",
    ],
    [
      ["host.skip", "--run-id", "r", "--synced-host", "p"],
      "sync-event host.skip: --reason is required",
    ],
    [
      ["host.start", "--run-id", "r", "--synced-host", "p", "--log-date", "2026-11-27"],
      "--log-date does not belong",
    ],
    [["host.start", "--run-id", "", "--synced-host", "p"], "body.run_id: must not be empty"],
    [["host.bogus"], 'unknown event "host.bogus"'],
    [["start", "n:int=x"], 'field "n": not an integer'],
    [[], "give the EVENT"],
  ];
  for (const [args, part] of cases) {
    const run = await busmsg(["sync-event", ...args, ...url], { env: { BUSMSG_RUN_ID: "" } });
    assertEquals(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assertIncludes(run.stderr, part);
    assertEquals(run.stdout, "");
  }
});

Deno.test("sync-event start prints its run id even when the broker cannot be reached", async () => {
  const run = await busmsg(["sync-event", "start", "--url", "amqp://127.0.0.1:1/", "--no-spool"]);
  assertEquals(run.code, 111, run.stderr);
  assert(/^[0-9a-f-]{36}\n$/.test(run.stdout), run.stdout);
});

Deno.test("validate: every problem as FILE:LINE: FIELD, a summary, exit 2; --json for tools", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/day.jsonl`;
  await Deno.writeTextFile(
    file,
    [
      '{"topic": "logging.stats.sync.start", "body": {"host": "h", "run_id": "r"}}',
      '{"topic": "logging.stats.sync.host.logdate.fail.final", "body": {"host": "h", "run_id": "r", "log_date": "2026-13-01"}}',
      '{"topic": "t", "body": {}, "headers": {"fedora_messaging_severity": 20.0}}',
      "not json",
    ].join("\n") + "\n",
  );
  const run = await busmsg(["validate", file]);
  assertEquals(run.code, 2);
  assertEquals(run.stdout.split("\n").filter(Boolean), [
    `${file}:2: body.synced_host: is required for logging.stats.sync.host.logdate.fail.final`,
    `${file}:2: body.log_date: must be a calendar date YYYY-MM-DD`,
    `${file}:2: body.reason: is required for logging.stats.sync.host.logdate.fail.final (or body.failure)`,
    `${file}:3: headers.fedora_messaging_severity: must be one of the integers 10, 20, 30, 40, got the float 20`,
    `${file}:4: json: invalid JSON: ${
      (() => {
        try {
          JSON.parse("not json");
        } catch (e) {
          return (e as Error).message;
        }
      })()
    }`,
  ]);
  assertIncludes(run.stderr, "3 of 4 line(s) invalid (5 problem(s))");
  const json = await busmsg(["validate", "--json", "-"], { stdin: '{"topic": "x"}\n' });
  assertEquals(json.code, 2);
  assertEquals(JSON.parse(json.stdout), {
    file: "<stdin>",
    line: 1,
    field: "body",
    message: "is required",
  });
  const ok = await busmsg(["validate"], { stdin: '{"topic": "x", "body": {}}\n' });
  assertEquals([ok.code, ok.stdout], [0, ""]);
  assertIncludes(ok.stderr, "1 line(s) valid");
});

Deno.test("test-message --roundtrip: the very message comes back through a consumer's queue", async () => {
  const consumer = await tlsConfig("consumer", [`topic_prefix = "${PREFIX}"`]);
  const run = await busmsg([
    "test-message",
    "--conf",
    conf,
    "--roundtrip",
    "--listen-conf",
    consumer,
    "--host",
    "h1",
  ]);
  assertEquals(run.code, 0, run.stderr);
  const [first, rtt, dump] = run.stdout.trim().split("\n");
  const [id, key] = first!.split(" ");
  assertEquals(key, `${PREFIX}.logging.stats.debug.test-message`);
  assert(/^round-trip \d+\.\d ms$/.test(rtt!), rtt);
  const arrived = JSON.parse(dump!);
  assertEquals(arrived.id, id);
  assertEquals(arrived.topic, "logging.stats.debug.test-message");
  assertEquals(arrived.body, { host: "h1", test_key1: "test_value1" });
  assertEquals(arrived.headers.fedora_messaging_severity, 10);
});

Deno.test("test-message --roundtrip as the publish-only user: one line naming the missing permission", async () => {
  const run = await busmsg(["test-message", "--conf", conf, "--roundtrip"]);
  assertEquals(run.code, 121);
  assertIncludes(run.stderr, "may not declare or bind a queue");
  assertIncludes(run.stderr, "--listen-conf");
  assertEquals(run.stderr.trim().split("\n").length, 1);
});

Deno.test("test-message --topic test sends the note's original message", async () => {
  const reader = await Reader.open(["test"]);
  try {
    const run = await busmsg(["test-message", "--url", PLAIN_URL, "--topic", "test"]);
    assertEquals(run.code, 0, run.stderr);
    const [m] = await reader.take(1);
    assertEquals(m?.text, '{"test_key1": "test_value1"}');
    assertEquals(m?.properties["messageId"], run.stdout.split(" ")[0]);
  } finally {
    await reader.close();
  }
});

Deno.test("schema: the catalogue as shipped, and one flattened topic", async () => {
  const all = await busmsg(["schema"]);
  assertEquals(all.code, 0);
  assertEquals(
    JSON.parse(all.stdout),
    JSON.parse(await Deno.readTextFile(`${ROOT}lib/message/schemas/logging.stats.schema.json`)),
  );
  const one = await busmsg(["schema", "logging.stats.sync.host.skip"]);
  assertEquals(JSON.parse(one.stdout).required, ["host", "run_id", "synced_host"]);
  // The text is reason or failure (the deployed bash script's name): at least one of them.
  assertEquals(JSON.parse(one.stdout).anyOf, [{ required: ["reason"] }, { required: ["failure"] }]);
  assertEquals(Object.keys(JSON.parse(one.stdout).properties), [
    "host",
    "run_id",
    "synced_host",
    "reason",
    "failure",
  ]);
  const bad = await busmsg(["schema", "logging.stats.sync.nope"]);
  assertEquals(bad.code, 2);
});
