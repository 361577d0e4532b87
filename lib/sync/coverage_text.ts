/**
 * Coverage as text for people: one row of symbols per proxy (a column per log date, readable
 * without colour), then every lost, missing and pending date with its last reason and the runs
 * that tried it. Pure.
 */
import { printable } from "../text/printable.ts";
import {
  addDays,
  type Cell,
  type Coverage,
  type CoverageVerdict,
  MEANINGS,
  type RunTry,
  STATES,
  SYMBOLS,
} from "./coverage.ts";

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

/** The text report: header, legend, one row per proxy, then the dates that need a look. */
export function formatCoverage(c: Coverage, v: CoverageVerdict): string {
  const lines: string[] = [];
  const days = calendar(c);
  const proxies = Object.keys(c.proxies);
  if (c.runs.length === 0 || days.length === 0) {
    lines.push(c.runs.length === 0 ? "no sync run found" : "no log date found");
  } else {
    const first = c.runs[0]!.start, last = c.runs.at(-1)!.start;
    lines.push(
      `coverage of log dates ${c.from} to ${c.to}, ${c.runs.length} run${
        c.runs.length === 1 ? "" : "s"
      } (${first} to ${last}), window ${c.window} night${c.window === 1 ? "" : "s"}`,
    );
    lines.push(
      "  " + STATES.map((s) => `${SYMBOLS[s]} ${s}`).join("  ") + "  (blank: no run tried it)",
    );
    const width = Math.max(...proxies.map((p) => printable(p).length), 4);
    const pad = " ".repeat(width + 4);
    // The day of the month as two rows of digits above the columns.
    lines.push(pad + days.map((d) => d[8]).join(""));
    lines.push(pad + days.map((d) => d[9]).join(""));
    for (const proxy of proxies) {
      const row = c.proxies[proxy]!;
      const symbols = days.map((d) => (row[d] ? SYMBOLS[row[d]!.state] : " ")).join("");
      lines.push(`  ${printable(proxy).padEnd(width)}  ${symbols.trimEnd()}`);
    }
    const missing = new Map<string, string[]>();
    for (const [proxy, row] of Object.entries(c.proxies)) {
      const dates = Object.keys(row).filter((d) => row[d]!.state === "missing");
      if (dates.length > 0) missing.set(proxy, dates);
    }
    for (const state of ["lost", "missing", "pending"] as const) {
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
      const found: [string, string, Cell][] = [];
      for (const [proxy, row] of Object.entries(c.proxies)) {
        for (const [date, cell] of Object.entries(row)) {
          if (cell.state === state) found.push([proxy, date, cell]);
        }
      }
      if (found.length === 0) continue;
      found.sort(([p, d], [q, e]) => compare(d, e) || compare(p, q));
      lines.push(`${state} (${MEANINGS[state]}):`);
      for (const [proxy, date, cell] of found) {
        const left = cell.nights_left === undefined
          ? ""
          : ` [${cell.nights_left} more night${cell.nights_left === 1 ? "" : "s"}]`;
        const reason = cell.last_reason ?? "(no reason)";
        lines.push(`  ${proxy} ${date}: ${reason}${left}`);
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
  lines.push(`=> ${v.state === "OK" ? "ok" : v.state}: ${v.summary}`);
  // Bus data for a terminal: no escape sequence in a run id, a proxy name or a reason.
  return lines.map(printable).join("\n") + "\n";
}
