/** `report` as the log server's daily check: day files, expected proxies, Nagios, record files. */
import { SYNC_U } from "../support/plugin_output.ts";
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { busmsg, writeConfig } from "../support/run.ts";
import { recordedWhile } from "../support/listener.ts";
import { runExampleSync, sandbox } from "../support/example_sandbox.ts";

Deno.test("report --nagios on the recorder's day file: the example sync with a proxy that never showed up", async () => {
  const { dir, env } = await sandbox();
  const today = new Date().toISOString().slice(0, 10);
  const day = await recordedWhile(dir, 36, async () => {
    const sync = await runExampleSync(dir, env);
    assertEquals(sync.code, 0, sync.stderr);
  });

  const hosts = `${dir}/proxies`;
  await Deno.writeTextFile(
    hosts,
    "# the proxies the sync must cover\ngood.example.org\nflaky.example.org\n" +
      "bad.example.org\nunknown.example.org\np2.example.org  # new this week\n",
  );
  const check = await busmsg([
    "report",
    "--date",
    today,
    "--expect-hosts",
    hosts,
    "--nagios",
    day,
  ]);
  assertEquals(check.code, 2, check.stderr);
  const [plugin, ...text] = check.stdout.split("\n");
  const why = "rsync exited with 23, giving up after...";
  assertEquals(
    plugin,
    `SYNC CRITICAL - 3 dates failed: bad.example.org 2026-11-25 (${why}), bad.example.org ` +
      `2026-11-26 (${why}), bad.example.org 2026-11-27 (${why}), 1 proxy missing: ` +
      "p2.example.org, 1 proxy skipped, 3 dates fetched after retries | runs=1 dates_fetched=6 " +
      "dates_fetched_after_retry=3 dates_failed=3 dates_unfinished=0 retries=9 missing=1 " +
      "skipped=1 ignored=0 unfinished_runs=0 kept_aside=0",
  );
  assertIncludes(text.join("\n"), "\n  p2.example.org       MISSING: no events\n");
  assertIncludes(text.join("\n"), `\n${plugin!.split(" | ")[0]}\n`);
  const plain = await busmsg(["report", "--expect-hosts", hosts, day]);
  assertEquals(plain.code, 1);
  assertEquals(plain.stdout, text.join("\n"), "--nagios adds one line in front of the report");
  const otherDay = await busmsg(["report", "--date", "2026-01-01", day]);
  assertEquals([otherDay.code, otherDay.stdout], [1, "SYNC CRITICAL - no sync run found\n"]);
});

/** One event line as `fedora-messaging record` writes it: full topic, queue name, sorted keys. */
function recorded(event: string, at: string, body: Record<string, string>): string {
  return JSON.stringify({
    body: { host: "log01.example.org", run_id: "r-1", ...body },
    headers: {
      fedora_messaging_schema: "base.message",
      fedora_messaging_schema_package: "fedora_messaging",
      fedora_messaging_severity: event.includes("fail") ? 40 : 20,
      priority: 0,
      "sent-at": at,
    },
    id: crypto.randomUUID(),
    priority: 0,
    queue: "busmsg-recorder",
    topic: `org.fedoraproject.prod.logging.stats.sync.${event}`,
  });
}

Deno.test("report and validate read fedora-messaging record files (topics with the prefix)", async () => {
  const p = { synced_host: "proxy01.example.org" };
  const d = { ...p, log_date: "2026-11-27" };
  const lines = [
    recorded("start", "2026-11-28T03:00:00+00:00", {}),
    recorded("host.start", "2026-11-28T03:00:01+00:00", p),
    recorded("host.logdate.start", "2026-11-28T03:00:01+00:00", d),
    recorded("host.logdate.fail.final", "2026-11-28T03:00:09+00:00", { ...d, reason: "rsync 23" }),
    recorded("host.finish", "2026-11-28T03:00:09+00:00", p),
    recorded("finish", "2026-11-28T03:00:10+00:00", {}),
  ];
  const report = await busmsg(["report", "-"], { stdin: lines.join("\n") + "\n" });
  assertEquals(report.code, 1, report.stderr);
  assertEquals(
    report.stdout,
    "run r-1 on log01.example.org: 2026-11-28T03:00:00+00:00 to 2026-11-28T03:00:10+00:00 (10s)\n" +
      "  proxy01.example.org  0/1 dates fetched; FAILED 2026-11-27: rsync 23 " +
      "(fail.final after 1 attempt)\n" +
      "SYNC CRITICAL - 1 date failed: proxy01.example.org 2026-11-27 (rsync 23)\n",
  );
  const valid = await busmsg(["validate", "-"], { stdin: lines.join("\n") + "\n" });
  assertEquals(valid.code, 0, valid.stdout + valid.stderr);
  // A fail.final without its reason: the schema applies behind the prefix.
  const broken = recorded("host.logdate.fail.final", "2026-11-28T03:00:09+00:00", d);
  const invalid = await busmsg(["validate", "-"], { stdin: broken + "\n" });
  assertEquals(invalid.code, 2);
  assertEquals(
    invalid.stdout,
    "<stdin>:1: body.reason: is required for logging.stats.sync.host.logdate.fail.final " +
      "(or body.failure)\n",
  );
});

