import { assertEquals } from "../../support/assert.ts";
import {
  coverage,
  type CoverageRun,
  type Gap,
  GAPS,
  proxyGaps,
  STATE_INFO,
  STATES,
  type Try,
} from "../../../lib/sync/coverage.ts";
import type { DateMerge } from "../../../lib/sync/merges.ts";
import {
  coverageCheck,
  type CoverageVerdict,
  coverageVerdict,
} from "../../../lib/sync/coverage_verdict.ts";
import { formatCoverage } from "../../../lib/sync/coverage_text.ts";
import { pluginOutput } from "../../../lib/text/check.ts";

const coveragePluginLine = (v: CoverageVerdict) => pluginOutput(coverageCheck(v)).split("\n")[0]!;

const ok: Try = { outcome: "fetched", attempts: 1 };
const retried: Try = { outcome: "fetched_after_retry", attempts: 3, reason: "Error code: 23" };
const failed = (reason = "Error code: 23"): Try => ({ outcome: "failed", attempts: 3, reason });

/** A nightly run on `day` (03:15 UTC) that tried each proxy's dates as given. */
function run(
  day: string,
  tries: Record<string, Record<string, Try>>,
  extra: Partial<CoverageRun> = {},
): CoverageRun {
  return {
    run_id: `run-${day}`,
    server: "log01.iad2.fedoraproject.org",
    start: `${day}T03:15:00+00:00`,
    finished: true,
    tries,
    skipped: {},
    ...extra,
  };
}

/** What every cell's state is, as `proxy date state`. */
function states(c: ReturnType<typeof coverage>): string[] {
  return Object.entries(c.proxies).flatMap(([p, row]) =>
    Object.entries(row).map(([d, cell]) => `${p} ${d} ${cell.state}`)
  );
}

Deno.test("coverage: every state, from the runs of four nights with a window of 3", () => {
  // Night of 12-02 tries 11-29..12-01, and so on: 11-29 is closed after the run of 12-02.
  const runs = [
    run("2026-12-02", {
      p1: { "2026-11-29": ok, "2026-11-30": ok, "2026-12-01": ok },
      p2: { "2026-11-29": failed(), "2026-11-30": ok, "2026-12-01": failed() },
      p3: { "2026-11-29": failed("Timeout expired."), "2026-11-30": ok, "2026-12-01": ok },
    }),
    run("2026-11-30", {
      p1: { "2026-11-27": ok, "2026-11-28": ok, "2026-11-29": ok },
      p2: { "2026-11-27": failed(), "2026-11-28": ok, "2026-11-29": failed() },
      p3: { "2026-11-27": ok, "2026-11-28": ok, "2026-11-29": failed() },
    }),
    run("2026-12-01", {
      p1: { "2026-11-28": ok, "2026-11-29": ok, "2026-11-30": ok },
      p2: { "2026-11-28": ok, "2026-11-29": ok, "2026-11-30": retried },
      p3: { "2026-11-28": ok, "2026-11-29": failed(), "2026-11-30": ok },
    }),
  ];
  const c = coverage(runs, { window: 3, expected: ["p1", "p4"], countmeHosts: "p*" });
  assertEquals(c.runs.map((r) => r.run_id), ["run-2026-11-30", "run-2026-12-01", "run-2026-12-02"]);
  assertEquals([c.from, c.to], ["2026-11-27", "2026-12-01"]);
  const s = states(c);
  assertEquals(s.filter((x) => x.startsWith("p2 ")), [
    // 11-27: failed on 11-30, and the runs of 11-28 and 11-29 are not in the input; the run of
    // 11-30 is its window's last: closed and never fetched.
    "p2 2026-11-27 lost",
    "p2 2026-11-28 fetched",
    "p2 2026-11-29 recovered",
    "p2 2026-11-30 retried",
    "p2 2026-12-01 pending",
  ]);
  // p3 2026-11-29 failed in all three runs of its window (11-30, 12-01, 12-02): lost.
  assertEquals(s.includes("p3 2026-11-29 lost"), true);
  assertEquals(s.filter((x) => x.startsWith("p4 ")).length, 5);
  assertEquals(s.filter((x) => x.startsWith("p4 ") && !x.endsWith(" missing")), []);
  const lost = c.proxies["p3"]!["2026-11-29"]!;
  assertEquals(lost.last_reason, "Timeout expired.");
  assertEquals(lost.runs.map((t) => [t.run_id, t.outcome]), [
    ["run-2026-11-30", "failed"],
    ["run-2026-12-01", "failed"],
    ["run-2026-12-02", "failed"],
  ]);
  assertEquals(c.proxies["p2"]!["2026-12-01"]!.nights_left, 2);
  assertEquals(c.totals, {
    fetched: 5 + 1 + 4,
    retried: 1,
    recovered: 1,
    late: 0,
    pending: 1,
    unverified: 0,
    lost: 2,
    missing: 5,
  });
  const v = coverageVerdict(c);
  assertEquals(
    coveragePluginLine(v),
    "COVERAGE CRITICAL - 2 dates lost, missing from DNF Counting: p2 2026-11-27 (week of " +
      "2026-11-23), p3 2026-11-29 (week of 2026-11-23), 5 dates missing: p4 (5 dates) | " +
      "fetched=10 retried=1 recovered=1 late=0 pending=1 unverified=0 lost=2 missing=5 " +
      "merge_failed=0 runs=3 proxies=4 log_servers=1 ignored=0 kept_aside=0",
  );
});

