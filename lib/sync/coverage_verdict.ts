/**
 * The verdict on the coverage of one or more log servers: its state, a one-line summary naming
 * the worst dates (and the DNF Counting week each undercounts), the findings one by one, and
 * perfdata with stable labels. Computed once; the text, JSON, plugin line and page show it.
 * Pure.
 */
import { type State, worst } from "../text/nagios.ts";
import type { Check } from "../text/check.ts";
import {
  type Cell,
  cellsIn,
  type Coverage,
  type CoverageState,
  failedRuns,
  pastItsMerge,
  STATE_INFO,
  STATES,
} from "./coverage.ts";
import { addDays } from "./dates.ts";
import { countmeWeek, globMatcher, remedy, weekText } from "./countme.ts";

/** A check's state, in exit-code order. */
export type CheckState = State;

/** One thing the verdict found, with the state it calls for. */
export interface CoverageFinding {
  state: State;
  text: string;
}

/** The verdict on a coverage: its state, a one-line summary, the findings, and perfdata. */
export interface CoverageVerdict {
  state: CheckState;
  summary: string;
  findings: CoverageFinding[];
  perf: Record<string, number>;
}

/** How many proxy/date pairs the summary names. */
const NAMED = 3;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function named(head: string, names: string[]): string {
  const more = names.length > NAMED ? `, and ${names.length - NAMED} more` : "";
  return `${head}: ${names.slice(0, NAMED).join(", ")}${more}`;
}

/** "proxy04 2026-11-30 (week of 2026-11-30)": a cell and, when it hurts DNF Counting, its week. */
function withWeek([p, d, cell]: [string, string, Cell]): string {
  return cell.week === undefined ? `${p} ${d}` : `${p} ${d} (week of ${cell.week})`;
}

/** The state a cell's state calls for on `proxy`. */
export function severityOf(state: CoverageState, feedsCountme: boolean): State {
  const s = STATE_INFO[state].severity;
  return s === "critical" || (s === "countme" && feedsCountme)
    ? "CRITICAL"
    : s === "warning" || s === "countme"
    ? "WARNING"
    : "OK";
}

/** What one log server's coverage found. */
function findingsOf(c: Coverage): CoverageFinding[] {
  const found: CoverageFinding[] = [];
  const add = (state: State, text: string) => found.push({ state, text });
  const countme = globMatcher(c.countme_hosts);
  if (c.runs.length === 0) add("CRITICAL", "no sync run found");
  for (const [date, m] of Object.entries(c.merges)) {
    if (m.status !== "failed") continue;
    const last = m.runs.at(-1)!;
    const why = last.finish === undefined
      ? "never finished"
      : `finished with result ${JSON.stringify(last.result ?? "")}`;
    add(
      "CRITICAL",
      `merge of ${date} failed (${why}): every proxy of that date is missing from DNF ` +
        `Counting, ${weekText(countmeWeek(date))}`,
    );
  }
  for (const date of c.unmerged ?? []) {
    add(
      "CRITICAL",
      `no merge of ${date} was recorded (by --merge-after ${c.merge_after} it was due after the ` +
        `run of ${addDays(date, c.merge_after)}; merges of other dates are recorded): DNF ` +
        `Counting has none of ${date}'s proxies unless it ran unrecorded, ` +
        `${weekText(countmeWeek(date))}; ${remedy(date)}`,
    );
  }
  for (const state of ["lost", "late"] as const) {
    const cells = cellsIn(c, (cell) => cell.state === state);
    if (c.merged_elsewhere && cells.length > 0) {
      // DNF Counting reads the merge of the server that runs it: a gap here is this server's.
      add(
        "WARNING",
        named(
          `${plural(cells.length, "date")} ${state} on this log server (it runs no merge; ` +
            "DNF Counting reads the merge of another log server)",
          cells.map(([p, d]) => `${p} ${d}`),
        ),
      );
      continue;
    }
    const hurt = cells.filter(([p]) => countme(p)), other = cells.filter(([p]) => !countme(p));
    const what = state === "lost" ? "lost" : "fetched after its merge";
    const many = state === "lost" ? "lost" : "fetched after their merge";
    if (hurt.length > 0) {
      add(
        severityOf(state, true),
        named(
          `${plural(hurt.length, `date ${what}`, `dates ${many}`)}, missing from DNF Counting`,
          hurt.map(withWeek),
        ),
      );
    }
    if (other.length > 0) {
      add(
        severityOf(state, false),
        named(
          `${
            plural(other.length, `date ${what}`, `dates ${many}`)
          } on hosts outside ${c.countme_hosts}`,
          other.map(withWeek),
        ),
      );
    }
  }
  const unmerged = cellsIn(c, pastItsMerge);
  const unmergedHurt = unmerged.filter(([p]) => countme(p));
  if (unmergedHurt.length > 0) {
    add(
      "CRITICAL",
      named(
        `${
          plural(unmergedHurt.length, "date")
        } not fetched before its merge, missing from DNF Counting`,
        unmergedHurt.map(([p, d]) => `${p} ${d} (week of ${countmeWeek(d)})`),
      ),
    );
  }
  if (c.untried !== undefined) {
    add(
      "CRITICAL",
      named(
        `${plural(c.untried.length, "log date")} no run tried for any proxy (runs that ended ` +
          "before their first proxy, or nights with no run), lost on every proxy",
        c.untried,
      ),
    );
  }
  const missing = cellsIn(c, (cell) => cell.state === "missing");
  if (missing.length > 0) {
    // A proxy that is missing is usually missing on every date: named once, with its count.
    const perProxy = new Map<string, string[]>();
    for (const [p, d] of missing) perProxy.set(p, [...perProxy.get(p) ?? [], d]);
    const missed = [...perProxy].sort(([a], [b]) => compare(a, b))
      .map(([p, ds]) => (ds.length === 1 ? `${p} ${ds[0]}` : `${p} (${ds.length} dates)`));
    add("CRITICAL", named(`${plural(missing.length, "date")} missing`, missed));
  }
  const unverified = cellsIn(c, (cell) => cell.state === "unverified");
  if (unverified.length > 0) {
    add(
      "WARNING",
      named(
        `${plural(unverified.length, "date")} unverified (silent timeouts)`,
        unverified.map(([p, d]) => `${p} ${d}`),
      ),
    );
  }
  // Said once: a date its merge passed by on a host that feeds DNF Counting is CRITICAL above.
  const late = cellsIn(c, (cell) => cell.state === "pending" && failedRuns(cell) >= 2)
    .filter(([p, , cell]) => !(pastItsMerge(cell) && countme(p)));
  if (late.length > 0) {
    add(
      "WARNING",
      named(
        `${plural(late.length, "date")} pending after 2 or more runs`,
        late.map(([p, d]) => `${p} ${d}`),
      ),
    );
  }
  return found;
}

