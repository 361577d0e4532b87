/**
 * The one verdict on a set of sync runs: its Nagios state, a one-line summary naming the worst
 * dates, and perfdata. Computed once by `report` and shown the same way in its text, `--json`
 * and `--nagios`. Pure.
 */
import { type State, worst } from "../text/nagios.ts";
import type { Check } from "../text/check.ts";
import { datesOf, type DateSummary, type RunSummary } from "./runs.ts";

/** What the verdict depends on besides the runs. */
export interface VerdictOptions {
  /** Events that could not be counted (refused by their schema, unreadable lines). */
  ignored: number;
  /** Whether a date fetched only after failed attempts is a WARNING (`--warn-retries`). */
  warnRetries: boolean;
  /** Whether no run at all is a finding (false for the verdict of one run). */
  needRun?: boolean;
  /** Messages the recorder could not record, kept in side files (`listen --output`). */
  aside?: { count: number; files: string[] };
}

/** One thing the verdict found, with the state it calls for. */
export interface Finding {
  state: State;
  text: string;
}

/** The verdict. */
export interface Verdict {
  state: State;
  /** The summary after `SYNC STATE - ` in the plugin line. */
  summary: string;
  findings: Finding[];
  perf: Record<string, number>;
}

/** "1 date", "3 dates". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** How many of the worst dates the summary names. */
const NAMED = 3;

/** Reasons in the summary are cut to this many characters (the report has them whole). */
const REASON = 40;

/** "p2 2026-11-27 (Error code: 23)": one failed or unfinished date for the summary. */
function named(proxy: string, day: string, d: DateSummary): string {
  const why = d.last_reason === undefined
    ? ""
    : [...d.last_reason].length > REASON
    ? ` (${[...d.last_reason].slice(0, REASON - 3).join("")}...)`
    : ` (${d.last_reason})`;
  return `${proxy} ${day}${why}`;
}

function withNames(head: string, names: string[]): string {
  if (names.length === 0) return head;
  const more = names.length > NAMED ? `, and ${names.length - NAMED} more` : "";
  return `${head}: ${names.slice(0, NAMED).join(", ")}${more}`;
}

/**
 * The verdict on some runs. CRITICAL: no run (unless `needRun` is false), a date not fetched
 * (failed or unfinished), an expected proxy missing, a proxy synced without a single date, a run
 * not finished, a run without any proxy. WARNING: events that could not be counted, skipped proxies, proxies without
 * `host.finish`, dates finished after the silent timeout with no failure sent (`unverified`),
 * and (with `warnRetries`) dates fetched only after retries. Else OK.
 */
export function verdict(runs: RunSummary[], options: VerdictOptions): Verdict {
  const failed: string[] = [];
  const unfinished: string[] = [];
  // Finished after the silent timeout with no failure sent: not known to be fetched.
  const unverified: string[] = [];
  let fetched = 0, afterRetry = 0, retries = 0, skipped = 0, noDates = 0, hostOpen = 0;
  let twice = 0, missing = 0, openRuns = 0, empty = 0;
  const missingNames: string[] = [];
  for (const run of runs) {
    if (run.unfinished) openRuns++;
    // A run that synced no proxy fetched nothing: its events were lost, or the job is broken.
    if (Object.keys(run.hosts).length === 0) empty++;
    missing += run.missing_hosts.length;
    missingNames.push(...run.missing_hosts);
    for (const h of Object.values(run.hosts)) {
      if (h.syncs.length > 1) twice++;
      for (const s of h.syncs) {
        if (s.skipped !== undefined) skipped++;
        else if (Object.keys(s.dates).length === 0) noDates++;
        if (s.skipped === undefined && !s.finished) hostOpen++;
      }
    }
    for (const { proxy, day, date } of datesOf(run)) {
      retries += date.retries;
      if (date.status === "failed") failed.push(named(proxy, day, date));
      else if (date.status === "unfinished") unfinished.push(named(proxy, day, date));
      // Never known to be fetched (README: never counted as fetched), only named below.
      else if (date.unverified) unverified.push(named(proxy, day, date));
      else if (date.status === "fetched_after_retry") afterRetry++, fetched++;
      else fetched++;
    }
  }
  const findings: Finding[] = [];
  const add = (state: State, n: number, text: string) => {
    if (n > 0) findings.push({ state, text });
  };
  if (runs.length === 0 && options.needRun !== false) add("CRITICAL", 1, "no sync run found");
  add("CRITICAL", failed.length, withNames(plural(failed.length, "date") + " failed", failed));
  add(
    "CRITICAL",
    unfinished.length,
    withNames(plural(unfinished.length, "date") + " not finished", unfinished),
  );
  add(
    "CRITICAL",
    missing,
    withNames(`${plural(missing, "proxy", "proxies")} missing`, [...new Set(missingNames)]),
  );
  add("CRITICAL", noDates, `${plural(noDates, "proxy", "proxies")} synced no date`);
  add("CRITICAL", openRuns, plural(openRuns, "run not finished", "runs not finished"));
  add("CRITICAL", empty, plural(empty, "run without a proxy", "runs without a proxy"));
  add("WARNING", options.ignored, `${plural(options.ignored, "event")} ignored`);
  const aside = options.aside ?? { count: 0, files: [] };
  add(
    "WARNING",
    aside.count,
    `${plural(aside.count, "message")} not recorded, kept aside in ${aside.files.join(", ")}`,
  );
  add("WARNING", skipped, `${plural(skipped, "proxy", "proxies")} skipped`);
  add("WARNING", hostOpen, `${plural(hostOpen, "proxy", "proxies")} not finished`);
  add(
    "WARNING",
    unverified.length,
    withNames(
      `${plural(unverified.length, "date")} unverified (silent timeouts)`,
      unverified,
    ),
  );
  add(
    options.warnRetries ? "WARNING" : "OK",
    afterRetry,
    `${plural(afterRetry, "date")} fetched after retries`,
  );
  add("OK", twice, `${plural(twice, "proxy", "proxies")} synced more than once`);
  const state = worst(findings.map((f) => f.state));
  const told = findings.filter((f) => f.state !== "OK").map((f) => f.text);
  const notes = findings.filter((f) => f.state === "OK").map((f) => f.text);
  const summary = state === "OK"
    ? [`${plural(runs.length, "run")}, ${plural(fetched, "date")} fetched`, ...notes].join(", ")
    : [...told, ...notes].join(", ");
  return {
    state,
    summary,
    findings,
    perf: {
      runs: runs.length,
      dates_fetched: fetched,
      dates_fetched_after_retry: afterRetry,
      dates_failed: failed.length,
      dates_unfinished: unfinished.length,
      retries,
      missing,
      skipped,
      ignored: options.ignored,
      unfinished_runs: openRuns,
      // Every label in every state: a graph keeps its series.
      kept_aside: aside.count,
    },
  };
}

/** The verdict as a check (`SYNC STATE - summary | perfdata`), with the report as details. */
export function syncCheck(v: Verdict, details: string[] = []): Check {
  const perf = Object.entries(v.perf).map(([label, value]) => ({ label, value }));
  return { service: "SYNC", state: v.state, summary: v.summary, perf, details };
}