Deno.test("report reads the default config like every command", async () => {
  const bad = await writeConfig(["topic_prefix = "]);
  const got = await busmsg(["report", "-"], {
    stdin: "",
    env: { FEDORA_MESSAGING_CONF: bad },
  });
  assertEquals(got.code, 2);
  assertIncludes(got.stderr, `busmsg: ${bad}:1: invalid TOML`);
});

Deno.test("report over several day files: --date picks runs by their start; unfinished dates fail; no run fails", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-days-" });
  const p = { synced_host: "proxy01.example.org" };
  const a = (event: string, at: string, body: Record<string, string> = {}) =>
    recorded(event, at, { run_id: "late", ...body });
  // A run that starts before midnight and finishes after it: its events are in two day files.
  await Deno.writeTextFile(
    `${dir}/day-2026-11-27.jsonl`,
    [
      a("start", "2026-11-27T23:59:50+00:00"),
      a("host.start", "2026-11-27T23:59:51+00:00", p),
      a("host.logdate.start", "2026-11-27T23:59:52+00:00", { ...p, log_date: "2026-11-26" }),
    ].join("\n") + "\n",
  );
  await Deno.writeTextFile(
    `${dir}/day-2026-11-28.jsonl`,
    [
      a("host.logdate.finish", "2026-11-28T00:00:05+00:00", { ...p, log_date: "2026-11-26" }),
      a("host.finish", "2026-11-28T00:00:06+00:00", p),
      a("finish", "2026-11-28T00:00:07+00:00"),
      // The next night's run: one date started and was never heard of again.
      recorded("start", "2026-11-28T23:59:00+00:00", { run_id: "next" }),
      recorded("host.start", "2026-11-28T23:59:01+00:00", { run_id: "next", ...p }),
      recorded("host.logdate.start", "2026-11-28T23:59:02+00:00", {
        run_id: "next",
        ...p,
        log_date: "2026-11-27",
      }),
      recorded("host.finish", "2026-11-28T23:59:03+00:00", { run_id: "next", ...p }),
      recorded("finish", "2026-11-28T23:59:04+00:00", { run_id: "next" }),
    ].join("\n") + "\n",
  );
  const files = [`${dir}/day-2026-11-27.jsonl`, `${dir}/day-2026-11-28.jsonl`];
  const first = await busmsg(["report", "--date", "2026-11-27", ...files]);
  assertEquals(first.code, 0, first.stdout);
  assertEquals(
    first.stdout,
    "run late on log01.example.org: 2026-11-27T23:59:50+00:00 to 2026-11-28T00:00:07+00:00 (17s)\n" +
      "  proxy01.example.org  1/1 dates fetched\n" +
      "SYNC OK - 1 run, 1 date fetched\n",
  );
  const second = await busmsg(["report", "--date", "2026-11-28", "--nagios", ...files]);
  assertEquals(second.code, 2, second.stdout);
  assertEquals(
    second.stdout.split("\n")[0]!.split(" | ")[0],
    "SYNC CRITICAL - 1 date not finished: proxy01.example.org 2026-11-27",
  );
  assertIncludes(
    second.stdout,
    "  proxy01.example.org  0/1 dates fetched; NOT FINISHED 2026-11-27\n",
  );
  const none = await busmsg(["report", "--since", "1h", ...files]);
  assertEquals([none.code, none.stdout], [1, "SYNC CRITICAL - no sync run found\n"]);
  const empty = await busmsg(["report", "-"], { stdin: "" });
  assertEquals([empty.code, empty.stdout], [1, "SYNC CRITICAL - no sync run found\n"]);
});

Deno.test("report --nagios: a check that cannot be made is UNKNOWN (exit 3), one plugin line", async () => {
  const missing = await busmsg(["report", "--nagios", "/nonexistent/day.jsonl"]);
  assertEquals(missing.code, 3);
  assertEquals(
    missing.stdout,
    `SYNC UNKNOWN - /nonexistent/day.jsonl: cannot open: no such file${SYNC_U}\n`,
  );
  const badDate = await busmsg(["report", "--nagios", "--date", "2026-13-01", "-"], { stdin: "" });
  assertEquals(badDate.code, 3);
  assertEquals(
    badDate.stdout,
    `SYNC UNKNOWN - --date: must be a calendar date YYYY-MM-DD, got "2026-13-01"${SYNC_U}\n`,
  );
});

