/**
 * Coverage as text for people: per log server, one row of symbols per proxy (a column per log
 * date, readable without colour) and a row for the merge of each date, then every date that
 * needs a person with its last reason (and what its rsync exit code means), the runs that tried
 * it, the DNF Counting week it undercounts and how to fetch or merge it by hand. Pure.
 */
import { printable } from "../text/printable.ts";
import {
  addDays,
  type Cell,
  cellsIn,
  type Coverage,
  type CoverageState,
  MEANINGS,
  type RunTry,
  STATES,
  SYMBOLS,
} from "./coverage.ts";
import type { CoverageVerdict } from "./coverage_verdict.ts";
import { remedy, weekText } from "./countme.ts";

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The longest run of days with no data still shown day by day (longer ones are left out). */
export const MAX_GAP_DAYS = 31;

/**
 * The columns: every log date that has a cell, and the days between two of them when at most
 * `MAX_GAP_DAYS` apart, so that a night with no data shows as a gap. Bounded by the dates seen,
 * never by the calendar span between them (one date in 9999 adds one column, not 2.9 million).
 */
export function calendar(c: Coverage): string[] {
  const seen = new Set<string>();
  for (const row of Object.values(c.proxies)) for (const d of Object.keys(row)) seen.add(d);
  const days: string[] = [];
  for (const d of [...seen].sort(compare)) {
    const prev = days.at(-1);
    if (prev !== undefined && addDays(prev, MAX_GAP_DAYS + 1) >= d) {
      for (let g = addDays(prev, 1); g < d; g = addDays(g, 1)) days.push(g);
    }
    days.push(d);
  }
  return days;
}

/** "failed, 3 attempts", "fetched after retries, 2 attempts", "skipped". */
export function describeTry(t: RunTry): string {
  // A skip's reason says it all: "skipped: Synced host unknown".
  if (t.outcome === "skipped") return t.reason ?? "skipped";
  const what = t.outcome.replaceAll("_", " ");
  return t.attempts > 0 ? `${what}, ${t.attempts} attempt${t.attempts === 1 ? "" : "s"}` : what;
}

/** The merge row's symbol of a date: merged, failed, running, or blank (no merge event). */
export const MERGE_SYMBOLS = { merged: "m", failed: "F", running: "~" } as const;

/** The states the text details, worst first. */
export const DETAILED: readonly CoverageState[] = [
  "lost",
  "late",
  "missing",
  "unverified",
  "pending",
];

/** The lines that say what a cell's reason means and what a person can do about it. */
export function cellNotes(cell: Cell): string[] {
  const notes: string[] = [];
  if (cell.rsync) notes.push(`rsync exit code ${cell.rsync.code}: ${cell.rsync.meaning}`);
  if (cell.merge) {
    notes.push(
      cell.state === "late"
        ? `late: ${cell.merge}`
        : `missing from DNF Counting already: ${cell.merge}; once fetched, re-run the merge for that date`,
    );
  }
  if (cell.week) notes.push(`undercounts DNF Counting's ${weekText(cell.week)}`);
  if (cell.recovery) {
    notes.push(
      cell.state === "late"
        ? "on the log server already; " + cell.remedy!
        : `fetch by hand until about ${cell.recovery.until} (the proxy keeps about 7 rotated ` +
          `logs): ${cell.recovery.command}` + (cell.remedy ? `; then ${cell.remedy}` : ""),
    );
  }
  return notes;
}

