/**
 * `report --coverage` over six recorded nights in the real sync scripts' patterns (bash: short
 * host, `failure`, retries with no `fail.final`, `logdate.finish` after the last failed attempt;
 * python: 5 interleaved workers, a proxy listed twice, a skip), day files given out of order,
 * one in `fedora-messaging record`'s form and one gzipped: every state, the window's edge, text,
 * `--json`, `--nagios` and its exit codes.
 */
import { COVERAGE_U } from "../support/plugin_output.ts";
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { busmsg } from "../support/run.ts";
import { type Night, sixNights, writeDayFiles } from "../support/nights.ts";

async function nights(list: Night[] = sixNights()): Promise<{ dir: string; files: string[] }> {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-coverage-" });
  // Newest first, and the run of 12-03 gzipped as logrotate leaves it.
  const files = await writeDayFiles(dir, list, (names) => names.sort().reverse());
  const old = files.find((f) => f.endsWith("sync-2026-12-03.jsonl"));
  if (old) assertEquals((await new Deno.Command("gzip", { args: [old] }).output()).success, true);
  await Deno.writeTextFile(`${dir}/proxies`, "proxy09.fedoraproject.org\n");
  return { dir, files: files.map((f) => (f === old ? `${old}.gz` : f)) };
}

const ROWS = [
  "  proxy01.fedoraproject.org  ........",
  "  proxy02.fedoraproject.org  ..r.....",
  "  proxy03.fedoraproject.org  ..R.....",
  "  proxy04.fedoraproject.org  ..X.....",
  "  proxy05.fedoraproject.org  ...L....",
  "  proxy06.fedoraproject.org  ......??",
  "  proxy07.fedoraproject.org  ........",
  "  proxy08.fedoraproject.org  .......?",
  "  proxy09.fedoraproject.org  --------",
];

