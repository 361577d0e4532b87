/**
 * The report as a daily check: which runs count (`--date`, `--since`), which proxies must
 * appear (`--expect-hosts`), and the verdict as one monitoring plugin line with its Nagios
 * state. Pure: runs and settings in, runs and a line out.
 */
import { UsageError } from "../errors.ts";
import { NO_RUN, plural, type RunSummary } from "./report.ts";
import { NAGIOS, STATES } from "../text/nagios.ts";

/** Which runs to report on, by the time they started. */
export interface Selection {
  /** A UTC day, `YYYY-MM-DD`. */
  date?: string;
  /** Runs that started at or after this time (ms since the epoch). */
  since?: number;
}

/** A `--date` value: a real calendar date `YYYY-MM-DD`. */
export function parseDate(text: string): string {
  const day = new Date(`${text}T00:00:00Z`);
  const ok = /^\d{4}-\d\d-\d\d$/.test(text) && !Number.isNaN(day.getTime()) &&
    day.toISOString().startsWith(text);
  if (!ok) throw new UsageError(`--date: must be a calendar date YYYY-MM-DD, got "${text}"`);
  return text;
}

/** The proxies of an `--expect-hosts` file: one a line, `#` starts a comment. */
export function parseExpectedHosts(text: string): string[] {
  const hosts = text.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
  return [...new Set(hosts)];
}

/** When a run started: its start event, else its first event. */
function startOf(run: RunSummary): number {
  return Date.parse(run.start ?? run.first_seen);
}

/** The runs that started on the selected day or since the selected time. */
export function selectRuns(runs: RunSummary[], selection: Selection): RunSummary[] {
  return runs.filter((run) => {
    const start = startOf(run);
    if (Number.isNaN(start)) return false;
    if (
      selection.date !== undefined && new Date(start).toISOString().slice(0, 10) !== selection.date
    ) return false;
    return selection.since === undefined || start >= selection.since;
  });
}

/** The runs with each expected proxy that has no event in a run named as missing there. */
export function expectHosts(runs: RunSummary[], hosts: string[]): RunSummary[] {
  return runs.map((run) => ({ ...run, missing_hosts: hosts.filter((h) => !(h in run.hosts)) }));
}

/**
 * The verdict as a plugin line (`SYNC CRITICAL - 3 final failures, 1 proxy missing | perfdata`)
 * and its state: CRITICAL for what needs a person (no run, a final failure, a missing proxy,
 * something unfinished), WARNING for skipped proxies, else OK.
 */
export function nagiosLine(runs: RunSummary[]): { line: string; state: number } {
  const count = (f: (r: RunSummary) => number) => runs.reduce((n, r) => n + f(r), 0);
  const failures = count((r) => r.final_failures);
  const missing = count((r) => r.missing_hosts.length);
  const unfinishedDates = count((r) => r.unfinished_dates);
  const unfinishedRuns = count((r) => (r.unfinished ? 1 : 0));
  const skipped = count((r) =>
    Object.values(r.hosts).filter((h) => h.skipped !== undefined).length
  );
  const retries = count((r) =>
    Object.values(r.hosts).reduce(
      (n, h) => n + Object.values(h.dates).reduce((m, d) => m + d.retries, 0),
      0,
    )
  );
  const finished = count((r) =>
    Object.values(r.hosts).reduce(
      (n, h) => n + Object.values(h.dates).filter((d) => d.status === "finished").length,
      0,
    )
  );
  let state: number = NAGIOS.OK;
  let summary: string;
  if (runs.length === 0) {
    state = NAGIOS.CRITICAL;
    summary = NO_RUN;
  } else {
    const found = [
      failures > 0 ? plural(failures, "final failure") : "",
      missing > 0 ? `${plural(missing, "proxy", "proxies")} missing` : "",
      unfinishedDates > 0 ? plural(unfinishedDates, "unfinished date") : "",
      unfinishedRuns > 0 ? plural(unfinishedRuns, "run not finished", "runs not finished") : "",
    ].filter(Boolean);
    if (found.length > 0) state = NAGIOS.CRITICAL;
    else if (skipped > 0) state = NAGIOS.WARNING;
    summary = [
      ...found,
      skipped > 0 ? `${plural(skipped, "proxy", "proxies")} skipped` : "",
    ].filter(Boolean).join(", ") ||
      `${plural(runs.length, "run")}, ${plural(finished, "date")} finished`;
  }
  const perf = `runs=${runs.length} final_failures=${failures} missing=${missing} ` +
    `unfinished_dates=${unfinishedDates} unfinished_runs=${unfinishedRuns} skipped=${skipped} ` +
    `retries=${retries} dates_finished=${finished}`;
  return { line: `SYNC ${STATES[state]} - ${summary} | ${perf}`, state };
}

/** The plugin line for a check that could not be made (bad option, unreadable file). */
export function unknownLine(reason: string): string {
  return `SYNC UNKNOWN - ${reason}`;
}
