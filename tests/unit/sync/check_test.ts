import { assertEquals, assertThrows } from "../../support/assert.ts";
import { critical, sum, syncEventAt, text } from "../../support/sync_events.ts";
import { expectHosts, parseDate, selectRuns } from "../../../lib/sync/check.ts";
import { UsageError } from "../../../lib/errors.ts";
import { parseDuration } from "../../../lib/text/duration.ts";
import type { RunSummary } from "../../../lib/sync/runs.ts";
import { syncCheck, type Verdict, verdict } from "../../../lib/sync/verdict.ts";
import { pluginOutput } from "../../../lib/text/check.ts";

const pluginLine = (v: Verdict) => pluginOutput(syncCheck(v)).split("\n")[0]!;

const nagiosLine = (runs: RunSummary[]) => {
  const v = verdict(runs, { ignored: 0, warnRetries: false });
  return { state: { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 }[v.state], line: pluginLine(v) };
};

const ev = syncEventAt;

/** One run: start, one date per proxy, finish; `fail` proxies fail for good, `skip` ones skip. */
function run(id: string, at: string, proxies: string[], fail: string[] = [], skip: string[] = []) {
  const events = [ev("start", at, { run_id: id })];
  for (const proxy of proxies) {
    const p = { run_id: id, synced_host: proxy };
    if (skip.includes(proxy)) {
      events.push(ev("host.skip", at, { ...p, reason: "Synced host unknown" }));
      continue;
    }
    const d = { ...p, log_date: at.slice(0, 10) };
    events.push(ev("host.start", at, p), ev("host.logdate.start", at, d));
    events.push(
      fail.includes(proxy)
        ? ev("host.logdate.fail.final", at, { ...d, reason: "rsync exited with 23" })
        : ev("host.logdate.finish", at, d),
    );
    events.push(ev("host.finish", at, p));
  }
  events.push(ev("finish", at, { run_id: id }));
  return events;
}

Deno.test("check: --date and --since choose runs by their start", () => {
  const runs = sum([
    ...run("a", "2026-11-27T23:59:00+00:00", ["p1"]),
    ...run("b", "2026-11-28T03:00:00+00:00", ["p1"]),
  ]);
  assertEquals(selectRuns(runs, { date: "2026-11-27" }).map((r) => r.run_id), ["a"]);
  assertEquals(selectRuns(runs, { date: "2026-11-29" }), []);
  const since = Date.parse("2026-11-28T00:00:00Z");
  assertEquals(selectRuns(runs, { since }).map((r) => r.run_id), ["b"]);
  // A run whose start was not seen is placed by its first event.
  const late = sum(run("c", "2026-11-26T10:00:00+00:00", ["p1"]).slice(1));
  assertEquals(selectRuns(late, { date: "2026-11-26" }).map((r) => r.run_id), ["c"]);
});

Deno.test("check: option values are checked", () => {
  assertEquals(parseDate("2026-02-28"), "2026-02-28");
  for (const bad of ["2026-02-30", "26-02-01", "yesterday"]) {
    assertThrows(() => parseDate(bad), UsageError, "--date: must be a calendar date");
  }
  assertEquals(parseDuration("36h", "--since"), 36 * 3600_000);
  assertEquals(parseDuration("1h30m", "--since"), 5400_000);
  assertEquals(parseDuration("2d", "--since"), 2 * 86_400_000);
  assertEquals(parseDuration("36", "--since"), 36_000, "a plain number is seconds");
  for (const bad of ["", "h", "3x", "1h 30m"]) {
    assertThrows(() => parseDuration(bad, "--since"), UsageError, "--since: must be a duration");
  }
});

Deno.test("check: an expected proxy without events is missing, named, and a failure", () => {
  const runs = expectHosts(sum(run("a", "2026-11-28T03:00:00+00:00", ["p1", "p3"], ["p3"])), [
    "p1",
    "p2",
    "p3",
  ]);
  assertEquals(runs[0]!.missing_hosts, ["p2"]);
  assertEquals(critical(runs), true);
  assertEquals(
    text(runs).split("\n").slice(1).join("\n"),
    "  p1    1/1 dates fetched\n" +
      "  p2    MISSING: no events\n" +
      "  p3    0/1 dates fetched; FAILED 2026-11-28: rsync exited with 23 " +
      "(fail.final after 1 attempt)\n" +
      "SYNC CRITICAL - 1 date failed: p3 2026-11-28 (rsync exited with 23), 1 proxy missing: p2\n",
  );
  assertEquals(
    nagiosLine(runs),
    {
      state: 2,
      line: "SYNC CRITICAL - 1 date failed: p3 2026-11-28 (rsync exited with 23), 1 proxy " +
        "missing: p2 | runs=1 dates_fetched=1 dates_fetched_after_retry=0 dates_failed=1 " +
        "dates_unfinished=0 retries=0 missing=1 skipped=0 ignored=0 unfinished_runs=0 kept_aside=0",
    },
  );
});

Deno.test("check: the Nagios states: no run is CRITICAL, skips WARNING, a clean day OK", () => {
  assertEquals(nagiosLine([]).state, 2);
  assertEquals(nagiosLine([]).line.startsWith("SYNC CRITICAL - no sync run found | runs=0 "), true);
  const skipped = sum(run("a", "2026-11-28T03:00:00+00:00", ["p1", "p9"], [], ["p9"]));
  assertEquals(nagiosLine(skipped).state, 1);
  assertEquals(nagiosLine(skipped).line.startsWith("SYNC WARNING - 1 proxy skipped | "), true);
  const clean = sum(run("a", "2026-11-28T03:00:00+00:00", ["p1", "p2"]));
  assertEquals(nagiosLine(clean).state, 0);
  assertEquals(nagiosLine(clean).line.startsWith("SYNC OK - 1 run, 2 dates fetched | "), true);
  const open = sum(run("a", "2026-11-28T03:00:00+00:00", ["p1"]).slice(0, -1));
  assertEquals(nagiosLine(open).line.startsWith("SYNC CRITICAL - 1 run not finished | "), true);
});
