/**
 * Coverage across sync runs: for every proxy and every log date, was it fetched in the end, and
 * in time for the merge that DNF Counting reads? Each nightly run fetches the last `window`
 * days, so a date that fails tonight is tried again by the next runs, and one that none of its
 * runs fetched is gone unless a person acts; `combineHttpLogs.sh` merges log date D once, right
 * after the sync of night D+2, from the files there at that moment. Pure: what each run did
 * (from the per-run model, which alone decides what a failure is) and the merges in, one state
 * per proxy and date out. One log server's runs at a time (see ./coverage_servers.ts).
 */
import { addDays, dayOf, daysBetween, isDate } from "./dates.ts";
import { countmeWeek, DEFAULT_COUNTME_HOSTS, globMatcher, recovery, remedy } from "./countme.ts";
import { type DateMerge, fetchedAfterMerge } from "./merges.ts";
import { rsyncMeaning } from "./rsync_codes.ts";

export { addDays, dayOf, isDate };

/** What one run did with one date of one proxy (all its syncs of that proxy taken together). */
export type Outcome =
  | "fetched"
  | "fetched_after_retry"
  | "failed"
  | "unverified"
  | "unfinished"
  | "skipped";

/** One run's try at one date of one proxy. */
export interface Try {
  outcome: Outcome;
  /** Attempts seen in that run (failed ones and the one that fetched it). */
  attempts: number;
  /** The text of the run's latest failure (or skip) for it, when there was one. */
  reason?: string;
  /** Unverified: seconds from `logdate.start` to `logdate.finish`, with no failure event. */
  seconds?: number;
}

/** One run as coverage reads it: when it started, whether it finished, what it tried. */
export interface CoverageRun {
  run_id: string;
  /** The log server that ran it (`host` of its events). */
  server: string;
  /** When it started (its `sync.start`, else its first event), as sent: ISO 8601. */
  start: string;
  /** When it finished (its `sync.finish`), as sent, when seen. */
  finish?: string;
  finished: boolean;
  /** Proxy → log date → what the run did with it. */
  tries: Record<string, Record<string, Try>>;
  /** Proxies the run skipped (`host.skip`), with the reason. */
  skipped: Record<string, string>;
}

/**
 * How bad a state is: `ok`; `warning`; `critical`; `countme`: CRITICAL on a host that feeds
 * DNF Counting (`--countme-hosts`), WARNING on any other.
 */
export type Severity = "ok" | "warning" | "critical" | "countme";

/**
 * Every state of a proxy-date, best first (the order of legends, totals and perfdata), each
 * with its symbol (readable without colour), its meaning, its severity, and `gap`: whether the
 * proxy's date is not (yet) in DNF Counting, which makes it a per-proxy count of the status
 * file (Zabbix discovery, see {@link GAPS}). The one definition text, JSON, plugin line, page
 * and status file read, so none can leave a state out, and a new state must decide `gap`.
 */
export const STATE_INFO = {
  fetched: {
    symbol: ".",
    severity: "ok",
    gap: false,
    meaning: "fetched by the first run that tried it, no failure",
  },
  retried: {
    symbol: "r",
    severity: "ok",
    gap: false,
    meaning: "fetched within one run after failed attempts",
  },
  recovered: {
    symbol: "R",
    severity: "ok",
    gap: false,
    meaning: "failed in an earlier run, fetched by a later one before its merge",
  },
  late: {
    symbol: "L",
    severity: "countme",
    gap: true,
    meaning: "fetched after the merge of its date finished: on the log server, missing from " +
      "DNF Counting until the merge for that date is re-run",
  },
  pending: {
    symbol: "?",
    severity: "ok",
    gap: true,
    meaning: "not fetched yet; a later run of the window will still try it",
  },
  unverified: {
    symbol: "U",
    severity: "warning",
    gap: true,
    meaning: "every try ended after the sync's silent timeout (logdate.start to finish took " +
      "the attempt timeout or longer, no failure sent): never known to be fetched",
  },
  lost: {
    symbol: "X",
    severity: "countme",
    gap: true,
    meaning: "not fetched, and no run will try it again",
  },
  missing: {
    symbol: "-",
    severity: "critical",
    gap: true,
    meaning: "an expected proxy with no event for this date at all",
  },
} as const satisfies Record<
  string,
  { symbol: string; severity: Severity; gap: boolean; meaning: string }
