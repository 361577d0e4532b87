/**
 * The report as a daily check: which runs count (`--date`, `--since`), which proxies must
 * appear (`--expect-hosts`), and which events that could not be counted belong to them. Pure:
 * runs and settings in, runs out.
 */
import { UsageError } from "../errors.ts";
import type { RunSummary } from "./runs.ts";
import type { Ignored } from "./report.ts";
import { missingHosts } from "./hosts.ts";

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

/** When a run started: its start event, else its first event. */
function startOf(run: RunSummary): number {
  return Date.parse(run.start ?? run.first_seen);
}

/** Whether a time (ms since the epoch) is in the selection. */
export function selected(time: number, selection: Selection): boolean {
  if (Number.isNaN(time)) return false;
  if (
    selection.date !== undefined && new Date(time).toISOString().slice(0, 10) !== selection.date
  ) return false;
  return selection.since === undefined || time >= selection.since;
}

/** The runs that started on the selected day or since the selected time. */
export function selectRuns(runs: RunSummary[], selection: Selection): RunSummary[] {
  return runs.filter((run) => selected(startOf(run), selection));
}

/**
 * The runs with the events that could not be counted added to theirs (`ignored`), and how many
 * of them count for the selection: those of a selected run, those of no known run sent in the
 * selected time, and those that say neither run nor time (an unreadable line), always.
 */
export function countIgnored(
  runs: RunSummary[],
  ignored: Ignored[],
  selection: Selection,
): { runs: RunSummary[]; ignored: number } {
  const byRun = new Map<string, number>();
  const known = new Set(runs.map((r) => r.run_id));
  let loose = 0;
  for (const i of ignored) {
    if (i.run_id !== undefined && known.has(i.run_id)) {
      byRun.set(i.run_id, (byRun.get(i.run_id) ?? 0) + 1);
    } else {
      const time = Date.parse(i.sentAt ?? "");
      if (Number.isNaN(time) || selected(time, selection)) loose++;
    }
  }
  const out = selectRuns(runs, selection).map((r) => ({
    ...r,
    ignored: r.ignored + (byRun.get(r.run_id) ?? 0),
  }));
  return { runs: out, ignored: loose + out.reduce((n, r) => n + r.ignored, 0) };
}

/**
 * The runs with each expected proxy that has no event in a run named as missing there (short
 * names and FQDNs matched as `missingHosts` says).
 */
export function expectHosts(runs: RunSummary[], hosts: string[]): RunSummary[] {
  const unique = [...new Set(hosts)];
  return runs.map((run) => ({
    ...run,
    missing_hosts: missingHosts(unique, Object.keys(run.hosts)),
  }));
}
