import { assert, assertEquals } from "../../support/assert.ts";
import {
  allRules,
  checkBody,
  isCalendarDate,
  misspeltTopic,
  requiredFields,
  ruleFor,
  SYNC_EVENTS,
  uncheckedTopic,
  validatorProblems,
} from "../../../lib/message/schemas.ts";
import { type JsonObject, parseJson } from "../../../lib/message/pyjson.ts";

/** The required fields of a listed topic, alternatives joined by "|". */
function required(topic: string): string[] {
  const rule = ruleFor(topic);
  assert(typeof rule === "object", topic);
  return requiredFields(rule).map((alternatives) => alternatives.join("|"));
}

const FULL = {
  host: "log01",
  run_id: "r",
  synced_host: "proxy01",
  log_date: "2026-11-27",
  reason: "timed out",
};

Deno.test("schemas: the nine sync events, with the fields each inherits", () => {
  assertEquals(SYNC_EVENTS, [
    "start",
    "finish",
    "host.start",
    "host.finish",
    "host.skip",
    "host.logdate.start",
    "host.logdate.finish",
    "host.logdate.fail.retry",
    "host.logdate.fail.final",
  ]);
  assertEquals(required("logging.stats.sync.start"), ["host", "run_id"]);
  assertEquals(required("logging.stats.sync.host.skip"), [
    "host",
    "run_id",
    "synced_host",
    "reason|failure",
  ]);
  assertEquals(required("logging.stats.sync.host.logdate.finish"), [
    "host",
    "run_id",
    "synced_host",
    "log_date",
  ]);
  assertEquals(required("logging.stats.sync.host.logdate.fail.final"), [
    "host",
    "run_id",
    "synced_host",
    "log_date",
    "reason|failure",
  ]);
  assertEquals(required("logging.stats.debug.anything"), ["host"]);
  assertEquals(ruleFor("logging.stats.merge.start"), "unknown");
});

Deno.test("schemas: the shell jobs' families require loghost and run_id, never host", () => {
  assertEquals(required("logging.stats.combinehttplogs.start"), ["loghost", "run_id"]);
  assertEquals(required("logging.stats.combinehttplogs.logmerge.proxy.finish"), [
    "loghost",
    "run_id",
    "log",
    "file",
    "target",
    "temp",
    "result",
  ]);
  assertEquals(required("logging.stats.combinehttplogs.logmerge.people.start"), [
    "loghost",
    "run_id",
    "proxylog",
    "file",
    "target",
    "temp",
  ]);
  assertEquals(required("logging.stats.condense-mirrorlogs.mirrorlist.sort"), [
    "loghost",
    "run_id",
  ]);
  assertEquals(required("logging.stats.countme-centos-update.command.finish"), [
    "loghost",
    "run_id",
    "command",
    "result",
  ]);
  const job = { loghost: "log01", run_id: "r" };
  // An empty result, bare words as keys: what the helper makes, accepted.
  assertEquals(
    checkBody("logging.stats.condense-mirrorlogs.mirrorlist.finish", {
      ...job,
      workfile: "/tmp/w",
      logfile: "/var/log/m",
      result: "",
    }),
    [],
  );
  assertEquals(
    checkBody("logging.stats.countme-update.command.finish", {
      ...job,
      command: "countme-update-rawdb",
      "--rawdb": "--rawdb",
      "/var/lib/countme/raw.db": "/var/lib/countme/raw.db",
      "2026-12-07 update": "2026-12-07 update",
      result: "0",
    }),
    [],
  );
  assertEquals(
    checkBody("logging.stats.combinehttplogs.start", { host: "h", run_id: "r" }).map((p) =>
      p.field
    ),
    ["body.loghost"],
  );
  assertEquals(checkBody("logging.stats.sync.start", job).map((p) => p.field), ["body.host"]);
  // A misspelt field is named with the missing one.
  assertEquals(
    checkBody("logging.stats.countme-update.start", { lohost: "log01", run_id: "r" }),
    [{
      field: "body.loghost",
      message:
        'is required for logging.stats.countme-update.start (the body has "lohost": misspelt?)',
    }],
  );
});

Deno.test("schemas: an unlisted logging.stats topic is unchecked, unless under sync or misspelt", () => {
  assertEquals(checkBody("logging.stats.merge.start", {}), []);
  assertEquals(uncheckedTopic("logging.stats.merge.start"), true);
  assertEquals(uncheckedTopic("logging.stats.countme-update.extra.start"), true);
  assertEquals(uncheckedTopic("logging.stats.combinehttplogs.start"), false);
  assertEquals(uncheckedTopic("org.other.topic"), false);
  for (
    const [typo, meant] of [
      ["logging.stats.combinehttplog.start", "logging.stats.combinehttplogs.start"],
      ["logging.stats.countme-update.command.sart", "logging.stats.countme-update.command.start"],
      ["logging.stats.condense_mirrorlogs.finish", "logging.stats.condense-mirrorlogs.finish"],
      ["logging.stats.CountMe-Update.start", "logging.stats.countme-update.start"],
    ]
  ) {
    assertEquals(misspeltTopic(typo!), meant, typo);
    assertEquals(uncheckedTopic(typo!), false, typo);
    const [problem] = checkBody(typo!, { loghost: "l", run_id: "r" });
    assertEquals(problem?.field, "topic");
    assert(problem?.message.includes(`did you mean "${meant}"?`), problem?.message);
  }
  assertEquals(
    checkBody("logging.stats.sync.strat", FULL)[0]?.message.includes(
      'did you mean "logging.stats.sync.start"?',
    ),
    true,
  );
  assertEquals(uncheckedTopic("logging.stats.sync.bogus"), false);
});