/** The text of one log server's coverage. */
function serverText(c: Coverage, lines: string[]): void {
  const days = calendar(c);
  const proxies = Object.keys(c.proxies);
  if (c.runs.length === 0 || days.length === 0) {
    lines.push(c.runs.length === 0 ? "no sync run found" : "no log date found");
    return;
  }
  const first = c.runs[0]!.start, last = c.runs.at(-1)!.start;
  lines.push(
    `coverage of log dates ${c.from} to ${c.to}, ${c.runs.length} run${
      c.runs.length === 1 ? "" : "s"
    } (${first} to ${last}) on ${c.log_server || "(no host)"}, window ${c.window} night${
      c.window === 1 ? "" : "s"
    }, ${
      c.merged_elsewhere
        ? "runs no merge (another log server's merges are recorded)"
        : `merged on night D+${c.merge_after} unless merge events say`
    }, DNF Counting reads ${c.countme_hosts}`,
  );
  lines.push(
    "  " + STATES.map((s) => `${SYMBOLS[s]} ${s}`).join("  ") + "  (blank: no run tried it)",
  );
  const width = Math.max(...proxies.map((p) => printable(p).length), "(merge)".length);
  const pad = " ".repeat(width + 4);
  // The day of the month as two rows of digits above the columns.
  lines.push(pad + days.map((d) => d[8]).join(""));
  lines.push(pad + days.map((d) => d[9]).join(""));
  for (const proxy of proxies) {
    const row = c.proxies[proxy]!;
    const symbols = days.map((d) => (row[d] ? SYMBOLS[row[d]!.state] : " ")).join("");
    lines.push(`  ${printable(proxy).padEnd(width)}  ${symbols.trimEnd()}`);
  }
  if (Object.keys(c.merges).length > 0) {
    const symbols = days.map((d) => {
      const m = c.merges[d];
      return m ? MERGE_SYMBOLS[m.status] : " ";
    }).join("");
    lines.push(`  ${"(merge)".padEnd(width)}  ${symbols.trimEnd()}`);
    lines.push(
      "  merge row: m merged  F failed  ~ running  (blank: no merge event, the rule applies)",
    );
  }
  for (const [date, m] of Object.entries(c.merges)) {
    if (m.status !== "failed") continue;
    const run = m.runs.at(-1)!;
    lines.push(
      `merge of ${date} FAILED (${
        run.finish === undefined ? "never finished" : `result ${JSON.stringify(run.result ?? "")}`
      }, run ${run.run_id} started ${run.start}): every proxy of that date is missing from DNF ` +
        `Counting; re-run the merge for ${date}, then countme's raw update from ${date} on`,
    );
  }
  for (const date of c.unmerged ?? []) {
    lines.push(
      `merge of ${date} NOT RECORDED (due after the run of ${
        addDays(date, c.merge_after)
      }, merges of other dates recorded): DNF Counting has none of that date's proxies unless ` +
        `it ran unrecorded; ${remedy(date)}`,
    );
  }
  const missing = new Map<string, string[]>();
  for (const [proxy, date] of cellsIn(c, (cell) => cell.state === "missing")) {
    missing.set(proxy, [...missing.get(proxy) ?? [], date]);
  }
  for (const state of DETAILED) {
    if (state === "missing") {
      if (missing.size === 0) continue;
      lines.push(`missing (${MEANINGS.missing}):`);
      for (const [proxy, dates] of missing) {
        lines.push(
          dates.length === 1
            ? `  ${proxy} ${dates[0]}: no event`
            : `  ${proxy}: no event on ${dates.length} dates, ${dates[0]} to ${dates.at(-1)}`,
        );
      }
      continue;
    }
    const found = cellsIn(c, (cell) => cell.state === state);
    if (found.length === 0) continue;
    lines.push(`${state} (${MEANINGS[state]}):`);
    for (const [proxy, date, cell] of found) {
      const left = cell.nights_left === undefined
        ? ""
        : ` [${cell.nights_left} more night${cell.nights_left === 1 ? "" : "s"}]`;
      const reason = cell.last_reason ?? (state === "late" ? "fetched late" : "(no reason)");
      lines.push(`  ${proxy} ${date}: ${reason}${left}`);
      for (const note of cellNotes(cell)) lines.push(`    ${note}`);
      for (const t of cell.runs) {
        lines.push(
          `    run ${t.run_id} (${t.start}): ${describeTry(t)}${
            t.reason !== undefined && t.reason !== cell.last_reason && t.outcome !== "skipped"
              ? ` (${t.reason})`
              : ""
          }`,
        );
      }
    }
  }
}

/**
 * The text report: per log server (said when there is more than one) header, legend, one row
 * per proxy and the merge row, then the dates that need a look; last the one verdict.
 */
export function formatCoverage(coverages: Coverage | Coverage[], v: CoverageVerdict): string {
  const list = Array.isArray(coverages) ? coverages : [coverages];
  const lines: string[] = [];
  if (list.length === 0) lines.push("no sync run found");
  if (list.length > 1) {
    lines.push(
      `${list.length} log servers ran the sync: ${list.map((c) => c.log_server).join(", ")}; ` +
        "each is shown on its own, as a date one fetched is not on the other (--log-server NAME shows one)",
    );
  }
  for (const c of list) {
    if (list.length > 1) lines.push(`== log server ${c.log_server}`);
    serverText(c, lines);
  }
  lines.push(`=> ${v.state === "OK" ? "ok" : v.state}: ${v.summary}`);
  // Bus data for a terminal: no escape sequence in a run id, a proxy name or a reason.
  return lines.map(printable).join("\n") + "\n";
}