Deno.test("report --coverage: every state from six nights of both real sync scripts, files out of order", async () => {
  const { dir, files } = await nights();
  const expect = ["--expect-hosts", `${dir}/proxies`];
  const text = await busmsg(["report", "--coverage", ...expect, ...files]);
  assertEquals(text.stderr, "");
  assertEquals(text.code, 1, "a lost or missing date needs a person");
  const lines = text.stdout.split("\n");
  assertEquals(
    lines[0],
    "coverage of log dates 2026-11-28 to 2026-12-05, 6 runs (2026-12-01T03:15:00+00:00 to " +
      "2026-12-06T03:15:00+00:00) on log01.iad2.fedoraproject.org, window 3 nights, merged on " +
      "night D+2 unless merge events say, DNF Counting reads proxy*",
  );
  assertEquals(lines.slice(2, 4), [" ".repeat(29) + "22300000", " ".repeat(29) + "89012345"]);
  assertEquals(lines.slice(4, 13), ROWS);
  const details = lines.slice(13).join("\n");
  assertIncludes(
    details,
    "lost (not fetched, and no run will try it again):\n" +
      "  proxy04.fedoraproject.org 2026-11-30: Error code: 23\n" +
      "    rsync exit code 23: partial transfer: some files were not copied, e.g. no log file " +
      "matched the date yet\n" +
      "    undercounts DNF Counting's week of 2026-11-23 (Mon) to 2026-11-29\n" +
      "    fetch by hand until about 2026-12-07 (the proxy keeps about 7 rotated logs): mkdir -p " +
      "/var/log/hosts/proxy04.fedoraproject.org/2026/11/30/http/ && rsync -a --timeout=1200 " +
      "--contimeout=1200 'proxy04.fedoraproject.org::log/httpd/*20261130*' " +
      "/var/log/hosts/proxy04.fedoraproject.org/2026/11/30/http/; then re-run the merge for " +
      "2026-11-30 (combineHttpLogs.sh with the date as its argument), then countme's raw " +
      "update from 2026-11-30 on\n",
  );
  // Fetched on its third night, after the merge of night D+2: late, its week named.
  assertIncludes(
    details,
    "late (fetched after the merge of its date finished: on the log server, missing from DNF " +
      "Counting until the merge for that date is re-run):\n" +
      "  proxy05.fedoraproject.org 2026-12-01: Error code: 23\n",
  );
  assertIncludes(
    details,
    "    late: no merge event for the date: by --merge-after 2 it was merged after the run of " +
      "2026-12-03, and this run is of 2026-12-04\n" +
      "    undercounts DNF Counting's week of 2026-11-30 (Mon) to 2026-12-06\n" +
      "    on the log server already; re-run the merge for 2026-12-01 (combineHttpLogs.sh with " +
      "the date as its argument), then countme's raw update from 2026-12-01 on\n",
  );
  // The three runs of its window, each with every attempt failed and no fail.final.
  assertEquals(details.match(/\): failed, 3 attempts/g)?.length, 3 + 2 + 2 + 1);
  assertIncludes(
    details,
    "missing (an expected proxy with no event for this date at all):\n" +
      "  proxy09.fedoraproject.org: no event on 8 dates, 2026-11-28 to 2026-12-05\n",
  );
  assertIncludes(
    details,
    "  proxy06.fedoraproject.org 2026-12-04: Error code: 23 [1 more night]\n",
  );
  assertIncludes(
    details,
    "  proxy06.fedoraproject.org 2026-12-05: Error code: 23 [2 more nights]\n",
  );
  assertIncludes(
    details,
    "  proxy08.fedoraproject.org 2026-12-05: skipped: Synced host unknown [2 more nights]\n",
  );

  const plugin = await busmsg(["report", "--coverage", "--nagios", ...expect, ...files]);
  assertEquals(plugin.code, 2);
  assertEquals(
    plugin.stdout.split("\n")[0],
    "COVERAGE CRITICAL - 1 date lost, missing from DNF Counting: proxy04.fedoraproject.org " +
      "2026-11-30 (week of 2026-11-23), 1 date fetched after its merge, missing from DNF " +
      "Counting: proxy05.fedoraproject.org 2026-12-01 (week of 2026-11-30), 1 date not fetched " +
      "before its merge, missing from DNF Counting: proxy06.fedoraproject.org 2026-12-04 (week " +
      "of 2026-11-30), 8 dates missing: proxy09.fedoraproject.org (8 dates) | fetched=57 " +
      "retried=1 recovered=1 late=1 pending=3 unverified=0 lost=1 missing=8 merge_failed=0 " +
      "runs=6 proxies=9 log_servers=1 ignored=0 kept_aside=0",
  );
  assertEquals(plugin.stdout.split("\n").slice(1).join("\n"), text.stdout);

  const json = await busmsg(["report", "--coverage", "--json", ...expect, ...files]);
  assertEquals(json.code, 1);
  const c = JSON.parse(json.stdout);
  assertEquals(c.window, 3);
  assertEquals(c.state, "CRITICAL");
  const lost = c.proxies["proxy04.fedoraproject.org"]["2026-11-30"];
  assertEquals(lost.state, "lost");
  assertEquals(lost.last_reason, "Error code: 23");
  assertEquals(
    lost.runs.map((r: { start: string; outcome: string; attempts: number }) =>
      `${r.start} ${r.outcome} ${r.attempts}`
    ),
    [
      "2026-12-01T03:15:00+00:00 failed 3",
      "2026-12-02T03:15:00+00:00 failed 3",
      "2026-12-03T03:15:00+00:00 failed 3",
    ],
  );
  assertEquals(c.proxies["proxy02.fedoraproject.org"]["2026-11-30"].state, "retried");
  assertEquals(c.proxies["proxy07.fedoraproject.org"]["2026-12-05"].state, "fetched");
  assertEquals(c.proxies["proxy09.fedoraproject.org"]["2026-11-28"], {
    state: "missing",
    runs: [],
  });
  assertEquals(c.totals, {
    fetched: 57,
    retried: 1,
    recovered: 1,
    late: 1,
    pending: 3,
    unverified: 0,
    lost: 1,
    missing: 8,
  });
  const late = c.proxies["proxy05.fedoraproject.org"]["2026-12-01"];
  assertEquals([late.state, late.week, late.recovery.until], ["late", "2026-11-30", "2026-12-08"]);
  assertEquals(lost.rsync, {
    code: 23,
    meaning: "partial transfer: some files were not copied, e.g. no log file matched the date yet",
  });
  assertEquals(c.proxy_counts["proxy04.fedoraproject.org"].lost, 1);
  assertEquals(c.log_servers, ["log01.iad2.fedoraproject.org"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report --coverage --expect-hosts: the sync job's YAML list, names matched as the per-run report matches them", async () => {
  const { dir, files } = await nights();
  // Short names, another case, a final dot, one commented out, one listed twice.
  await Deno.writeTextFile(
    `${dir}/sync-http-logs.yaml`,
    "---\nsynced_hosts:\n  - proxy01\n  - PROXY02.fedoraproject.org.\n" +
      "  # - proxy03.fedoraproject.org\n  - proxy07.fedoraproject.org\n" +
      "  - proxy07.fedoraproject.org\n  - proxy09.fedoraproject.org\n",
  );
  const json = await busmsg([
    "report",
    "--coverage",
    "--json",
    "--expect-hosts",
    `${dir}/sync-http-logs.yaml`,
    ...files,
  ]);
  assertEquals(json.stderr, "");
  const c = JSON.parse(json.stdout);
  // No row for a name the list spells otherwise; only the proxy never synced is missing.
  assertEquals(Object.keys(c.proxies), [
    "proxy01.fedoraproject.org",
    "proxy02.fedoraproject.org",
    "proxy03.fedoraproject.org",
    "proxy04.fedoraproject.org",
    "proxy05.fedoraproject.org",
    "proxy06.fedoraproject.org",
    "proxy07.fedoraproject.org",
    "proxy08.fedoraproject.org",
    "proxy09.fedoraproject.org",
  ]);
  assertEquals(c.totals.missing, 8);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report --coverage: the window's edge, --date, the window from the environment, stdin", async () => {
  // Without the night of 12-03 (the last run for 2026-11-30), proxy04's date is still pending.
  const { dir, files } = await nights(sixNights().slice(0, 2));
  const two = await busmsg(["report", "--coverage", "--nagios", ...files]);
  // Still pending, but the merge of night D+2 (12-02) ran without it: DNF Counting lacks it.
  assertEquals(two.code, 2);
  assertIncludes(
    two.stdout.split("\n")[0]!,
    "COVERAGE CRITICAL - 1 date not fetched before its merge, missing from DNF Counting: " +
      "proxy04.fedoraproject.org 2026-11-30 (week of 2026-11-23) |",
  );
  // With the merge a night later, it is only a date pending after 2 failed runs.
  const later = await busmsg(["report", "--coverage", "--nagios", "--merge-after", "3", ...files]);
  assertEquals(later.code, 1);
  assertIncludes(
    later.stdout.split("\n")[0]!,
    "COVERAGE WARNING - 1 date pending after 2 or more runs: proxy04.fedoraproject.org 2026-11-30 |",
  );
  // A message the recorder kept aside may be what a date lacks: said, and at least WARNING.
  const side = `${dir}/sync-2026-12-02.rejects.jsonl`;
  await Deno.writeTextFile(
    side,
    JSON.stringify({
      time: "2026-12-02T03:15:30+00:00",
      reason: "not a fedora-messaging message",
    }) +
      "\n",
  );
  const aside = await busmsg(["report", "--coverage", "--nagios", "--merge-after", "3", ...files]);
  assertEquals(aside.code, 1);
  assertIncludes(
    aside.stdout.split("\n")[0]!,
    `2026-11-30, 1 message not recorded, kept aside in ${side} | `,
  );
  assertIncludes(aside.stdout.split("\n")[0]!, " kept_aside=1");
  await Deno.remove(side);
  // A window of 2 nights: the run of 12-02 was its last.
  const short = await busmsg(["report", "--coverage", "--date", "2026-11-30", "--json", ...files], {
    env: { BUSMSG_REPORT_WINDOW: "2" },
  });
  const c = JSON.parse(short.stdout);
  assertEquals([c.window, c.from, c.to], [2, "2026-11-30", "2026-11-30"]);
  assertEquals(c.proxies["proxy04.fedoraproject.org"]["2026-11-30"].state, "lost");
  assertEquals(c.proxies["proxy03.fedoraproject.org"]["2026-11-30"].state, "recovered");
  const flag = await busmsg(["report", "--coverage", "--window", "5", "--json", ...files], {
    env: { BUSMSG_REPORT_WINDOW: "2" },
  });
  assertEquals(JSON.parse(flag.stdout).window, 5, "the flag wins over the environment");
  // stdin, like report.
  const all = (await Promise.all(
    files.filter((f) => !f.endsWith(".gz")).map((f) => Deno.readTextFile(f)),
  )).join("");
  const piped = await busmsg(["report", "--coverage", "--merge-after", "3", "-"], { stdin: all });
  assertEquals(piped.code, 0, piped.stdout);
  // A line that cannot be counted is said on stderr and makes the check a WARNING at least.
  const broken = await busmsg(["report", "--coverage", "--nagios", "--merge-after", "3", "-"], {
    stdin: all + '{"topic": "logging.stats.sync.host.logdate.fail.final", "body": {}}\nnot json\n',
  });
  assertEquals(broken.code, 1);
  assertEquals(broken.stderr.split("\n").filter((l) => l.endsWith(", ignored")).length, 2);
  assertIncludes(
    broken.stdout.split("\n")[0]!,
    "2026-11-30, 2 events ignored | fetched=",
  );
  assertIncludes(broken.stdout.split("\n")[0]!, " ignored=2");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report --coverage: bad options are usage errors, or UNKNOWN with --nagios", async () => {
  const bad = await busmsg(["report", "--coverage", "--window", "0", "-"], { stdin: "" });
  assertEquals([bad.code, bad.stderr.trim()], [
    2,
    'busmsg: --window: must be a whole number of nights from 1 to 366, got "0"',
  ]);
  const env = await busmsg(["report", "--coverage", "-"], {
    stdin: "",
    env: { BUSMSG_REPORT_WINDOW: "three" },
  });
  assertEquals(env.code, 2);
  assertIncludes(env.stderr, "BUSMSG_REPORT_WINDOW: must be a whole number of nights");
  const without = await busmsg(["report", "--html", "/tmp/x.html", "-"], { stdin: "" });
  assertEquals([without.code, without.stderr.trim()], [
    2,
    "busmsg: report: --html goes with --coverage",
  ]);
  const nagios = await busmsg(["report", "--coverage", "--nagios", "/nonexistent/day.jsonl"]);
  assertEquals(nagios.code, 3);
  assertEquals(
    nagios.stdout,
    `COVERAGE UNKNOWN - /nonexistent/day.jsonl: cannot open: no such file${COVERAGE_U}\n`,
  );
  const unwritable = await busmsg(
    ["report", "--coverage", "--nagios", "--html", "/nonexistent/dir/page.html", "-"],
    { stdin: "" },
  );
  assertEquals(unwritable.code, 3);
  assertIncludes(
    unwritable.stdout,
    "COVERAGE UNKNOWN - --html /nonexistent/dir/page.html: cannot write:",
  );
  const retries = await busmsg(["report", "--coverage", "--warn-retries", "-"], { stdin: "" });
  assertEquals([retries.code, retries.stderr.trim()], [
    2,
    "busmsg: report: --warn-retries does not go with --coverage",
  ]);
  const none = await busmsg(["report", "--coverage", "-"], { stdin: "" });
  assertEquals([none.code, none.stdout], [
    1,
    "no sync run found\n=> CRITICAL: no sync run found\n",
  ]);
});
