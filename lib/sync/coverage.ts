/**
 * Coverage across sync runs: for every proxy and every log date, was it fetched in the end?
 * Each nightly run fetches the last `window` days, so a date that fails tonight is tried again
 * by the next runs, and one that none of its runs fetched is gone unless a person acts. Pure:
 * what each run did (from the per-run model, which alone decides what a failure is) in, one
 * state per proxy and date out, with the verdict of the check.
 */
import type { Check } from "../text/check.ts";
import type { State } from "../text/nagios.ts";

/** What one run did with one date of one proxy (all its syncs of that proxy taken together). */
export type Outcome = "fetched" | "fetched_after_retry" | "failed" | "unfinished" | "skipped";

/** One run's try at one date of one proxy. */
export interface Try {
  outcome: Outcome;
  /** Attempts seen in that run (failed ones and the one that fetched it). */
  attempts: number;
  /** The text of the run's latest failure (or skip) for it, when there was one. */
  reason?: string;
}

/** One run as coverage reads it: when it started, whether it finished, what it tried. */
export interface CoverageRun {
  run_id: string;
  /** When it started (its `sync.start`, else its first event), as sent: ISO 8601. */
  start: string;
  finished: boolean;
  /** Proxy → log date → what the run did with it. */
  tries: Record<string, Record<string, Try>>;
  /** Proxies the run skipped (`host.skip`), with the reason. */
  skipped: Record<string, string>;
}

/** The state of one log date of one proxy across all runs. */
export type CoverageState = "fetched" | "retried" | "recovered" | "pending" | "lost" | "missing";

/** Every state, best first: the order of legends, totals and perfdata. */
export const STATES: readonly CoverageState[] = [
  "fetched",
  "retried",
  "recovered",
  "pending",
  "lost",
  "missing",
];

/** The symbol of each state in the text and the page: readable without colour. */
export const SYMBOLS: Record<CoverageState, string> = {
  fetched: ".",
  retried: "r",
  recovered: "R",
  pending: "?",
  lost: "X",
  missing: "-",
};

/** What each state means, for legends and help. */
export const MEANINGS: Record<CoverageState, string> = {
  fetched: "fetched by the first run that tried it, no failure",
  retried: "fetched within one run after failed attempts",
  recovered: "failed in an earlier run, fetched by a later one",
  pending: "not fetched yet; a later run of the window will still try it",
  lost: "not fetched, and no run will try it again",
  missing: "an expected proxy with no event for this date at all",
};

/** One run's try at a cell, as reported. */
export interface RunTry extends Try {
  run_id: string;
  start: string;
}

/** One proxy on one log date. */
export interface Cell {
  state: CoverageState;
  /** The runs that tried it, in the order they started. */
  runs: RunTry[];
  /** The latest failure text of any run that tried it. */
  last_reason?: string;
  /** Pending: runs of the window still to come (by night). */
  nights_left?: number;
}

/** Coverage of a set of runs. */
export interface Coverage {
  window: number;
  /** The first and last log date shown (undefined when there is none). */
  from?: string;
  to?: string;
  /** Every run read, in the order they started. */
  runs: { run_id: string; start: string; finished: boolean }[];
  /** Proxy → log date → cell, both sorted. */
  proxies: Record<string, Record<string, Cell>>;
  totals: Record<CoverageState, number>;
}

/** How to read the runs. */
export interface CoverageOptions {
  /** Nights after a log date whose runs try it (both real sync scripts: 3). */
  window: number;
  /** Proxies that must be there (`--expect-hosts`): one with no event for a date is `missing`. */
  expected?: string[];
  /** Which log dates to show (`--since`, `--date`); all when absent. */
  keep?: (date: string) => boolean;
}

/** The nights both real sync scripts fetch. */
export const DEFAULT_WINDOW = 3;

const DAY = 86_400_000;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The UTC day (`YYYY-MM-DD`) of an ISO time, or undefined when it is not one. */
export function dayOf(time: string): string | undefined {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
}

/** Whether `text` is a calendar date `YYYY-MM-DD`. */
export function isDate(text: string): boolean {
  const ms = Date.parse(`${text}T00:00:00Z`);
  return /^\d{4}-\d\d-\d\d$/.test(text) && !Number.isNaN(ms) &&
    new Date(ms).toISOString().startsWith(text);
}

/** `date` plus `n` days. */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

/** Days from `a` to `b` (both `YYYY-MM-DD`). */
function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);
}

/** A run's UTC start day (undefined when its start is not a time) and whether it finished. */
interface RunDay {
  day: string | undefined;
  finished: boolean;
}

const isFetched = (o: Outcome) => o === "fetched" || o === "fetched_after_retry";

