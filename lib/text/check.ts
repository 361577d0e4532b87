/**
 * The one check model of every monitoring command (`doctor`, `spool status`, `report`,
 * `report --coverage`, `status`): a state, a summary, performance data under labels that never
 * change with the state, and details. Rendered one way each as the plugin output (Nagios, NRPE),
 * as JSON (`--json`, the status file). Pure.
 */
import { exitCodeFor, type State } from "./nagios.ts";
import { printable } from "./printable.ts";

/** Units of measure the plugin guidelines allow (none: a plain count). */
export type Unit = "" | "s" | "ms" | "us" | "%" | "B" | "KB" | "MB" | "TB" | "c";

/** One performance-data item: `'label'=value[UOM];[warn];[crit];[min];[max]`. */
export interface Perf {
  /** Fixed for the check: the same labels in every state, so a graph keeps its series. */
  label: string;
  /** The value; undefined when it could not be measured (`U` in the plugin line). */
  value: number | undefined;
  unit?: Unit;
  /** Nagios ranges (`30:`, `21600`), as the thresholds that decided the state. */
  warn?: string;
  crit?: string;
  min?: number;
  max?: number;
}

/** One check's result. */
export interface Check {
  /** The service word the plugin line starts with: `DOCTOR`, `SPOOL`, `SYNC`, `COVERAGE`. */
  service: string;
  state: State;
  /** One line for people; any text, made safe where it is rendered. */
  summary: string;
  perf: Perf[];
  /** The long output: one line each, in order. */
  details: string[];
}

/** A check that could not be made: UNKNOWN with the reason, and every label, unmeasured. */
export function unknownCheck(service: string, reason: string, labels: Perf[] = []): Check {
  return {
    service,
    state: "UNKNOWN",
    summary: reason,
    perf: labels.map((p) => ({ ...p, value: undefined })),
    details: [],
  };
}

/**
 * Text for the plugin output: one line (control characters, newlines included, shown as
 * `\xNN`), and no `|`, which would start performance data and cut the status text (there is no
 * escape for it in the plugin format: it becomes `/`).
 */
export function pluginText(text: string): string {
  return printable(text).replaceAll("|", "/");
}

/**
 * A label as the guidelines allow it: `=` cannot appear (it ends the label), a quote is doubled,
 * and the label is quoted when it holds anything but letters, digits, `_`, `.` and `-`.
 */
export function perfLabel(label: string): string {
  const safe = printable(label).replaceAll("=", "_");
  return /^[A-Za-z0-9_.-]+$/.test(safe) ? safe : `'${safe.replaceAll("'", "''")}'`;
}

/** A number in the guidelines' value class `[-0-9.]`: no exponent, no Infinity or NaN. */
function perfNumber(n: number): string {
  if (!Number.isFinite(n)) return "U";
  const text = String(n);
  if (!/e/i.test(text)) return text;
  // toFixed writes exponents again from 1e21 on: a BigInt never does.
  return Math.abs(n) >= 1 ? BigInt(Math.round(n)).toString() : n.toFixed(20).replace(/0+$/, "");
}

/** One item of performance data. */
export function perfItem(p: Perf): string {
  const value = p.value === undefined ? "U" : perfNumber(p.value) + (p.unit ?? "");
  const tail = [p.warn ?? "", p.crit ?? "", opt(p.min), opt(p.max)];
  while (tail.length > 0 && tail.at(-1) === "") tail.pop();
  return [`${perfLabel(p.label)}=${value}`, ...tail.map(rangeText)].join(";");
}

const opt = (n: number | undefined) => (n === undefined ? "" : perfNumber(n));
// A range is ours (numbers, `:`, `~`, `@`); anything else would break the item.
const rangeText = (r: string) => r.replace(/[^-0-9.:~@]/g, "");

/**
 * The plugin output: `SERVICE STATE - summary | perfdata`, then the details, one a line. No
 * `|` anywhere in the text, so the only `|` is the one before the performance data.
 */
export function pluginOutput(check: Check): string {
  const perf = check.perf.map(perfItem).join(" ");
  const head = `${pluginText(check.service)} ${check.state} - ${pluginText(check.summary)}`;
  const lines = [perf === "" ? head : `${head} | ${perf}`];
  for (const d of check.details) lines.push(pluginText(d));
  return lines.join("\n") + "\n";
}

/** The exit code of a check: the plugin's (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). */
export function checkExit(check: Check): number {
  return exitCodeFor(check.state);
}

/** A check as JSON data. */
export interface CheckJson {
  service: string;
  state: State;
  /** The plugin exit code of the state: a number for Zabbix triggers. */
  code: number;
  summary: string;
  /** Label → value; null only for a value that could not be measured (a doctor step not run). */
  perf: Record<string, number | null>;
  details: string[];
}

/** A check as the JSON object `--json` prints and the status file holds. */
export function checkJson(check: Check): CheckJson {
  const perf: Record<string, number | null> = {};
  for (const p of check.perf) {
    perf[p.label] = p.value === undefined || !Number.isFinite(p.value) ? null : p.value;
  }
  return {
    service: check.service,
    state: check.state,
    code: exitCodeFor(check.state),
    summary: check.summary,
    perf,
    details: check.details,
  };
}