Deno.test("coverage: the window's edge: the last run that tries a date decides, not the one before", () => {
  const tries = (t: Try) => ({ p: { "2026-11-29": t } });
  // Runs of 11-30 and 12-01 failed it: the run of 12-02 will still try it.
  const two = [run("2026-11-30", tries(failed())), run("2026-12-01", tries(failed()))];
  const pending = coverage(two, { window: 3 });
  assertEquals(states(pending), ["p 2026-11-29 pending"]);
  assertEquals(pending.proxies["p"]!["2026-11-29"]!.nights_left, 1);
  // Pending after two failed runs: one more and it may be lost.
  assertEquals(
    coveragePluginLine(coverageVerdict(pending)),
    "COVERAGE WARNING - 1 date pending after 2 or more runs: p 2026-11-29 | fetched=0 " +
      "retried=0 recovered=0 late=0 pending=1 unverified=0 lost=0 missing=0 merge_failed=0 " +
      "runs=2 proxies=1 log_servers=1 ignored=0 kept_aside=0",
  );
  // The last night's run still running: it may yet fetch it.
  const running = [...two, run("2026-12-02", { q: { "2026-12-01": ok } }, { finished: false })];
  assertEquals(states(coverage(running, { window: 3 }))[0], "p 2026-11-29 pending");
  // ... and it did, by the window's last run: on night D+3, after the merge of D+2 (late).
  const last = [...two, run("2026-12-02", tries(ok))];
  assertEquals(states(coverage(last, { window: 3 })), ["p 2026-11-29 late"]);
  // With the merge a night later (--merge-after 3) it was in time: recovered.
  assertEquals(states(coverage(last, { window: 3, mergeAfter: 3 })), [
    "p 2026-11-29 recovered",
  ]);
  // ... it finished without fetching it: lost.
  const done = [...two, run("2026-12-02", tries(failed()))];
  assertEquals(states(coverage(done, { window: 3 })), ["p 2026-11-29 lost"]);
  // The last night had no run at all: known to be closed once a later run starts.
  const gap = [...two, run("2026-12-03", { q: { "2026-12-02": ok } }, { finished: false })];
  assertEquals(states(coverage(gap, { window: 3 }))[0], "p 2026-11-29 lost");
  // With a window of 2 the run of 12-01 was the last one.
  assertEquals(states(coverage(two, { window: 2 })), ["p 2026-11-29 lost"]);
  // Any input order gives the same.
  assertEquals(coverage([...done].reverse(), { window: 3 }), coverage(done, { window: 3 }));
});

Deno.test("coverage: a skipped proxy is tried and not fetched on every date its run tried", () => {
  const skipped = { gone: "Synced host unknown" };
  const runs = [
    run("2026-12-01", { p: { "2026-11-30": ok } }, { skipped }),
    run("2026-12-02", { p: { "2026-12-01": ok } }, { skipped }),
    run("2026-12-03", { p: { "2026-12-02": ok } }, { skipped, finished: false }),
  ];
  const c = coverage(runs, { window: 1 });
  const gone = c.proxies["gone"]!;
  assertEquals(Object.values(gone).map((cell) => cell.state), ["lost", "lost", "pending"]);
  assertEquals(gone["2026-11-30"]!.last_reason, "skipped: Synced host unknown");
  assertEquals(gone["2026-11-30"]!.runs[0]!.outcome, "skipped");
});