>;

/** The state of one log date of one proxy across all runs. */
export type CoverageState = keyof typeof STATE_INFO;

/** Every state, best first: the order of legends, totals and perfdata. */
export const STATES: readonly CoverageState[] = Object.keys(STATE_INFO) as CoverageState[];

/** The symbol of each state in the text and the page. */
export const SYMBOLS: Record<CoverageState, string> = Object.fromEntries(
  STATES.map((s) => [s, STATE_INFO[s].symbol]),
) as Record<CoverageState, string>;

/** What each state means, for legends and help. */
export const MEANINGS: Record<CoverageState, string> = Object.fromEntries(
  STATES.map((s) => [s, STATE_INFO[s].meaning]),
) as Record<CoverageState, string>;

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
  /** What the rsync exit code in `last_reason` means, when it names one that matters. */
  rsync?: { code: number; meaning: string };
  /** Pending: runs of the window still to come (by night). */
  nights_left?: number;
  /** Lost or late on a host that feeds DNF Counting: the Monday of the week it undercounts. */
  week?: string;
  /** Lost or late: until when, and how, a person can still fetch it. */
  recovery?: { until: string; command: string };
  /** Late, or lost on a host that feeds DNF Counting: what to do once it is on the log server. */
  remedy?: string;
  /**
   * Late: the merge it missed (`merged at TIME`, or the `--merge-after` rule); pending: that
   * its merge has run already, so it will be late at best.
   */
  merge?: string;
}

/** The proxy merge of one log date on this log server, as reported. */
export interface MergeReport {
  status: DateMerge["status"];
  runs: { run_id: string; start: string; finish?: string; ok: boolean; result?: string }[];
}

/** Coverage of one log server's runs. */
export interface Coverage {
  /** The log server (`host` of its runs). */
  log_server: string;
  window: number;
  /** Nights after a log date whose run is followed by its merge (when no merge event says). */
  merge_after: number;
  /** The glob of the hosts that feed DNF Counting. */
  countme_hosts: string;
  /** The first and last log date shown (undefined when there is none). */
  from?: string;
  to?: string;
  /** Every run read, in the order they started. */
  runs: { run_id: string; start: string; finished: boolean }[];
  /** Proxy → log date → cell, both sorted. */
  proxies: Record<string, Record<string, Cell>>;
  /**
   * Log dates no run tried for any proxy, and no run will (every night of the window had no
   * run, or one that tried nothing): lost on every proxy. Only when there is one.
   */
  untried?: string[];
  /**
   * Log date → its proxy merge, for the dates shown that have merge events, and every failed
   * merge read whatever its date (a failed merge is a finding even outside the dates shown).
   */
  merges: Record<string, MergeReport>;
  /**
   * This server runs no merge while another server's merges are recorded: DNF Counting reads
   * the other's merge, so no merge rule applies here and a lost date is lost on this server
   * only. Only when so.
   */
  merged_elsewhere?: true;
  /**
   * Log dates shown with no merge event while merges of other dates shown are recorded, whose
   * merge night (D + `merge_after`) has passed: the merge never ran, or ran unrecorded. Only
   * when there is one.
   */
  unmerged?: string[];
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
  /** `--merge-after N`: with no merge event for a date, its merge follows the run of night D+N. */
  mergeAfter?: number;
  /** `--countme-hosts GLOB`: the hosts that feed DNF Counting (default `proxy*`). */
  countmeHosts?: string;
  /** The proxy merges of this log server by log date (./merges.ts). */
  merges?: Map<string, DateMerge>;
  /**
   * This server runs no merge, another does (./coverage_servers.ts): the `--merge-after` rule
   * does not apply to it, and its lost dates are not said to be missing from DNF Counting.
   */
  mergedElsewhere?: boolean;
}

