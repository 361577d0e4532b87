/**
 * A strict reader of monitoring-plugin output, as the Nagios plugin guidelines define it: it
 * throws on anything a monitoring system could misread (a `|` in the status text, a label with
 * `=` or an unpaired quote, a value outside `[-0-9.]` or `U`, a unit not in the list, a control
 * character, a state word that is not the exit code's). Used by every check's tests.
 */

/** One performance-data item as read. */
export interface PerfRead {
  label: string;
  value: number | "U";
  unit: string;
  warn: string;
  crit: string;
  min: string;
  max: string;
}

/** A plugin's output as read. */
export interface PluginRead {
  service: string;
  state: "OK" | "WARNING" | "CRITICAL" | "UNKNOWN";
  summary: string;
  perf: PerfRead[];
  /** The long output's lines. */
  long: string[];
}

const STATES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"] as const;
const UNITS = ["", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c"];
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const NUMBER = /^-?(\d+(\.\d+)?|\.\d+)$/;
const RANGE = /^@?(~|-?[\d.]+)?(:(-?[\d.]+)?)?$/;

function fail(why: string, output: string): never {
  throw new Error(`not valid plugin output: ${why}\n--- output ---\n${output}`);
}

/** Splits performance data into items, honouring quoted labels (`'a b'=1`, `'it''s'=2`). */
function items(text: string, output: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === " ") {
      i++;
      continue;
    }
    let j = i;
    if (text[j] === "'") {
      j++;
      for (;;) {
        if (j >= text.length) fail(`unclosed quote in "${text.slice(i)}"`, output);
        if (text[j] === "'" && text[j + 1] === "'") j += 2;
        else if (text[j] === "'") break;
        else j++;
      }
      j++;
      if (text[j] !== "=") fail(`a quoted label not followed by "=" in "${text.slice(i)}"`, output);
    }
    while (j < text.length && text[j] !== " ") j++;
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

function perfItem(item: string, output: string): PerfRead {
  let label: string, rest: string;
  if (item.startsWith("'")) {
    const end = item.search(/'=/);
    label = item.slice(1, end);
    if (/'(?!')/.test(label.replaceAll("''", ""))) fail(`a lone quote in label ${item}`, output);
    label = label.replaceAll("''", "'");
    rest = item.slice(end + 2);
  } else {
    const eq = item.indexOf("=");
    if (eq <= 0) fail(`no label=value in "${item}"`, output);
    label = item.slice(0, eq);
    if (label.includes("'")) fail(`a quote in an unquoted label "${label}"`, output);
    rest = item.slice(eq + 1);
  }
  if (label.includes("=")) fail(`"=" in label "${label}"`, output);
  if (label === "") fail(`empty label in "${item}"`, output);
  const fields = rest.split(";");
  if (fields.length > 5) fail(`more than 5 fields in "${item}"`, output);
  const [v = "", warn = "", crit = "", min = "", max = ""] = fields;
  let value: number | "U", unit: string;
  if (v === "U") [value, unit] = ["U", ""];
  else {
    const m = /^(-?[\d.]+)(.*)$/.exec(v);
    if (!m || !NUMBER.test(m[1]!)) fail(`value "${v}" is not in [-0-9.] or U`, output);
    [value, unit] = [Number(m[1]), m[2]!];
    if (!UNITS.includes(unit)) fail(`unit "${unit}" not allowed in "${item}"`, output);
  }
  for (const r of [warn, crit]) if (!RANGE.test(r)) fail(`bad range "${r}" in "${item}"`, output);
  for (const n of [min, max]) {
    if (n !== "" && !NUMBER.test(n)) fail(`bad min/max "${n}" in "${item}"`, output);
  }
  return { label, value, unit, warn, crit, min, max };
}

/**
 * Reads a plugin's stdout, checking it against its exit code. The first line is
 * `SERVICE STATE - summary | perfdata`; the long output has no `|` (this project's rule: its
 * text never carries performance data).
 */
export function parsePluginOutput(output: string, code: number): PluginRead {
  if (!output.endsWith("\n")) fail("does not end with a newline", output);
  const [first = "", ...long] = output.slice(0, -1).split("\n");
  for (const line of [first, ...long]) {
    if (CONTROL.test(line)) fail(`a control character in "${line}"`, output);
  }
  const bars = first.split("|").length - 1;
  if (bars > 1) fail(`${bars} "|" on the first line: the status text holds one`, output);
  const [text = "", perfText] = first.split(" | ");
  if (bars === 1 && perfText === undefined) fail(`"|" not as " | " before perfdata`, output);
  const m = /^([A-Z][A-Z0-9_]*) (OK|WARNING|CRITICAL|UNKNOWN) - (.*)$/.exec(text);
  if (!m) fail(`first line is not "SERVICE STATE - summary": "${text}"`, output);
  const state = m[2] as PluginRead["state"];
  if (STATES.indexOf(state) !== code) fail(`state ${state} with exit code ${code}`, output);
  for (const line of long) if (line.includes("|")) fail(`"|" in long output "${line}"`, output);
  const perf = perfText === undefined
    ? []
    : items(perfText, output).map((i) => perfItem(i, output));
  const labels = perf.map((p) => p.label);
  if (new Set(labels).size !== labels.length) fail(`a label twice: ${labels}`, output);
  return { service: m[1]!, state, summary: m[3]!, perf, long };
}

/** The labels of a plugin's output, in order. */
export function labelsOf(output: string, code: number): string[] {
  return parsePluginOutput(output, code).perf.map((p) => p.label);
}

/** The perfdata of an UNKNOWN `report --nagios`: every label, unmeasured. */
export const SYNC_U =
  " | runs=U dates_fetched=U dates_fetched_after_retry=U dates_failed=U dates_unfinished=U retries=U missing=U skipped=U ignored=U unfinished_runs=U kept_aside=U";
/** The perfdata of an UNKNOWN `report --coverage --nagios`. */
export const COVERAGE_U =
  " | fetched=U retried=U recovered=U late=U pending=U unverified=U lost=U missing=U merge_failed=U runs=U proxies=U log_servers=U ignored=U kept_aside=U";
/** The perfdata of an UNKNOWN `doctor` (without --publish). */
export const DOCTOR_U = " | cert_days=U dns=U;;;0 tcp=U;;;0 tls=U;;;0 amqp=U;;;0 total=U;;;0";

/** Text a bus or a file may carry into a reason, a proxy name or a detail. */
export const HOSTILE = [
  "rsync: error | dates_failed=0 runs=9",
  "a;b=c 'quoted' \"double\"",
  "line one\nline two\r\n\ttabbed",
  "\x1b]0;title\x07 ESC",
  "||| ' '' = ;;;",
];