Deno.test("report: every line it does not count is said, FILE:LINE: why, ignored (not JSON, bad UTF-8, an invalid sync event)", async () => {
  const dir = await Deno.makeTempDir();
  const day = `${dir}/day.jsonl`;
  const event = (topic: string, body: object, second: number) =>
    JSON.stringify({
      topic: `logging.stats.sync.${topic}`,
      body,
      id: `id-${second}`,
      headers: { "sent-at": `2026-11-28T03:00:0${second}+00:00` },
    }) + "\n";
  const run = { run_id: "r1", host: "log\x1b]0;x\x07" };
  const p = { synced_host: "proxy01" }, d = { ...p, log_date: "2026-11-27" };
  const text = new TextEncoder();
  await Deno.writeFile(
    day,
    new Uint8Array([
      ...text.encode(event("start", run, 1)),
      ...text.encode('{"topic": "logging.stats.sync.finish", "x": "\xff'),
      0xff,
      ...text.encode('"}\nnot json\n'),
      ...text.encode(event("host.logdate.fail.final", {}, 2)),
      ...text.encode(event("host\x1b[2J", { ...run }, 3)),
      ...text.encode(event("host.start", { ...run, ...p }, 5)),
      ...text.encode(event("host.logdate.start", { ...run, ...d }, 6)),
      ...text.encode(event("host.logdate.finish", { ...run, ...d }, 7)),
      ...text.encode(event("host.finish", { ...run, ...p }, 8)),
      ...text.encode(event("finish", run, 9)),
    ]),
  );
  const got = await busmsg(["report", day]);
  assertEquals(got.code, 0, got.stderr);
  const need = "is required for logging.stats.sync.host.logdate.fail.final";
  assertEquals(
    got.stderr,
    `busmsg: ${day}:2: line is not valid UTF-8, ignored\n` +
      `busmsg: ${day}:3: not JSON, ignored\n` +
      `busmsg: ${day}:4: not a valid sync event: body.host: ${need}; body.run_id: ${need}; ` +
      `body.synced_host: ${need}; body.log_date: ${need}; body.reason: ${need} (or body.failure), ` +
      "ignored\n" +
      `busmsg: ${day}:5: not a valid sync event: topic: unknown sync event ` +
      '"logging.stats.sync.host\\x1b[2J" (known: start, finish, host.start, host.finish, ' +
      "host.skip, host.logdate.start, host.logdate.finish, host.logdate.fail.retry, " +
      "host.logdate.fail.final), ignored\n",
  );
  assertEquals(
    got.stdout,
    "run r1 on log\\x1b]0;x\\x07: 2026-11-28T03:00:01+00:00 to 2026-11-28T03:00:09+00:00 (8s)\n" +
      "  proxy01  1/1 dates fetched\n" +
      "  (1 event of this run ignored)\n" +
      "SYNC WARNING - 4 events ignored\n",
  );
  // Never only stderr: what could not be counted is in the verdict, the JSON and the plugin line.
  const json = JSON.parse((await busmsg(["report", "--json", day])).stdout);
  assertEquals([json.state, json.ignored, json.runs[0].ignored], ["WARNING", 4, 1]);
  const plugin = await busmsg(["report", "--nagios", day]);
  assertEquals(plugin.code, 1);
  assertEquals(
    plugin.stdout.split("\n")[0],
    "SYNC WARNING - 4 events ignored | runs=1 dates_fetched=1 dates_fetched_after_retry=0 " +
      "dates_failed=0 dates_unfinished=0 retries=0 missing=0 skipped=0 ignored=4 unfinished_runs=0 kept_aside=0",
  );
});

Deno.test("report --nagios: the plugin line shows no control character raw", async () => {
  const missing = await busmsg(["report", "--nagios", "/nonexistent/\x1b[2J.jsonl"]);
  assertEquals(missing.code, 3);
  assertEquals(
    missing.stdout,
    `SYNC UNKNOWN - /nonexistent/\\x1b[2J.jsonl: cannot open: no such file${SYNC_U}\n`,
  );
});

Deno.test("report: JSON that is no object (a line, or a datagrepper page's message) is said and counted, not passed over", async () => {
  const dir = await Deno.makeTempDir();
  const day = `${dir}/day.jsonl`;
  await Deno.writeTextFile(
    day,
    '[1, 2]\n"x"\n{"raw_messages": [1, {"topic": "other.topic", "body": {}}, null]}\n' +
      '{"topic": "other.topic", "body": {}}\n',
  );
  const got = await busmsg(["report", day]);
  assertEquals(
    got.stderr,
    `busmsg: ${day}:1: not a JSON object, ignored\n` +
      `busmsg: ${day}:2: not a JSON object, ignored\n` +
      `busmsg: ${day}:3: a page's message that is not a JSON object, ignored\n` +
      `busmsg: ${day}:3: a page's message that is not a JSON object, ignored\n`,
  );
  assertEquals(
    got.stdout,
    "SYNC CRITICAL - no sync run found, 4 events ignored\n",
  );
  await Deno.remove(dir, { recursive: true });
});
