/** `busmsg listen`: print messages from the bus as dump lines (or one human line each). */
import { configFrom, parseCommand } from "../cli/options.ts";
import { CONNECT_OPTIONS, formatOptions, HELP_OPTION } from "../cli/option_table.ts";
import { parseTimeout } from "../config.ts";
import { UsageError } from "../errors.ts";
import { listen, type ListenLimits } from "../bus/listening.ts";
import { type Message, toDumpLine } from "../message/message.ts";
import { out } from "../cli/output.ts";

/** The options of `busmsg listen`. */
export const OPTIONS = {
  count: { type: "string", arg: "N", help: "stop after N messages" },
  pretty: {
    type: "boolean",
    help: "one human line per message: time, severity, topic, key fields",
  },
  ...CONNECT_OPTIONS,
  timeout: {
    ...CONNECT_OPTIONS.timeout,
    help: "stop after this long without a message (also bounds connecting)",
  },
  ...HELP_OPTION,
} as const;

export const HELP = `Usage: busmsg listen [options] [BINDING ...]

Binds a temporary exclusive queue to the exchange (default binding logging.stats.#, the
configured topic prefix put in front) and prints each message as one dump line: sorted
keys, topic without the prefix, the format publish and validate read.
Listening needs a user that may declare a queue: Fedora's publish-only logging user may
not; use a consumer's config with --conf.

${formatOptions(OPTIONS)}

Examples:
  busmsg listen --conf consumer.toml > day.jsonl;  busmsg report day.jsonl
  busmsg listen --pretty logging.stats.sync.#

Exit status: 0 when stopped by --count, --timeout, SIGINT or SIGTERM; 111 when the
connection is lost; 121 when the broker refuses the queue; 2 usage or config.`;

const SEVERITY_NAMES: Record<number, string> = {
  10: "DEBUG",
  20: "INFO",
  30: "WARNING",
  40: "ERROR",
};
const KEY_FIELDS = ["host", "run_id", "synced_host", "log_date", "reason"];

/** One human line: time, severity, topic, the logging.stats key fields, then the rest. */
function prettyLine(m: Message): string {
  const sev = Number(m.headers["fedora_messaging_severity"] ?? 20);
  const fields = [
    ...KEY_FIELDS.filter((k) => k in m.body),
    ...Object.keys(m.body).filter((k) => !KEY_FIELDS.includes(k)),
  ]
    .map((k) => {
      const v = m.body[k];
      return `${k}=${typeof v === "string" && !/[\s"]/.test(v) ? v : JSON.stringify(v)}`;
    });
  return [
    String(m.headers["sent-at"] ?? "-"),
    (SEVERITY_NAMES[sev] ?? String(sev)).padEnd(7),
    m.topic,
    ...fields,
  ]
    .join(" ");
}

/** Runs `busmsg listen`. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("listen", args, OPTIONS);
  const limits = limitsFrom(values);
  const config = await configFrom(values);
  const bindings = positionals.length > 0 ? positionals : ["logging.stats.#"];
  return await listen(
    config,
    bindings,
    limits,
    (m) => out((values.pretty ? prettyLine(m) : toDumpLine(m)) + "\n"),
  );
}

/** `--count` and `--timeout` as listening limits (usage errors when malformed). */
export function limitsFrom(
  values: { count?: string | undefined; timeout?: string | undefined },
): ListenLimits {
  const limits: ListenLimits = {};
  if (values.count !== undefined) {
    const n = Number(values.count);
    if (!Number.isInteger(n) || n < 1) {
      throw new UsageError(`--count: must be a whole number above 0, got "${values.count}"`);
    }
    limits.count = n;
  }
  if (values.timeout !== undefined) limits.silenceMs = parseTimeout(values.timeout, "--timeout");
  return limits;
}