/** The nights both real sync scripts fetch. */
export const DEFAULT_WINDOW = 3;

/** The merge job's default date, "2 days ago": log date D is merged on night D+2. */
export const DEFAULT_MERGE_AFTER = 2;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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

/** What decides lateness and severity, for every cell of one coverage. */
interface Rules {
  window: number;
  mergeAfter: number;
  countme: (proxy: string) => boolean;
  merges: Map<string, DateMerge>;
  /** Another server runs the merge: no rule stands in for a merge event here. */
  elsewhere: boolean;
  runDays: RunDay[];
  latestDay: string | undefined;
  /** Each run's start (ms) and UTC day, by its start as sent: parsed once, not per cell. */
  startMs: Map<string, number>;
  startDay: Map<string, string | undefined>;
  /** When the first run read started (ms), and its day: what came before is not known. */
  firstRun: number;
  firstDay: string | undefined;
}

/**
 * The state of every proxy on every log date seen (or expected) in the runs:
 * - `fetched`: the first run that tried it fetched it with no failed attempt;
 * - `retried`: the first run that tried it fetched it after failed attempts;
 * - `recovered`: an earlier run did not fetch it, a later one did;
 * - `late`: fetched (first, retried or recovered) after the proxy merge of its date had
 *   finished, and no merge of the date succeeded since (with no merge event for the date: by a
 *   run of a night later than D + `mergeAfter`);
 * - `pending`: no run fetched it yet, and the window is still open (see `closed`);
 * - `unverified`: no run fetched it, the window has closed, and a run's try of it ended after
 *   the silent timeout with no failure sent;
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
  // Each date string is checked once, not once per proxy and run.
  const wanted = new Map<string, boolean>();
  const want = (date: string) => {
    // The schema checks log_date already; a pure core does not trust its callers with it.
    let ok = wanted.get(date);
    if (ok === undefined) wanted.set(date, ok = isDate(date) && keep(date));
    if (ok) dates.add(date);
    return ok;
  };
  const add = (proxy: string, date: string, run: CoverageRun, t: Try) => {
    if (!want(date)) return;
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
  const countmeHosts = options.countmeHosts ?? DEFAULT_COUNTME_HOSTS;
  const rules: Rules = {
    window: options.window,
    mergeAfter: options.mergeAfter ?? DEFAULT_MERGE_AFTER,
    countme: globMatcher(countmeHosts),
    merges: options.merges ?? new Map(),
    elsewhere: options.mergedElsewhere === true,
    runDays,
    latestDay: runDays.filter((r) => r.finished && r.day !== undefined).map((r) => r.day!)
      .sort(compare).at(-1),
    startMs: new Map(runs.map((r) => [r.start, Date.parse(r.start)])),
    startDay: new Map(runs.map((r) => [r.start, dayOf(r.start)])),
    firstRun: runs.length > 0 ? Date.parse(runs[0]!.start) : NaN,
    firstDay: runs.length > 0 ? dayOf(runs[0]!.start) : undefined,
  };
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
      } else cell = cellOf(proxy, date, runsOf, closedDates.has(date), rules);
      if (cell) {
        row[date] = cell;
        totals[cell.state]++;
      }
    }
    out[proxy] = row;
  }
  const merges: Record<string, MergeReport> = {};
  for (const [date, m] of rules.merges) {
    if (dates.has(date) || m.status === "failed") merges[date] = mergeReport(m);
  }
  const unmerged = sortedDates.some((d) => rules.merges.has(d))
    ? sortedDates.filter((d) => !rules.merges.has(d) && mergeDue(d, rules))
    : [];
  const result: Coverage = {
    log_server: runs[0]?.server ?? "",
    window: options.window,
    merge_after: rules.mergeAfter,
    countme_hosts: countmeHosts,
    runs: runs.map((r) => ({ run_id: r.run_id, start: r.start, finished: r.finished })),
    proxies: out,
    merges,
    totals,
  };
  if (rules.elsewhere) result.merged_elsewhere = true;
  if (unmerged.length > 0) result.unmerged = unmerged;
  const untried = untriedDates(runs, runDays, options.window, (d) => {
    if (wanted.get(d) === undefined) wanted.set(d, isDate(d) && keep(d));
    return wanted.get(d)! && !dates.has(d);
  });
  if (untried.length > 0) result.untried = untried;
  if (sortedDates.length > 0) {
    result.from = sortedDates[0]!;
    result.to = sortedDates.at(-1)!;
  }
  return result;
}

/** The most days between the first and last run that {@link untriedDates} walks. */
const MAX_UNTRIED_SPAN = 800;