/**
 * The check over the coverage of each log server: CRITICAL for any date lost or fetched after
 * its merge on a host that feeds DNF Counting, a failed merge (of any date read), a merge due
 * and not recorded while other dates' merges are, a missing date, or no run at all; WARNING
 * for lost or late dates on other hosts or on a server that runs no merge while another does, unverified dates, a date pending after
 * two or more failed runs, `ignored` events, or messages the recorder kept `aside`; else OK.
 * With more than one log server, each finding names its server.
 */
export function coverageVerdict(
  coverages: Coverage | Coverage[],
  ignored = 0,
  aside: { count: number; files: string[] } = { count: 0, files: [] },
): CoverageVerdict {
  const list = Array.isArray(coverages) ? coverages : [coverages];
  const several = list.length > 1;
  const findings: CoverageFinding[] = [];
  if (list.length === 0) findings.push({ state: "CRITICAL", text: "no sync run found" });
  for (const c of list) {
    for (const f of findingsOf(c)) {
      findings.push(several ? { state: f.state, text: `${c.log_server}: ${f.text}` } : f);
    }
  }
  if (ignored > 0) findings.push({ state: "WARNING", text: `${plural(ignored, "event")} ignored` });
  // What the recorder could not record may be just what a lost or missing date lacks.
  if (aside.count > 0) {
    findings.push({
      state: "WARNING",
      text: `${plural(aside.count, "message")} not recorded, kept aside in ${
        aside.files.join(", ")
      }`,
    });
  }
  const totals = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<CoverageState, number>;
  const proxies = new Set<string>();
  let runs = 0, mergeFailed = 0;
  for (const c of list) {
    for (const s of STATES) totals[s] += c.totals[s];
    for (const p of Object.keys(c.proxies)) proxies.add(p);
    runs += c.runs.length;
    mergeFailed += Object.values(c.merges).filter((m) => m.status === "failed").length;
  }
  const state = worst(findings.map((f) => f.state));
  const t = totals;
  const good = t.fetched + t.retried + t.recovered;
  const fine = `${plural(good, "date")} of ${plural(proxies.size, "proxy", "proxies")} fetched` +
    (t.retried + t.recovered > 0 ? ` (${t.retried} after retries, ${t.recovered} recovered)` : "") +
    (t.pending > 0 ? `, ${t.pending} pending` : "") +
    (several ? `, ${list.length} log servers` : "");
  // Critical first, then warnings, each in the order found.
  const order: State[] = ["CRITICAL", "UNKNOWN", "WARNING"];
  const told = order.flatMap((s) => findings.filter((f) => f.state === s).map((f) => f.text));
  const summary = state === "OK" ? fine : told.join(", ");
  const perf: Record<string, number> = {
    ...t,
    merge_failed: mergeFailed,
    runs,
    proxies: proxies.size,
    log_servers: list.length,
    // Every label in every state: a graph keeps its series.
    ignored,
    kept_aside: aside.count,
  };
  return { state, summary, findings, perf };
}

/** The verdict as a check (`COVERAGE STATE - summary | perfdata`), with details. */
export function coverageCheck(v: CoverageVerdict, details: string[] = []): Check {
  const perf = Object.entries(v.perf).map(([label, value]) => ({ label, value }));
  return { service: "COVERAGE", state: v.state, summary: v.summary, perf, details };
}