Deno.test("coverage: --date and --since choose log dates; the runs after them still count", () => {
  const runs = [
    run("2026-11-30", { p: { "2026-11-29": failed() } }),
    run("2026-12-01", { p: { "2026-11-29": ok, "2026-11-30": ok } }),
  ];
  const c = coverage(runs, { window: 3, keep: (d) => d === "2026-11-29" });
  assertEquals(states(c), ["p 2026-11-29 recovered"]);
  assertEquals(c.runs.length, 2);
  assertEquals(states(coverage([], { window: 3 })), []);
  assertEquals(
    coveragePluginLine(coverageVerdict(coverage([], { window: 3 }))),
    "COVERAGE CRITICAL - no sync run found | fetched=0 retried=0 recovered=0 late=0 pending=0 " +
      "unverified=0 lost=0 missing=0 merge_failed=0 runs=0 proxies=0 log_servers=1 ignored=0 kept_aside=0",
  );
});

Deno.test("coverage: OK summary counts what was fetched; a date that is no calendar date is passed over", () => {
  const c = coverage([
    run("2026-12-01", { p: { "2026-11-30": retried, "2026-13-45": ok, "<b>": ok } }),
    run("2026-12-02", { p: { "2026-12-01": failed() } }),
  ], { window: 3 });
  assertEquals(states(c), ["p 2026-11-30 retried", "p 2026-12-01 pending"]);
  assertEquals(
    coveragePluginLine(coverageVerdict(c)),
    "COVERAGE OK - 1 date of 1 proxy fetched (1 after retries, 0 recovered), 1 pending | " +
      "fetched=0 retried=1 recovered=0 late=0 pending=1 unverified=0 lost=0 missing=0 " +
      "merge_failed=0 runs=2 proxies=1 log_servers=1 ignored=0 kept_aside=0",
  );
});

Deno.test("coverage text: a row of symbols per proxy, a gap for a night with no data, then the details", () => {
  const c = coverage([
    run("2026-11-30", { "p\x1b[31m": { "2026-11-27": failed("bad\x07"), "2026-11-29": ok } }),
  ], { window: 3, expected: ["q"] });
  assertEquals(
    formatCoverage(c, coverageVerdict(c)),
    "coverage of log dates 2026-11-27 to 2026-11-29, 1 run (2026-11-30T03:15:00+00:00 to " +
      "2026-11-30T03:15:00+00:00) on log01.iad2.fedoraproject.org, window 3 nights, merged on " +
      "night D+2 unless merge events say, DNF Counting reads proxy*\n" +
      "  . fetched  r retried  R recovered  L late  ? pending  U unverified  X lost  - missing" +
      "  (blank: no run tried it)\n" +
      "             222\n" +
      "             789\n" +
      "  p\\x1b[31m  X .\n" +
      "  q          - -\n" +
      "lost (not fetched, and no run will try it again):\n" +
      "  p\\x1b[31m 2026-11-27: bad\\x07\n" +
      "    fetch by hand until about 2026-12-04 (the proxy keeps about 7 rotated logs): (no " +
      "command: the proxy's name is not a host name)\n" +
      "    run run-2026-11-30 (2026-11-30T03:15:00+00:00): failed, 3 attempts\n" +
      "missing (an expected proxy with no event for this date at all):\n" +
      "  q: no event on 2 dates, 2026-11-27 to 2026-11-29\n" +
      "=> CRITICAL: 2 dates missing: q (2 dates), 1 date lost on hosts outside proxy*: " +
      "p\\x1b[31m 2026-11-27\n",
  );
});