/**
 * Log dates no run tried for any proxy, once no run will (`closed`): every night of the date's
 * window had no run, or only runs that tried nothing (the sync's crash in a worker ends a run
 * before its first proxy, and one before `sync.start` sends nothing). Every proxy's log of
 * such a date is lost, with or without a host list to name them. `open` says whether a date
 * is chosen and has no try.
 */
function untriedDates(
  runs: CoverageRun[],
  runDays: RunDay[],
  window: number,
  open: (date: string) => boolean,
): string[] {
  const nights = runDays.map((r) => r.day).filter((d) => d !== undefined).sort(compare);
  if (nights.length === 0) return [];
  // A night whose run tried anything tried every date of its window, as both scripts do.
  // A run that only skipped proxies fetched nothing: its night counts as none.
  const busy = new Set(
    runs.filter((r) => Object.keys(r.tries).length > 0).map((r) => dayOf(r.start)),
  );
  // From the first date whose whole window was read (nights before the first run are unknown),
  // and no further back than the span walked: a long archive still checks its recent dates.
  const last = addDays(nights.at(-1)!, -1);
  let first = addDays(nights[0]!, -1);
  if (daysBetween(first, last) > MAX_UNTRIED_SPAN) first = addDays(last, -MAX_UNTRIED_SPAN);
  const out: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) {
    if (!open(d) || !closed(d, window, runDays)) continue;
    let tried = false;
    for (let i = 1; i <= window && !tried; i++) tried = busy.has(addDays(d, i));
    if (!tried) out.push(d);
  }
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, "Z");

function mergeReport(m: DateMerge): MergeReport {
  return {
    status: m.status,
    runs: m.runs.map((r) => {
      const out: MergeReport["runs"][number] = { run_id: r.run_id, start: iso(r.start), ok: r.ok };
      if (r.finish !== undefined) out.finish = iso(r.finish);
      if (r.result !== undefined) out.result = r.result;
      return out;
    }),
  };
}

/**
 * Whether the run that started at `start` fetched `date` too late for its merge, and why. Only
 * when the runs read begin before that merge: a date first seen fetched on the first night
 * recorded may have been fetched in time by a night not recorded (every run fetches the last
 * `window` days again).
 */
function missedMerge(date: string, start: string, rules: Rules): string | undefined {
  const merge = rules.merges.get(date);
  if (merge) {
    const at = rules.startMs.get(start) ?? NaN;
    if (Number.isNaN(at) || !fetchedAfterMerge(merge, at)) return undefined;
    const done = merge.runs.filter((r) => r.finish !== undefined && r.finish < at).at(-1)!;
    if (!(rules.firstRun < done.finish!)) return undefined;
    return `its merge finished at ${iso(done.finish!)}, before the run that fetched it started`;
  }
  if (rules.elsewhere) return undefined;
  const day = rules.startDay.get(start);
  const mergeNight = addDays(date, rules.mergeAfter);
  if (day === undefined || day <= mergeNight) return undefined;
  if (rules.firstDay === undefined || rules.firstDay > mergeNight) return undefined;
  return `no merge event for the date: by --merge-after ${rules.mergeAfter} it was merged ` +
    `after the run of ${mergeNight}, and this run is of ${day}`;
}

