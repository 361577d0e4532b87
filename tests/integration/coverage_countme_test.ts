/**
 * `report --coverage` and what DNF Counting will count, over recorded nights in the real
 * scripts' shapes and timing (tests/support/nights.ts `countmeNights`): the python sync (5
 * workers, silent 2-hour timeouts, `Error code: N`), `combineHttpLogs.sh` right after it merging
 * log date D on night D+2 (`loghost`, `target`, `result`), and a second log server during the
 * data-centre move. Every state in the text, `--json`, `--nagios` and `--html`; a night the
 * recorder missed, backfilled from datagrepper pages.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { busmsg } from "../support/run.ts";
import {
  COUNTME,
  countmeNights,
  countmeNightsWith,
  datagrepperPage,
  type Night,
  writeDayFiles,
} from "../support/nights.ts";

const OLD = COUNTME.old, NEW = COUNTME.new;

async function nights(): Promise<{ dir: string; files: string[]; expect: string[] }> {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-countme-" });
  const files = await writeDayFiles(dir, countmeNights());
  await Deno.writeTextFile(`${dir}/proxies`, "proxy09.fedoraproject.org\n");
  return { dir, files, expect: ["--expect-hosts", `${dir}/proxies`] };
}

interface CellJson {
  state: string;
  week?: string;
  merge?: string;
  remedy?: string;
  rsync?: { code: number; meaning: string };
  recovery?: { until: string; command: string };
  last_reason?: string;
  runs: { outcome: string; seconds?: number }[];
}
interface ServerJson {
  log_server: string;
  proxies: Record<string, Record<string, CellJson>>;
  merges: Record<string, { status: string; runs: { result?: string }[] }>;
  totals: Record<string, number>;
  proxy_counts: Record<string, Record<string, number>>;
  merged_elsewhere?: true;
  unmerged?: string[];
}

Deno.test("report --coverage: late, failed merge, unverified, lost outside proxy*, two log servers: text, --json, --nagios", async () => {
  const { dir, files, expect } = await nights();

  const text = await busmsg(["report", "--coverage", ...expect, ...files]);
  assertEquals([text.code, text.stderr], [1, ""]);
  const out = text.stdout;
  // Two log servers, each on its own, and said so.
  assertIncludes(
    out,
    `2 log servers ran the sync: ${OLD}, ${NEW}; each is shown on its own, as a date one ` +
      "fetched is not on the other (--log-server NAME shows one)\n",
  );
  const [old, moved] = out.split(`== log server ${NEW}\n`) as [string, string];
  assertIncludes(
    old,
    "  dl01.fedoraproject.org     ...X....\n" +
      "  proxy01.fedoraproject.org  ........\n" +
      "  proxy02.fedoraproject.org  ...L....\n" +
      "  proxy03.fedoraproject.org  ....U...\n" +
      "  proxy04.fedoraproject.org  .....r..\n" +
      "  proxy05.fedoraproject.org  .....R..\n" +
      "  proxy06.fedoraproject.org  ..X....?\n" +
      "  proxy09.fedoraproject.org  --------\n" +
      "  (merge)                     mmmmFm\n",
  );
  // Late: fetched on its third night, after the merge of night D+2; its week and the remedy.
  assertIncludes(
    old,
    "  proxy02.fedoraproject.org 2026-12-01: Error code: 23\n" +
      "    rsync exit code 23: partial transfer: some files were not copied, e.g. no log file " +
      "matched the date yet\n",
  );
  assertIncludes(old, "before the run that fetched it started\n");
  assertIncludes(
    old,
    "    undercounts DNF Counting's week of 2026-11-30 (Mon) to 2026-12-06\n" +
      "    on the log server already; re-run the merge for 2026-12-01 (combineHttpLogs.sh with " +
      "the date as its argument), then countme's raw update from 2026-12-01 on\n",
  );
  // The failed merge: every proxy of the date is missing from DNF Counting.
  assertIncludes(
    old,
    'merge of 2026-12-03 FAILED (result "1", run ',
  );
  assertIncludes(
    old,
    "every proxy of that date is missing from DNF Counting; re-run the merge for 2026-12-03, " +
      "then countme's raw update from 2026-12-03 on\n",
  );
  // Silent timeouts: never counted as fetched, and why.
  assertIncludes(
    old,
    "  proxy03.fedoraproject.org 2026-12-02: logdate.start to logdate.finish took 6h00m with " +
      "no failure sent: attempts that hit the sync's 2-hour subprocess timeout send nothing, so " +
      "whether it was fetched is unknown\n",
  );
  assertEquals(old.match(/\): unverified, 1 attempt\n/g)?.length, 3);
  // Lost on a proxy: the week, until when and how to fetch it by hand.
  assertIncludes(
    old,
    "    undercounts DNF Counting's week of 2026-11-23 (Mon) to 2026-11-29\n" +
      "    fetch by hand until about 2026-12-07 (the proxy keeps about 7 rotated logs): mkdir -p " +
      "/var/log/hosts/proxy06.fedoraproject.org/2026/11/30/http/ && rsync -a --timeout=1200 " +
      "--contimeout=1200 'proxy06.fedoraproject.org::log/httpd/*20261130*' " +
      "/var/log/hosts/proxy06.fedoraproject.org/2026/11/30/http/; then re-run the merge",
  );
  // The new server: refused by proxy01's rsyncd every night (hosts allow), its own coverage.
  assertIncludes(moved, "  proxy01.fedoraproject.org  XXX??\n");
  assertIncludes(moved, `on ${NEW}, window 3 nights, runs no merge (another log server's merges`);
  for (const wrong of ["not fetched before its merge", "undercounts", "NOT RECORDED"]) {
    assert(!moved.split("\n=> ")[0]!.includes(wrong), wrong);
  }
  assertIncludes(
    moved,
    "    rsync exit code 5: the proxy's rsyncd refused this log server: check that its hosts " +
      "allow lists this log server's address\n",
  );

  const plugin = await busmsg(["report", "--coverage", "--nagios", ...expect, ...files]);
  assertEquals(plugin.code, 2);
  const line = plugin.stdout.split("\n")[0]!;
  for (
    const part of [
      `COVERAGE CRITICAL - ${OLD}: merge of 2026-12-03 failed (finished with result "1"): every ` +
      "proxy of that date is missing from DNF Counting, week of 2026-11-30 (Mon) to 2026-12-06",
      `${OLD}: 1 date fetched after its merge, missing from DNF Counting: ` +
      "proxy02.fedoraproject.org 2026-12-01 (week of 2026-11-30)",
      `${OLD}: 1 date lost, missing from DNF Counting: proxy06.fedoraproject.org 2026-11-30 ` +
      "(week of 2026-11-23)",
      // The new server runs no merge while the old one does: its gap, not DNF Counting's.
      `${NEW}: 3 dates lost on this log server (it runs no merge; DNF Counting reads the ` +
      "merge of another log server): proxy01.fedoraproject.org 2026-12-01",
      `${NEW}: 1 date pending after 2 or more runs: proxy01.fedoraproject.org 2026-12-04`,
      `${OLD}: 1 date lost on hosts outside proxy*: dl01.fedoraproject.org 2026-12-01`,
      `${OLD}: 1 date unverified (silent timeouts): proxy03.fedoraproject.org 2026-12-02`,
      "| fetched=79 retried=1 recovered=1 late=1 pending=3 unverified=1 lost=5 missing=13 " +
      "merge_failed=1 runs=9 proxies=8 log_servers=2 ignored=0 kept_aside=0",
    ]
  ) assertIncludes(line, part);
  assertEquals(plugin.stdout.split("\n").slice(1).join("\n"), text.stdout);

  const json = await busmsg(["report", "--coverage", "--json", ...expect, ...files]);
  assertEquals(json.code, 1);
  const j = JSON.parse(json.stdout) as {
    state: string;
    log_servers: string[];
    servers: ServerJson[];
    findings: { state: string; text: string }[];
    perf: Record<string, number>;
  };
  assertEquals(j.state, "CRITICAL");
  assertEquals(j.log_servers, [OLD, NEW]);
  const [o, n] = j.servers as [ServerJson, ServerJson];
  const cell = (s: ServerJson, p: string, d: string) => s.proxies[p]![d]!;
  const late = cell(o, "proxy02.fedoraproject.org", "2026-12-01");
  assertEquals([late.state, late.week], ["late", "2026-11-30"]);
  assertIncludes(late.merge!, "its merge finished at 2026-12-03T");
  assertIncludes(late.remedy!, "re-run the merge for 2026-12-01");
  assertEquals(late.recovery!.until, "2026-12-08");
  const silent = cell(o, "proxy03.fedoraproject.org", "2026-12-02");
  assertEquals(silent.state, "unverified");
  assertEquals(silent.runs.map((r) => r.outcome), ["unverified", "unverified", "unverified"]);
  assert(silent.runs.every((r) => r.seconds! >= 7200), JSON.stringify(silent.runs));
  assertEquals(cell(o, "proxy04.fedoraproject.org", "2026-12-03").state, "retried");
  assertEquals(cell(o, "proxy05.fedoraproject.org", "2026-12-03").state, "recovered");
  assertEquals(cell(o, "proxy06.fedoraproject.org", "2026-12-05").state, "pending");
  assertEquals(cell(o, "proxy09.fedoraproject.org", "2026-12-05").state, "missing");
  const other = cell(o, "dl01.fedoraproject.org", "2026-12-01");
  assertEquals([other.state, other.week], ["lost", undefined]);
  assertEquals(o.merges["2026-12-03"]!.status, "failed");
  assertEquals(o.merges["2026-12-03"]!.runs.map((r) => r.result), ["1"]);
  assertEquals(o.merges["2026-12-01"]!.status, "merged");
  assertEquals(o.proxy_counts["proxy02.fedoraproject.org"]!.late, 1);
  assertEquals(n.log_server, NEW);
  assertEquals(n.merges, {}, "the new server ran no merge");
  assertEquals([n.merged_elsewhere, o.merged_elsewhere], [true, undefined]);
  const gap = cell(n, "proxy01.fedoraproject.org", "2026-12-01");
  assertEquals([gap.state, gap.week, gap.remedy], ["lost", undefined, undefined]);
  assertEquals(cell(n, "proxy01.fedoraproject.org", "2026-12-04").merge, undefined);
  assertEquals(
    new Map(j.findings.map((f) => [f.text, f.state])).get(
      `${NEW}: 3 dates lost on this log server (it runs no merge; DNF Counting reads the ` +
        "merge of another log server): proxy01.fedoraproject.org 2026-12-01, " +
        "proxy01.fedoraproject.org 2026-12-02, proxy01.fedoraproject.org 2026-12-03",
    ),
    "WARNING",
  );
  assertEquals(cell(n, "proxy01.fedoraproject.org", "2026-12-03").rsync!.code, 5);
  assertEquals(n.proxy_counts["proxy01.fedoraproject.org"]!.lost, 3);
  // Each finding with its own state: outside proxy* and unverified are WARNINGs.
  const findings = new Map(j.findings.map((f) => [f.text, f.state]));
  assertEquals(
    findings.get(`${OLD}: 1 date lost on hosts outside proxy*: dl01.fedoraproject.org 2026-12-01`),
    "WARNING",
  );
  assertEquals(
    findings.get(
      `${OLD}: 1 date unverified (silent timeouts): proxy03.fedoraproject.org 2026-12-02`,
    ),
    "WARNING",
  );
  assertEquals(j.perf.late, 1);

  // One log server; and a host outside proxy* alone is a WARNING.
  const one = await busmsg([
    "report",
    "--coverage",
    "--nagios",
    "--log-server",
    "log01.rdu3",
    ...files,
  ]);
  // Its lost dates are its own gap, a WARNING: the old server merged them.
  assertEquals(one.code, 1, one.stdout);
  assert(!one.stdout.includes("log servers ran the sync"), one.stdout);
  assertIncludes(one.stdout, `on ${NEW}, window 3 nights`);
  const warn = await busmsg([
    "report",
    "--coverage",
    "--nagios",
    "--log-server",
    OLD,
    "--countme-hosts",
    "proxy0[1-5]*",
    "--date",
    "2026-11-30",
    ...files,
  ]);
  // The failed merge of 2026-12-03, not a date shown, is still said (CRITICAL).
  assertEquals(warn.code, 2, warn.stdout);
  assertIncludes(
    warn.stdout.split("\n")[0]!,
    'COVERAGE CRITICAL - merge of 2026-12-03 failed (finished with result "1"): every proxy of ' +
      "that date is missing from DNF Counting, week of 2026-11-30 (Mon) to 2026-12-06, " +
      "1 date lost on hosts outside proxy0[1-5]*: proxy06.fedoraproject.org 2026-11-30 |",
  );
  // Every try longer than 8 hours: the timeouts are no longer taken for silent ones.
  const long = await busmsg([
    "report",
    "--coverage",
    "--json",
    "--log-server",
    OLD,
    "--attempt-timeout",
    "8h",
    ...files,
  ]);
  const lj = JSON.parse(long.stdout) as ServerJson;
  assertEquals(lj.proxies["proxy03.fedoraproject.org"]!["2026-12-02"]!.state, "fetched");
  // A check naming a log server that is not there cannot be made: UNKNOWN, naming those seen.
  const none = await busmsg([
    "report",
    "--coverage",
    "--nagios",
    "--log-server",
    "log02",
    ...files,
  ]);
  assertEquals(none.code, 3);
  assertIncludes(
    none.stdout,
    `COVERAGE UNKNOWN - --log-server log02: no run of that log server; the runs read are of ${OLD}, ${NEW} |`,
  );
  const zero = await busmsg(["report", "--coverage", "--attempt-timeout", "0", ...files]);
  assertEquals([zero.code, zero.stderr.trim()], [
    2,
    'busmsg: --attempt-timeout: must be at least 1s, got "0"',
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report --coverage: a night the recorder missed, backfilled from datagrepper pages (one line, and as jq prints it), counts once", async () => {
  const { dir, files } = await nights();
  const night = files.find((f) => f.endsWith("sync-2026-12-05.jsonl"))!;
  const lines = (await Deno.readTextFile(night)).trim().split("\n");
  const others = files.filter((f) => f !== night);
  // Pages of at most 100 messages; the second overlaps the first by ten, and a day file.
  const first = `${dir}/page1.json`, second = `${dir}/page2.json`;
  await Deno.writeTextFile(first, datagrepperPage(lines.slice(0, 100), 1, 2, lines.length));
  await Deno.writeTextFile(
    second,
    JSON.stringify(JSON.parse(datagrepperPage(lines.slice(90), 2, 2, lines.length)), null, 2),
  );
  const whole = await busmsg(["report", "--coverage", "--json", ...files]);
  const without = await busmsg(["report", "--coverage", "--json", ...others]);
  const backfilled = await busmsg(["report", "--coverage", "--json", ...others, first, second]);
  assertEquals(backfilled.stderr, "");
  assert(whole.stdout !== without.stdout, "the night matters");
  assertEquals(backfilled.stdout, whole.stdout);
  // From stdin too, alongside the day files; and with the night's day file as well (each
  // message counted once, by id).
  const piped = await busmsg(["report", "--coverage", "--nagios", ...others, night, first, "-"], {
    stdin: await Deno.readTextFile(second),
  });
  const plain = await busmsg(["report", "--coverage", "--nagios", ...files]);
  assertEquals(piped.stdout, plain.stdout);
  assertIncludes(piped.stdout.split("\n")[0]!, "merge of 2026-12-03 failed");
  // The per-run report reads pages too.
  const report = await busmsg(["report", "--json", first, second]);
  const runs = JSON.parse(report.stdout).runs as { start: string }[];
  assertEquals(runs.map((r) => r.start), [
    "2026-12-05T03:15:00+00:00",
    "2026-12-05T03:45:00+00:00",
  ]);
  // A page that is not JSON is said once, at its first line.
  await Deno.writeTextFile(`${dir}/broken.json`, '{\n  "raw_messages": [\n');
  const broken = await busmsg(["report", "--coverage", "--nagios", ...files, `${dir}/broken.json`]);
  assertIncludes(
    broken.stderr,
    `${dir}/broken.json:1: not JSON (a document over many lines), ignored`,
  );
  assertIncludes(broken.stdout.split("\n")[0]!, "1 event ignored");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report --coverage --html: every state on the page, the merge row, per log server", async () => {
  const { dir, files, expect } = await nights();
  const page = `${dir}/coverage.html`;
  const made = await busmsg(["report", "--coverage", "--html", page, ...expect, ...files]);
  assertEquals(made.code, 1, made.stderr);
  const html = await Deno.readTextFile(page);
  for (
    const s of [
      "fetched",
      "retried",
      "recovered",
      "late",
      "pending",
      "unverified",
      "lost",
      "missing",
    ]
  ) {
    assertIncludes(html, `<td class="c s-${s}" data-state="${s}"`);
  }
  assertIncludes(html, `<p id="servers">2 log servers ran the sync: ${OLD}, ${NEW}.`);
  assertIncludes(html, `<section class="server" data-server="${NEW}">`);
  assertIncludes(html, "<dd>runs no merge (another log server's merges are recorded);");
  assertIncludes(html, '<td class="c m-failed" data-merge="failed" data-date="2026-12-03"');
  assertIncludes(html, 'class="verdict v-CRITICAL merge-failed" data-date="2026-12-03"');
  assertIncludes(html, "undercounts DNF Counting&#39;s week of 2026-11-30 (Mon) to 2026-12-06");
  assertIncludes(html, "rsync exit code 5: the proxy&#39;s rsyncd refused this log server");
  assertIncludes(
    html,
    '<code class="cmd">mkdir -p /var/log/hosts/proxy06.fedoraproject.org/2026/11/30/http/ ' +
      "&amp;&amp; rsync -a --timeout=1200 --contimeout=1200 &#39;proxy06.fedoraproject.org::" +
      "log/httpd/*20261130*&#39; /var/log/hosts/proxy06.fedoraproject.org/2026/11/30/http/</code>",
  );
  assertIncludes(html, "logdate.start to logdate.finish took 6h00m with no failure sent");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report --coverage: a proxy merge event whose target has no YYYY/MM/DD is said and counted, not dropped unsaid", async () => {
  const { dir, files } = await nights();
  // The failed merge of 2026-12-03 (night 12-05), its target written another way.
  const day = `${dir}/sync-2026-12-05.jsonl`;
  const lines = (await Deno.readTextFile(day)).split("\n");
  const bad = lines.flatMap((l, i) => l.includes("combined-http/2026/12/03") ? [i + 1] : []);
  assertEquals(bad.length, 4);
  await Deno.writeTextFile(
    day,
    lines.map((l) => l.replace("combined-http/2026/12/03", "combined-http/2026-12-03")).join("\n"),
  );
  const r = await busmsg(["report", "--coverage", "--log-server", OLD, ...files]);
  assertEquals(
    r.stderr,
    bad.map((n) =>
      `busmsg: ${day}:${n}: not a valid proxy merge event: target (must end in YYYY/MM/DD), ignored\n`
    ).join(""),
  );
  assertIncludes(r.stdout, ", 4 events ignored\n");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report --coverage: log dates no run tried (runs that crashed before their first proxy, nights with no run) are CRITICAL, with or without a host list", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-untried-" });
  const proxies = ["proxy01.fedoraproject.org", "proxy02.fedoraproject.org"];
  const night = (day: string, crashed = false) => ({
    day,
    pattern: "python" as const,
    proxies: crashed ? [] : proxies,
    finished: !crashed,
  });
  // Nights 12-03 to 12-06: the sync ends in a worker's exception right after sync.start.
  const crashed = await writeDayFiles(`${dir}`, [
    night("2026-12-01"),
    night("2026-12-02"),
    ...["03", "04", "05", "06"].map((d) => night(`2026-12-${d}`, true)),
  ]);
  const r = await busmsg(["report", "--coverage", "--nagios", ...crashed]);
  assertEquals([r.code, r.stderr], [2, ""]);
  assert(
    r.stdout.startsWith(
      "COVERAGE CRITICAL - 1 log date no run tried for any proxy (runs that ended before their " +
        "first proxy, or nights with no run), lost on every proxy: 2026-12-02 | ",
    ),
    r.stdout,
  );
  const json = JSON.parse((await busmsg(["report", "--coverage", "--json", ...crashed])).stdout);
  assertEquals(json.untried, ["2026-12-02"]);
  // No run at all on nights 12-02 to 12-04 (a crash before sync.start sends nothing).
  const gap = await Deno.makeTempDir({ prefix: "busmsg-untried-" });
  const files = await writeDayFiles(gap, [
    night("2026-12-01"),
    night("2026-12-05"),
    night("2026-12-06"),
  ]);
  const g = await busmsg(["report", "--coverage", ...files]);
  assertEquals(g.code, 1);
  assertIncludes(g.stdout, "1 log date no run tried for any proxy");
  assertIncludes(g.stdout, "lost on every proxy: 2026-12-01\n");
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(gap, { recursive: true });
});

/** The countme nights with `change` applied to the old server's night `day`. */
async function variant(day: string, change: (n: Night) => Night): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-countme-" });
  return await writeDayFiles(dir, countmeNightsWith(day, change));
}