Deno.test("schemas: severities by event", () => {
  const sev = (t: string) => (ruleFor(t) as { severity: number }).severity;
  assertEquals(sev("logging.stats.sync.host.logdate.fail.final"), 40);
  assertEquals(sev("logging.stats.sync.host.logdate.fail.retry"), 30);
  assertEquals(sev("logging.stats.sync.host.skip"), 30);
  assertEquals(sev("logging.stats.sync.start"), 20);
  assertEquals(sev("logging.stats.debug.x"), 10);
});

Deno.test("schemas: bodies are checked, every problem named by field", () => {
  assertEquals(checkBody("logging.stats.sync.host.logdate.fail.final", FULL), []);
  assertEquals(
    checkBody("logging.stats.sync.host.logdate.fail.final", { ...FULL, extra: [1] }),
    [],
  );
  assertEquals(
    checkBody("logging.stats.sync.host.logdate.fail.final", {
      host: "",
      run_id: 5,
      log_date: "2026-02-30",
    }).map(
      (p) => p.field,
    ).sort(),
    ["body.host", "body.log_date", "body.reason", "body.run_id", "body.synced_host"],
  );
  assertEquals(
    checkBody("logging.stats.sync.host.logdate.start", { ...FULL, log_date: "2026-2-3" })[0]?.field,
    "body.log_date",
  );
  assertEquals(
    checkBody("logging.stats.sync.host.logdate.start", { ...FULL, log_date: "2024-02-29" }),
    [],
  );
  assertEquals(checkBody("logging.stats.sync.bogus", FULL)[0]?.field, "topic");
  assertEquals(checkBody("logging.stats.sync", FULL)[0]?.field, "topic");
  assertEquals(checkBody("logging.stats.debug.x", {})[0]?.field, "body.host");
  assertEquals(checkBody("org.other.topic", {}), []);
  assertEquals(checkBody("logging.statsx", {}), []);
});

Deno.test("schemas: bodies holding big integers and floats are checked, not thrown on (found by fuzzing)", () => {
  const body = parseJson(
    '{"host": "h", "n": 123456789012345678901, "f": 1.5, "deep": [{"x": 99999999999999999999}]}',
  );
  assertEquals(checkBody("logging.stats.debug.x", body as JsonObject), []);
  assertEquals(
    checkBody("logging.stats.debug.x", { host: 12345678901234567890n })[0]?.field,
    "body.host",
  );
});

Deno.test("schemas: the quick check and the general validator agree on fuzzed bodies", () => {
  const topics = allRules().map((r) => r.topic.replace(".*", ".x"));
  const values: unknown[] = [
    "",
    "x",
    "2026-11-27",
    "2026-02-30",
    "2024-02-29",
    "2026-2-3",
    5,
    null,
    [],
    {},
    "é",
  ];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 3000; i++) {
    const body: Record<string, unknown> = {};
    for (
      const f of [
        "host",
        "run_id",
        "synced_host",
        "log_date",
        "reason",
        "failure",
        "extra",
        "loghost",
        "command",
        "result",
      ]
    ) {
      if (next() < 0.8) body[f] = values[Math.floor(next() * values.length)];
    }
    const topic = topics[Math.floor(next() * topics.length)]!;
    const rule = ruleFor(topic);
    if (typeof rule !== "object") continue;
    const quick = checkBody(topic, body as JsonObject).length === 0;
    const general = validatorProblems(rule, topic, body as JsonObject).length === 0;
    assertEquals(quick, general, `${topic} ${JSON.stringify(body)}`);
  }
});

Deno.test("schemas: isCalendarDate", () => {
  for (const d of ["2026-11-27", "2024-02-29", "2000-02-29", "2026-12-31"]) {
    assertEquals(isCalendarDate(d), true, d);
  }
  for (
    const d of [
      "2026-02-29",
      "1900-02-29",
      "2026-13-01",
      "2026-00-10",
      "2026-04-31",
      "26-11-27",
      "2026-11-27T00",
    ]
  ) {
    assertEquals(isCalendarDate(d), false, d);
  }
});

Deno.test("schemas: a failure or skip gives its text as reason or failure (the deployed bash script's name), at least one", () => {
  const { reason: _, ...noReason } = FULL;
  for (const topic of ["host.logdate.fail.retry", "host.logdate.fail.final", "host.skip"]) {
    const t = `logging.stats.sync.${topic}`;
    assertEquals(checkBody(t, { ...noReason, failure: "Error code: 23" }), [], t);
    assertEquals(checkBody(t, { ...FULL, failure: "Error code: 23" }), [], t);
    assertEquals(checkBody(t, noReason), [{
      field: "body.reason",
      message: `is required for ${t} (or body.failure)`,
    }]);
    // Each one given must be a non-empty string, as reason always had to be.
    assertEquals(checkBody(t, { ...noReason, failure: "" }), [{
      field: "body.failure",
      message: "must not be empty",
    }]);
    assertEquals(checkBody(t, { ...FULL, reason: "", failure: "x" }), [{
      field: "body.reason",
      message: "must not be empty",
    }]);
    assertEquals(checkBody(t, { ...noReason, failure: 23 })[0]?.field, "body.failure");
  }
  // Only there: other events keep their fields, and failure is no field of theirs.
  assertEquals(
    checkBody("logging.stats.sync.host.logdate.finish", { ...noReason, failure: "" }),
    [],
  );
});