/** Whether the merge of `date` has run already (for a date not fetched yet), and how we know. */
function mergePassed(date: string, rules: Rules): string | undefined {
  const merge = rules.merges.get(date);
  if (merge) {
    const done = merge.runs.filter((r) => r.finish !== undefined).at(-1);
    return done === undefined ? undefined : `its merge finished at ${iso(done.finish!)} without it`;
  }
  if (rules.elsewhere) return undefined;
  const mergeNight = addDays(date, rules.mergeAfter);
  const ran = rules.runDays.some((r) =>
    r.day !== undefined && (r.day > mergeNight || (r.day === mergeNight && r.finished))
  );
  return ran
    ? `by --merge-after ${rules.mergeAfter} it was merged without it after the run of ${mergeNight}`
    : undefined;
}

/**
 * Whether the merge of `date` was due by the `--merge-after` rule within the runs read: its
 * merge night is recorded (not before the first run) and has passed (a later run, or its own
 * run finished).
 */
function mergeDue(date: string, rules: Rules): boolean {
  const mergeNight = addDays(date, rules.mergeAfter);
  if (rules.firstDay === undefined || rules.firstDay > mergeNight) return false;
  return rules.runDays.some((r) =>
    r.day !== undefined && (r.day > mergeNight || (r.day === mergeNight && r.finished))
  );
}

function cellOf(
  proxy: string,
  date: string,
  runs: RunTry[],
  isClosed: boolean,
  rules: Rules,
): Cell {
  const first = runs.findIndex((t) => isFetched(t.outcome));
  let state: CoverageState;
  let merge: string | undefined;
  if (first >= 0) {
    merge = missedMerge(date, runs[first]!.start, rules);
    state = merge !== undefined
      ? "late"
      : first > 0
      ? "recovered"
      : runs[0]!.outcome === "fetched"
      ? "fetched"
      : "retried";
  } else if (!isClosed) state = "pending";
  else state = runs.some((t) => t.outcome === "unverified") ? "unverified" : "lost";
  const cell: Cell = { state, runs };
  const reason = runs.findLast((t) => t.reason !== undefined)?.reason;
  if (reason !== undefined) {
    cell.last_reason = reason;
    const code = rsyncMeaning(reason);
    if (code) cell.rsync = code;
  }
  if (state === "pending") {
    const merged = mergePassed(date, rules);
    if (merged !== undefined) cell.merge = merged;
    // The window's nights after the latest finished run: a night with no run that is past
    // cannot try it any more, but then the date is closed already.
    const passed = rules.latestDay === undefined
      ? 0
      : Math.max(0, daysBetween(date, rules.latestDay));
    cell.nights_left = Math.min(rules.window, Math.max(1, rules.window - passed));
  }
  if (state === "lost" || state === "late") {
    // On a server whose merge DNF Counting does not read, a lost date undercounts nothing.
    const feeds = rules.countme(proxy) && !rules.elsewhere;
    if (feeds) cell.week = countmeWeek(date);
    cell.recovery = recovery(proxy, date);
    // Once on the log server, the date reaches DNF Counting only through a merge run again.
    if (state === "late" || feeds) cell.remedy = remedy(date);
  }
  if (state === "late") cell.merge = merge!;
  return cell;
}

/** A pending cell whose date's merge has run without it (late at best: see `Cell.merge`). */
export function pastItsMerge(cell: Cell): boolean {
  return cell.state === "pending" && cell.merge !== undefined;
}

