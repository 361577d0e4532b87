/** `busmsg listen`: print messages from the bus as dump lines (or one human line each). */
import { configFrom, parseCommand } from "../cli/options.ts";
import { CONNECT_OPTIONS, formatOptions, HELP_OPTION } from "../cli/option_table.ts";
import { parseTimeout } from "../config.ts";
import { UsageError } from "../errors.ts";
import { listen, type ListenLimits } from "../bus/listening.ts";
import { type Message, toDumpLine } from "../message/message.ts";
import type { JsonValue } from "../message/pyjson.ts";
import { fileSink, stdoutSink } from "../io/sink.ts";
import { printable } from "../text/printable.ts";

/** The options of `busmsg listen`. */
export const OPTIONS = {
  "queue-name": {
    type: "string",
    arg: "NAME",
    help: "a durable named queue: messages wait there while nobody listens\n" +
      "(declared if missing; with passive_declares = true it must exist)",
  },
  output: {
    type: "string",
    arg: "PATH",
    help: "append lines to this file instead of stdout (synced before each\n" +
      "message is acknowledged); strftime fields %Y %m %d %H %M %S %j %F %%\n" +
      "(UTC) give one file a day; SIGHUP reopens it",
  },
  count: { type: "string", arg: "N", help: "stop after N messages" },
  limit: { type: "string", arg: "N", help: "the same as --count (fedora-messaging record's name)" },
  "routing-key": {
    type: "string",
    arg: "KEY",
    multiple: true,
    help: "a binding (repeatable), like the BINDING arguments",
  },
  "app-name": {
    type: "string",
    arg: "NAME",
    help: "the name the broker shows for this connection (client_properties.app)",
  },
  pretty: {
    type: "boolean",
    help: "one human line per message: time, severity, topic, key fields; on a\n" +
      "terminal coloured by severity (not with NO_COLOR), ids shortened, cut\n" +
      "to the terminal's width",
  },
  ...CONNECT_OPTIONS,
  timeout: {
    ...CONNECT_OPTIONS.timeout,
    help: "stop after this long without a message (also bounds connecting)",
  },
  ...HELP_OPTION,
} as const;

export const HELP = `Usage: busmsg listen [options] [BINDING ...]

Binds a queue to the exchange (default binding logging.stats.#, the configured topic prefix
put in front unless a binding has it already) and prints each message as one dump line:
sorted keys, topic without the prefix, the format publish, validate and report read.
Listening needs a user that may declare a queue: Fedora's publish-only logging user may
not; use a consumer's config with --conf.

As a recorder (a service): --queue-name makes the queue durable, so messages published
while the recorder is down or restarting wait there; each message is acknowledged only
after its line is written and synced to --output. A lost connection is opened again with
back-off. SIGHUP reopens the output file (logrotate); SIGINT and SIGTERM end the run after
the current message.

${formatOptions(OPTIONS)}

Examples:
  busmsg listen --conf consumer.toml > day.jsonl;  busmsg report day.jsonl
  busmsg listen --pretty logging.stats.sync.#
  busmsg listen --queue-name busmsg-recorder --output '/var/log/busmsg/sync-%Y-%m-%d.jsonl'

Exit status: 0 when stopped by --count, --timeout, SIGINT, SIGTERM or a reader that closed
the pipe (listen | head -1); 1 when a line cannot be written; 111 when the connection is
lost and not back within --timeout; 121 when the broker refuses the queue; 2 usage or
config.`;