Deno.test("report --coverage: a merge due and never recorded, while other dates' merges are, is CRITICAL; one not due yet is not", async () => {
  // Night 12-04 runs the sync but not the merge of 2026-12-02 (no event at all).
  const files = await variant("2026-12-04", ({ merge: _, ...n }) => n);
  const told = "no merge of 2026-12-02 was recorded (by --merge-after 2 it was due after the run " +
    "of 2026-12-04; merges of other dates are recorded): DNF Counting has none of " +
    "2026-12-02's proxies unless it ran unrecorded, week of 2026-11-30 (Mon) to 2026-12-06; " +
    "re-run the merge for 2026-12-02 (combineHttpLogs.sh with the date as its argument), then " +
    "countme's raw update from 2026-12-02 on";
  const text = await busmsg(["report", "--coverage", "--log-server", OLD, ...files]);
  assertEquals(text.code, 1);
  assertIncludes(text.stdout, "  (merge)                     mmm Fm\n");
  assertIncludes(text.stdout, "merge of 2026-12-02 NOT RECORDED (due after the run of 2026-12-04");
  assertIncludes(text.stdout, told);
  const plugin = await busmsg(["report", "--coverage", "--nagios", "--log-server", OLD, ...files]);
  assertEquals(plugin.code, 2);
  assertIncludes(plugin.stdout.split("\n")[0]!, "COVERAGE CRITICAL - ");
  assertIncludes(plugin.stdout.split("\n")[0]!, told);
  const json = await busmsg(["report", "--coverage", "--json", "--log-server", OLD, ...files]);
  const j = JSON.parse(json.stdout) as ServerJson & { findings: { state: string; text: string }[] };
  // Only 2026-12-02: 2026-11-28's merge night was before the first run, 2026-12-05's is to come.
  assertEquals(j.unmerged, ["2026-12-02"]);
  const page = await busmsg(["report", "--coverage", "--html", "-", "--log-server", OLD, ...files]);
  assertIncludes(
    page.stdout,
    '<p class="verdict v-CRITICAL merge-unrecorded" data-date="2026-12-02">No merge of 2026-12-02',
  );
  assertEquals(j.findings.filter((f) => f.text.startsWith("no merge of")), [
    { state: "CRITICAL", text: told },
  ]);
});