/** Runs of a pending cell that tried it and did not fetch it. */
export function failedRuns(cell: Cell): number {
  return cell.runs.filter((t) => !isFetched(t.outcome)).length;
}

/** Every cell in a state, as `proxy date`, oldest date first. */
export function cellsIn(c: Coverage, state: (cell: Cell) => boolean): [string, string, Cell][] {
  const found: [string, string, Cell][] = [];
  // for...in, not Object.entries: a year of 50 proxies is 20,000 cells, asked several times.
  for (const proxy in c.proxies) {
    const row = c.proxies[proxy]!;
    for (const date in row) {
      const cell = row[date]!;
      if (state(cell)) found.push([proxy, date, cell]);
    }
  }
  return found.sort(([p, d], [q, e]) => compare(d, e) || compare(p, q));
}

/**
 * How many dates of each proxy are in each state: the one per-proxy count that every view
 * (text, JSON, plugin line, status file) reads.
 */
export function proxyCounts(c: Coverage): Record<string, Record<CoverageState, number>> {
  const out: Record<string, Record<CoverageState, number>> = {};
  for (const [proxy, row] of Object.entries(c.proxies)) {
    const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<CoverageState, number>;
    for (const cell of Object.values(row)) counts[cell.state]++;
    out[proxy] = counts;
  }
  return out;
}

/** A state whose proxy-date is not (yet) in DNF Counting (`gap: true` in {@link STATE_INFO}). */
export type GapState = {
  [S in CoverageState]: (typeof STATE_INFO)[S]["gap"] extends true ? S : never;
}[CoverageState];

/**
 * Each proxy's dates not (yet) in DNF Counting, one column each, as the status file's discovery
 * array and Zabbix's per-proxy items hold them: every state with `gap`, then two that are the
 * coverage's, not a cell's: `untried` (a log date no run tried for any proxy: every proxy lacks
 * it) and `unmerged` (a date of a host that feeds DNF Counting, fetched, whose merge failed or
 * was due and never recorded, or pending past its merge). A proxy-date counts in one column at
 * most: a pending one past its merge in `unmerged`, where a threshold of 0 raises it, as the
 * check does.
 */
export const GAPS = [
  ...STATES.filter((s): s is GapState => STATE_INFO[s].gap),
  "untried",
  "unmerged",
] as const satisfies readonly string[];

/** A per-proxy column of {@link GAPS}. */
export type Gap = GapState | "untried" | "unmerged";

/** A proxy's counts before any date is counted: 0 in every column of {@link GAPS}. */
export function noGaps(): Record<Gap, number> {
  return Object.fromEntries(GAPS.map((g) => [g, 0])) as Record<Gap, number>;
}

/** Each proxy's count in every column of {@link GAPS}, for one log server's coverage. */
export function proxyGaps(c: Coverage): Record<string, Record<Gap, number>> {
  const countme = globMatcher(c.countme_hosts);
  // The merge left out every proxy of these dates: fetched or not, none is in DNF Counting.
  const unmerged = new Set([
    ...(c.unmerged ?? []),
    ...Object.entries(c.merges).filter(([, m]) => m.status === "failed").map(([d]) => d),
  ]);
  const out: Record<string, Record<Gap, number>> = {};
  for (const [proxy, row] of Object.entries(c.proxies)) {
    const n = noGaps();
    // Only hosts the merge takes in (--countme-hosts): another is in no merge to miss.
    const merged = countme(proxy);
    for (const [date, cell] of Object.entries(row)) {
      const state = cell.state;
      if (merged && (pastItsMerge(cell) || (!STATE_INFO[state].gap && unmerged.has(date)))) {
        n.unmerged++;
      } else if (STATE_INFO[state].gap) n[state as GapState]++;
    }
    n.untried = c.untried?.length ?? 0;
    out[proxy] = n;
  }
  return out;
}