/**
 * Whether no run will try `date` again: the window's last night (`date` + `window`) has a
 * finished run, or a run started after it. A run of the last night that has not finished yet
 * may still fetch it, and a night with no run at all is only known to have passed when a later
 * run shows up.
 */
function closed(date: string, window: number, runDays: RunDay[]) {
  const last = addDays(date, window);
  return runDays.some((r) =>
    r.day !== undefined && (r.day > last || (r.day === last && r.finished))
  );
}

/**
 * The state of every proxy on every log date seen (or expected) in the runs:
 * - `fetched`: the first run that tried it fetched it with no failed attempt;
 * - `retried`: the first run that tried it fetched it after failed attempts;
 * - `recovered`: an earlier run did not fetch it, a later one did;
 * - `pending`: no run fetched it yet, and the window is still open (see `closed`);
 * - `lost`: no run fetched it and the window has closed;
 * - `missing`: an expected proxy with no event (not even a skip) for the date in any run.
 * A proxy skipped by a run counts as tried and not fetched for every date that run tried.
 * Runs are taken in the order they started, whatever order their files came in.
 */
export function coverage(input: CoverageRun[], options: CoverageOptions): Coverage {
  const runs = [...input].sort((a, b) => compare(a.start, b.start) || compare(a.run_id, b.run_id));
  const runDays = runs.map((r) => ({ day: dayOf(r.start), finished: r.finished }));
  const keep = options.keep ?? (() => true);
  // proxy → date → tries, in run order
  const tried = new Map<string, Map<string, RunTry[]>>();
  const dates = new Set<string>();
  const add = (proxy: string, date: string, run: CoverageRun, t: Try) => {
    // The schema checks log_date already; a pure core does not trust its callers with it.
    if (!isDate(date) || !keep(date)) return;
    dates.add(date);
    let byDate = tried.get(proxy);
    if (!byDate) tried.set(proxy, byDate = new Map());
    let list = byDate.get(date);
    if (!list) byDate.set(date, list = []);
    list.push({ run_id: run.run_id, start: run.start, ...t });
  };
  for (const run of runs) {
    const runDates = new Set<string>();
    for (const [proxy, byDate] of Object.entries(run.tries)) {
      for (const [date, t] of Object.entries(byDate)) {
        runDates.add(date);
        add(proxy, date, run, t);
      }
    }
    for (const [proxy, reason] of Object.entries(run.skipped)) {
      for (const date of runDates) {
        if (run.tries[proxy]?.[date]) continue;
        add(proxy, date, run, { outcome: "skipped", attempts: 0, reason: `skipped: ${reason}` });
      }
    }
  }
  const proxies = new Set([...tried.keys(), ...(options.expected ?? [])]);
  const expected = new Set(options.expected ?? []);
  const totals = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<CoverageState, number>;
  const out: Record<string, Record<string, Cell>> = {};
  const sortedDates = [...dates].sort(compare);
  const closedDates = new Set(sortedDates.filter((d) => closed(d, options.window, runDays)));
  for (const proxy of [...proxies].sort(compare)) {
    const row: Record<string, Cell> = {};
    for (const date of sortedDates) {
      const runsOf = tried.get(proxy)?.get(date);
      let cell: Cell | undefined;
      if (!runsOf) {
        if (expected.has(proxy)) cell = { state: "missing", runs: [] };
      } else cell = cellOf(date, runsOf, closedDates.has(date), options.window, runDays);
      if (cell) {
        row[date] = cell;
        totals[cell.state]++;
      }
    }
    out[proxy] = row;
  }
  const result: Coverage = {
    window: options.window,
    runs: runs.map((r) => ({ run_id: r.run_id, start: r.start, finished: r.finished })),
    proxies: out,
    totals,
  };
  if (sortedDates.length > 0) {
    result.from = sortedDates[0]!;
    result.to = sortedDates.at(-1)!;
  }
  return result;
}

function cellOf(
  date: string,
  runs: RunTry[],
  isClosed: boolean,
  window: number,
  runDays: RunDay[],
): Cell {
  const first = runs.findIndex((t) => isFetched(t.outcome));
  let state: CoverageState;
  if (first === 0) state = runs[0]!.outcome === "fetched" ? "fetched" : "retried";
  else if (first > 0) state = "recovered";
  else state = isClosed ? "lost" : "pending";
  const cell: Cell = { state, runs };
  const reason = runs.findLast((t) => t.reason !== undefined)?.reason;
  if (reason !== undefined) cell.last_reason = reason;
  if (state === "pending") {
    // The window's nights after the latest finished run: a night with no run that is past
    // cannot try it any more, but then the date is closed already.
    const latest = runDays.filter((r) => r.finished && r.day !== undefined).map((r) => r.day!)
      .sort(compare).at(-1);
    const passed = latest === undefined ? 0 : Math.max(0, daysBetween(date, latest));
    cell.nights_left = Math.min(window, Math.max(1, window - passed));
  }
  return cell;
}