Deno.test("coverage: per-proxy gaps count untried, unverified and unmerged dates on every proxy they hit", () => {
  const unverified: Try = { outcome: "unverified", attempts: 0, seconds: 21_600 };
  const at = (t: string) => Date.parse(t);
  const merges = new Map<string, DateMerge>([
    ["2026-11-29", {
      status: "merged",
      runs: [{
        run_id: "m1",
        start: at("2026-12-01T04:00:00Z"),
        finish: at("2026-12-01T04:10:00Z"),
        ok: true,
      }],
    }],
    ["2026-11-30", {
      status: "failed",
      runs: [{
        run_id: "m2",
        start: at("2026-12-02T04:00:00Z"),
        finish: at("2026-12-02T04:10:00Z"),
        ok: false,
        result: "1",
      }],
    }],
  ]);
  const c = coverage([
    run("2026-12-01", {
      proxy01: { "2026-11-28": unverified, "2026-11-29": ok, "2026-11-30": ok },
      proxy02: { "2026-11-28": ok, "2026-11-29": ok, "2026-11-30": ok },
      log05: { "2026-11-28": ok, "2026-11-29": ok, "2026-11-30": ok },
    }),
    // Three runs that crashed before their first proxy: nobody tried 2026-12-01.
    run("2026-12-02", {}),
    run("2026-12-03", {}),
    run("2026-12-04", {}),
    run("2026-12-05", {
      proxy01: { "2026-12-02": ok, "2026-12-03": ok, "2026-12-04": ok },
      proxy02: { "2026-12-02": ok, "2026-12-03": ok, "2026-12-04": ok },
      log05: { "2026-12-02": ok, "2026-12-03": ok, "2026-12-04": ok },
    }),
  ], { window: 3, merges });
  assertEquals(c.untried, ["2026-12-01"]);
  assertEquals(c.merges["2026-11-30"]?.status, "failed");
  const zero = Object.fromEntries(GAPS.map((g) => [g, 0])) as Record<Gap, number>;
  const gaps = proxyGaps(c);
  // proxy01: 11-28 unverified; 11-30 fetched but its merge failed; 12-01 untried; 12-02
  // fetched after its merge night (late); 12-03, due and with no merge recorded, unmerged.
  assertEquals(gaps["proxy01"], { ...zero, unverified: 1, late: 1, untried: 1, unmerged: 2 });
  assertEquals(gaps["proxy02"], { ...zero, late: 1, untried: 1, unmerged: 2 });
  // Not a host the merge takes in (proxy*): no merge to miss, but the untried date is lost.
  assertEquals(gaps["log05"], { ...zero, late: 1, untried: 1 });
  // What the verdict finds is what the counts hold: one finding each.
  const found = coverageVerdict(c).findings.map((f) => f.text).join("\n");
  for (const what of ["unverified", "no run tried", "merge of 2026-11-30 failed", "no merge of"]) {
    assertEquals(found.includes(what), true, `${what} in ${found}`);
  }
});

Deno.test("coverage: a pending date whose merge ran without it counts as unmerged, where the check says CRITICAL", () => {
  const c = coverage([
    run("2026-12-01", {
      proxy01: { "2026-11-29": failed(), "2026-11-30": failed() },
      log05: { "2026-11-29": failed(), "2026-11-30": failed() },
    }),
  ], { window: 3 });
  const zero = Object.fromEntries(GAPS.map((g) => [g, 0])) as Record<Gap, number>;
  // 11-29's merge night (12-01, --merge-after 2) has passed; 11-30's has not.
  assertEquals(proxyGaps(c), {
    proxy01: { ...zero, pending: 1, unmerged: 1 },
    log05: { ...zero, pending: 2 },
  });
  const v = coverageVerdict(c);
  assertEquals(v.state, "CRITICAL");
  assertEquals(
    v.findings.map((f) => f.state + " " + f.text.split(":")[0]),
    ["CRITICAL 1 date not fetched before its merge, missing from DNF Counting"],
  );
});

Deno.test("coverage: every state that is not OK is a per-proxy gap column, and no column twice", () => {
  for (const s of STATES) {
    if (STATE_INFO[s].severity !== "ok") assertEquals(STATE_INFO[s].gap, true, s);
  }
  assertEquals(new Set(GAPS).size, GAPS.length);
  assertEquals([...GAPS], [
    "late",
    "pending",
    "unverified",
    "lost",
    "missing",
    "untried",
    "unmerged",
  ]);
});

Deno.test("coverage: nights whose runs only skipped proxies fetched nothing: their dates are untried", () => {
  const all = (dates: string[]) => Object.fromEntries(dates.map((d) => [d, ok]));
  const skippedAll = { skipped: { proxy01: "unreachable", proxy02: "unreachable" } };
  const c = coverage([
    run("2026-12-01", { proxy01: all(["2026-11-28", "2026-11-29", "2026-11-30"]) }),
    run("2026-12-02", {}, skippedAll),
    run("2026-12-03", {}, skippedAll),
    run("2026-12-04", {}, skippedAll),
    run("2026-12-05", { proxy01: all(["2026-12-02", "2026-12-03", "2026-12-04"]) }),
  ], { window: 3 });
  assertEquals(c.untried, ["2026-12-01"]);
});

Deno.test("coverage: an archive longer than the span walked still checks its recent dates for untried", () => {
  const all = (dates: string[]) => Object.fromEntries(dates.map((d) => [d, ok]));
  const c = coverage([
    run("2023-01-01", { proxy01: all(["2022-12-29", "2022-12-30", "2022-12-31"]) }),
    run("2026-12-01", { proxy01: all(["2026-11-28", "2026-11-29", "2026-11-30"]) }),
    run("2026-12-05", { proxy01: all(["2026-12-02", "2026-12-03", "2026-12-04"]) }),
  ], { window: 3 });
  assertEquals(c.untried?.includes("2026-12-01"), true, JSON.stringify(c.untried?.slice(-3)));
});