Deno.test("report --coverage: a failed merge of a date outside the dates shown is CRITICAL, not passed over", async () => {
  // Night 12-05's merge, which fails, is of 2026-10-01 (no sync read for it).
  const files = await variant(
    "2026-12-05",
    (n) => ({ ...n, merge: { date: "2026-10-01", result: "1" } }),
  );
  const told = 'merge of 2026-10-01 failed (finished with result "1"): every proxy of that ' +
    "date is missing from DNF Counting, week of 2026-09-28 (Mon) to 2026-10-04";
  const text = await busmsg(["report", "--coverage", "--log-server", OLD, ...files]);
  assertEquals(text.code, 1);
  assertIncludes(text.stdout, 'merge of 2026-10-01 FAILED (result "1", run ');
  const plugin = await busmsg(["report", "--coverage", "--nagios", "--log-server", OLD, ...files]);
  assertEquals(plugin.code, 2);
  assertIncludes(plugin.stdout.split("\n")[0]!, `COVERAGE CRITICAL - ${told}`);
  const json = await busmsg(["report", "--coverage", "--json", "--log-server", OLD, ...files]);
  const j = JSON.parse(json.stdout) as ServerJson & {
    findings: { state: string; text: string }[];
    perf: Record<string, number>;
  };
  assertEquals(j.merges["2026-10-01"]!.status, "failed");
  assertEquals(j.findings.find((f) => f.text === told)?.state, "CRITICAL");
  assertEquals(j.perf.merge_failed, 1);
});