/** Runs of a pending cell that tried it and did not fetch it. */
export function failedRuns(cell: Cell): number {
  return cell.runs.filter((t) => !isFetched(t.outcome)).length;
}

/** A check's state, in exit-code order. */
export type CheckState = State;

/** The verdict on a coverage: its state, a one-line summary, and perfdata. */
export interface CoverageVerdict {
  state: CheckState;
  summary: string;
  perf: Record<string, number>;
}

/** How many proxy/date pairs the summary names. */
const NAMED = 3;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function named(head: string, names: string[]): string {
  const more = names.length > NAMED ? `, and ${names.length - NAMED} more` : "";
  return `${head}: ${names.slice(0, NAMED).join(", ")}${more}`;
}

/** Every cell in a state, as `proxy date`, oldest date first. */
export function cellsIn(c: Coverage, state: (cell: Cell) => boolean): [string, string, Cell][] {
  const found: [string, string, Cell][] = [];
  for (const [proxy, row] of Object.entries(c.proxies)) {
    for (const [date, cell] of Object.entries(row)) {
      if (state(cell)) found.push([proxy, date, cell]);
    }
  }
  return found.sort(([p, d], [q, e]) => compare(d, e) || compare(p, q));
}

/**
 * The check: CRITICAL for any lost or missing date (and for no run at all: a job that did not
 * run is not a good night); WARNING for a pending date that two or more runs have failed
 * already (one more failure and it may be lost), for `ignored` events, or for messages the
 * recorder kept `aside`; else OK.
 */
export function coverageVerdict(
  c: Coverage,
  ignored = 0,
  aside: { count: number; files: string[] } = { count: 0, files: [] },
): CoverageVerdict {
  const list = (s: CoverageState) => cellsIn(c, (cell) => cell.state === s);
  const lost = list("lost"), missing = list("missing");
  const late = cellsIn(c, (cell) => cell.state === "pending" && failedRuns(cell) >= 2);
  const names = (cells: [string, string, Cell][]) => cells.map(([p, d]) => `${p} ${d}`);
  const critical: string[] = [], warning: string[] = [];
  if (c.runs.length === 0) critical.push("no sync run found");
  if (lost.length > 0) critical.push(named(`${plural(lost.length, "date")} lost`, names(lost)));
  if (missing.length > 0) {
    // A proxy that is missing is usually missing on every date: named once, with its count.
    const perProxy = new Map<string, string[]>();
    for (const [p, d] of missing) perProxy.set(p, [...perProxy.get(p) ?? [], d]);
    const missed = [...perProxy].sort(([a], [b]) => compare(a, b))
      .map(([p, ds]) => (ds.length === 1 ? `${p} ${ds[0]}` : `${p} (${ds.length} dates)`));
    critical.push(named(`${plural(missing.length, "date")} missing`, missed));
  }
  if (late.length > 0) {
    warning.push(named(`${plural(late.length, "date")} pending after 2 or more runs`, names(late)));
  }
  if (ignored > 0) warning.push(`${plural(ignored, "event")} ignored`);
  // What the recorder could not record may be just what a lost or missing date lacks.
  if (aside.count > 0) {
    warning.push(
      `${plural(aside.count, "message")} not recorded, kept aside in ${aside.files.join(", ")}`,
    );
  }
  const t = c.totals;
  const good = t.fetched + t.retried + t.recovered;
  const proxies = Object.keys(c.proxies).length;
  const fine = `${plural(good, "date")} of ${plural(proxies, "proxy", "proxies")} fetched` +
    (t.retried + t.recovered > 0 ? ` (${t.retried} after retries, ${t.recovered} recovered)` : "") +
    (t.pending > 0 ? `, ${t.pending} pending` : "");
  const state: CheckState = critical.length > 0
    ? "CRITICAL"
    : warning.length > 0
    ? "WARNING"
    : "OK";
  const summary = state === "OK" ? fine : [...critical, ...warning].join(", ");
  // Every label in every state: a graph keeps its series.
  const perf: Record<string, number> = {
    ...t,
    runs: c.runs.length,
    proxies,
    ignored,
    kept_aside: aside.count,
  };
  return { state, summary, perf };
}

/** The verdict as a check (`COVERAGE STATE - summary | perfdata`), with details. */
export function coverageCheck(v: CoverageVerdict, details: string[] = []): Check {
  const perf = Object.entries(v.perf).map(([label, value]) => ({ label, value }));
  return { service: "COVERAGE", state: v.state, summary: v.summary, perf, details };
}