const SEVERITY_NAMES: Record<number, string> = {
  10: "DEBUG",
  20: "INFO",
  30: "WARNING",
  40: "ERROR",
  50: "CRITICAL",
};
const SEVERITY_COLOURS: Record<number, string> = {
  10: "\x1b[2m",
  30: "\x1b[33m",
  40: "\x1b[31m",
  50: "\x1b[1;31m",
};
const KEY_FIELDS = ["host", "run_id", "synced_host", "log_date", "reason"];
const UUID = /^([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How `--pretty` draws a line: plain (pipes, files) or for a terminal. */
export interface PrettyStyle {
  /** Colour by severity. */
  colour: boolean;
  /** Show ids (UUIDs) by their first 8 characters. */
  shortIds?: boolean;
  /** Cut lines to this many characters. */
  width?: number;
}

/** One human line: time, severity, topic, the logging.stats key fields, then the rest. */
export function prettyLine(m: Message, style: PrettyStyle = { colour: false }): string {
  const sev = Number(m.headers["fedora_messaging_severity"] ?? 20);
  const show = (v: JsonValue) => {
    if (typeof v !== "string") return JSON.stringify(v);
    const id = style.shortIds ? UUID.exec(v) : null;
    if (id) return id[1]!;
    return /[\s"]/.test(v) || v === "" ? JSON.stringify(v) : v;
  };
  const fields = [
    ...KEY_FIELDS.filter((k) => k in m.body),
    ...Object.keys(m.body).filter((k) => !KEY_FIELDS.includes(k)),
  ].map((k) => `${k}=${show(m.body[k]!)}`);
  // Bus data on a terminal: JSON leaves DEL and C1 as they are, and the topic is not quoted.
  let line = printable([
    String(m.headers["sent-at"] ?? "-"),
    (SEVERITY_NAMES[sev] ?? String(sev)).padEnd(7),
    m.topic,
    ...fields,
  ].join(" "));
  const chars = [...line];
  if (style.width !== undefined && chars.length > style.width) {
    line = chars.slice(0, Math.max(1, style.width - 1)).join("") + "…";
  }
  const colour = style.colour ? SEVERITY_COLOURS[sev] : undefined;
  return colour ? `${colour}${line}\x1b[0m` : line;
}

/** The --pretty style for stdout: terminal features only on a terminal. */
function prettyStyle(toFile: boolean): PrettyStyle {
  if (toFile || !Deno.stdout.isTerminal()) return { colour: false };
  const env = (n: string) => Deno.env.get(n);
  const { columns } = Deno.consoleSize();
  return {
    colour: env("NO_COLOR") === undefined && env("TERM") !== "dumb",
    shortIds: true,
    // A terminal that does not know its size says 0.
    ...(columns > 0 ? { width: columns } : {}),
  };
}

/** Runs `busmsg listen`. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("listen", args, OPTIONS);
  const limits = limitsFrom(values);
  const config = await configFrom(values);
  if (values["app-name"] !== undefined) config.app = values["app-name"];
  const given = [...positionals, ...(values["routing-key"] ?? [])];
  const bindings = given.length > 0 ? given : ["logging.stats.#"];
  const output = values.output;
  const sink = output === undefined ? stdoutSink() : fileSink(output);
  const style = values.pretty ? prettyStyle(output !== undefined) : undefined;
  try {
    return await listen(
      config,
      { bindings, ...(values["queue-name"] !== undefined ? { queue: values["queue-name"] } : {}) },
      limits,
      {
        message: (m) => sink.write((style ? prettyLine(m, style) : toDumpLine(m)) + "\n"),
        hangup: () => sink.reopen(),
      },
    );
  } finally {
    sink.close();
  }
}

/** `--count` and `--timeout` as listening limits (usage errors when malformed). */
export function limitsFrom(
  values: { count?: string | undefined; limit?: string | undefined; timeout?: string | undefined },
): ListenLimits {
  const limits: ListenLimits = {};
  if (values.count !== undefined && values.limit !== undefined) {
    throw new UsageError("--count and --limit are the same option: give one");
  }
  const text = values.count ?? values.limit;
  if (text !== undefined) {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) {
      throw new UsageError(
        `--${
          values.count !== undefined ? "count" : "limit"
        }: must be a whole number above 0, got "${text}"`,
      );
    }
    limits.count = n;
  }
  if (values.timeout !== undefined) limits.silenceMs = parseTimeout(values.timeout, "--timeout");
  return limits;
}
