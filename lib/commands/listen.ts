/** `busmsg listen`: print messages from the bus as dump lines (or one human line each). */
import { configFrom, parseCommand } from "../cli/options.ts";
import { CONNECT_OPTIONS, formatOptions, HELP_OPTION } from "../cli/option_table.ts";
import { type Config, type ConfigQueue, parseTimeout } from "../config.ts";
import { DeliveryError, EXIT, UsageError } from "../errors.ts";
import { RECORDER_FAILED } from "./status_file.ts";
import { BadMessage, listen, type ListenLimits, type Subscription } from "../bus/listening.ts";
import { consoleReporter } from "../delivery/console.ts";
import type { Message } from "../message/message.ts";
import { fitDumpLine } from "../message/fit_line.ts";
import { MAX_LINE_BYTES } from "../text/line_limit.ts";
import { type Delivered, fromDelivery, messageLabel } from "../message/wire.ts";
import { rejectLine } from "../message/rejects.ts";
import { say } from "../io/output.ts";
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
  "queue-type": {
    type: "string",
    arg: "TYPE",
    help: "with --queue-name: quorum (default: the broker dead-letters a message\n" +
      "that was delivered --delivery-limit times without an ack) or classic\n" +
      "(no delivery limit: a message that crashes the recorder comes back for\n" +
      "ever); a queue's type cannot change once it exists",
  },
  "delivery-limit": {
    type: "string",
    arg: "N",
    help: "quorum queue: deliveries without an ack before the broker moves a\n" +
      "message to the dead letters (x-delivery-limit; default 5)",
  },
  "dead-letter-queue": {
    type: "string",
    arg: "NAME",
    help: "with --queue-name: the queue the broker moves dead letters to (default\n" +
      "NAME.dead-letters; declared, and drained into the side file)",
  },
  output: {
    type: "string",
    arg: "PATH",
    help: "append lines to this file instead of stdout (synced before each\n" +
      "message is acknowledged); strftime fields %Y %m %d %H %M %S %j %F %%\n" +
      "(UTC) give one file a day; SIGHUP reopens it, and so does finding the\n" +
      "path moved or deleted; messages that cannot be recorded as a line go\n" +
      "to the side file PATH.rejects.jsonl (.jsonl replaced); as root, refused in\n" +
      "a directory another user owns (run as that user) or others may write to",
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
after its line is written and synced to --output. The queue is a quorum queue with a
delivery limit: a message that keeps taking the recorder down is moved by RabbitMQ to the
dead-letter queue (NAME.dead-letters), which the recorder drains (only with --output:
without it they are left in the queue): a good message into the day file, where report
counts it, any other into the side file. A line that cannot be written (disk full) holds
its message, unacknowledged, and is tried again until it is written: a failure of the
recorder's own never uses up a message's deliveries.
Every message acknowledged is kept: one that a line cannot hold (not a JSON object, NaN,
nested deeper than 64, not UTF-8; headers nested deeper than 64) and each other dead letter go
to the side file beside the day file (sync-D.rejects.jsonl: time, kind, reason, routing
key, id, properties, headers, body_base64), synced before the ack; 'busmsg report'
counts it (WARNING). Header values are recorded as sent (64-bit integers exact); where
JSON cannot hold one, the line's header_notes says what was written instead. A line is
at most 1 MiB, as report reads: the longest body strings of a larger message are cut, each
noted in header_notes. With --conf,
no binding means the config's [[bindings]], and [queues.NAME] says how NAME is declared
(flags beat it). A lost connection is opened again with back-off. SIGHUP reopens the
output file (logrotate), and so does finding it deleted or moved; SIGINT and SIGTERM end
the run after the current message.

${formatOptions(OPTIONS)}

Examples:
  busmsg listen --conf consumer.toml > day.jsonl;  busmsg report day.jsonl
  busmsg listen --pretty logging.stats.sync.#
  busmsg listen --queue-name busmsg-recorder --output '/var/log/busmsg/sync-%Y-%m-%d.jsonl'

Exit status: 0 when stopped by --count, --timeout, SIGINT, SIGTERM or a reader that closed
the pipe (listen | head -1; noticed within 200 ms, even with no message); 1 when a line
cannot be written; 111 when the connection is lost and not back within --timeout; 121 when
the broker refuses the queue; 2 usage or config, or a queue of that name that exists with
another type or arguments (a classic queue where a quorum one is asked for: the line names
the fix).`;

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
  // SIGHUP's default is to end the process: taken over before anything can be received.
  const early = holdHangups();
  try {
    return await listenWith(args, early);
  } finally {
    early.release();
  }
}

/** SIGHUPs that come before the output exists, remembered and passed on once it does. */
function holdHangups(): { release(): void; then(f: () => void): void } {
  let pending = false;
  let target: (() => void) | undefined;
  const listener = () => target ? target() : pending = true;
  Deno.addSignalListener("SIGHUP", listener);
  return {
    then(f) {
      target = f;
      if (pending) f();
      pending = false;
    },
    release: () => Deno.removeSignalListener("SIGHUP", listener),
  };
}

async function listenWith(
  args: string[],
  hangups: { then(f: () => void): void },
): Promise<number> {
  const { values, positionals } = parseCommand("listen", args, OPTIONS);
  for (const p of positionals) {
    if (p.includes("/") || /\.jsonl?$/.test(p)) {
      throw new UsageError(
        `"${p}" looks like a file, not a binding: to write to a file, use --output ${p}`,
      );
    }
  }
  const limits = limitsFrom(values);
  const config = await configFrom(values);
  if (values["app-name"] !== undefined) config.app = values["app-name"];
  const queue = values["queue-name"];
  const given = [...positionals, ...(values["routing-key"] ?? [])];
  const fromConfig = configBindings(config, queue);
  const subscription: Subscription = {
    bindings: given.length > 0 ? given : fromConfig?.keys ?? ["logging.stats.#"],
    ...(given.length === 0 && fromConfig ? { literal: true } : {}),
    ...(queue !== undefined ? { queue, ...queueDeclaration(values, config, queue) } : {}),
  };
  if (given.length === 0 && fromConfig) config.exchange = fromConfig.exchange;
  const output = values.output;
  // Only a recorder with a side file may take dead letters: on stderr they would be acked into
  // a journal, out of the report's reach. The queue is still declared with its dead letters, as
  // the recorder declares it; said at the end (a refusal stays one line).
  const leftDeadLetters = output === undefined ? subscription.deadLetters : undefined;
  if (leftDeadLetters !== undefined) {
    delete subscription.deadLetters;
    delete subscription.deadLetterArguments;
  }
  const sink = output === undefined ? stdoutSink() : fileSink(output);
  hangups.then(() => sink.reopen());
  const style = values.pretty ? prettyStyle(output !== undefined) : undefined;
  const format = (m: Message) => {
    if (style) return prettyLine(m, style) + "\n";
    // No longer than report reads: a huge failure text is cut, never a line report skips.
    const line = fitDumpLine(m);
    if (line === undefined) throw new Error(`longer than ${MAX_LINE_BYTES} bytes`);
    return line + "\n";
  };
  try {
    const code = await listen(config, subscription, limits, {
      readerGone: new Promise((resolve) => sink.whenReaderGone(resolve)),
      message: (m) => {
        let line: string;
        try {
          line = format(m);
        } catch (e) {
          throw new BadMessage(`cannot be written as a line: ${(e as Error).message}`);
        }
        return sink.write(line);
      },
      bad: (d, e) => {
        const where = sink.writeAside(rejectLine(d, "unparsable", e.message, new Date()) + "\n");
        say(printable(
          `${messageLabel(d.messageId)} on ${d.routingKey}: not recorded: ${e.message}; ` +
            `kept in ${where}`,
        ));
      },
      deadLetter: (dead) => {
        const why = deadLetterReason(dead);
        // Named by where it was first published, not by the dead-letter queue's key.
        const d = { ...dead, routingKey: firstRoutingKey(dead) ?? dead.routingKey };
        // A good message dead-lettered by a recorder's trouble (it kept dying before the ack) is
        // still an event: recorded as a line, where report counts it, not only kept aside.
        const line = recordable(d, config.topicPrefix);
        if (line !== undefined && sink.write(line + "\n")) {
          say(printable(`${messageLabel(d.messageId)} on ${d.routingKey}: ${why}; recorded`));
          return;
        }
        const where = sink.writeAside(rejectLine(d, "dead-letter", why, new Date()) + "\n");
        say(printable(
          `${messageLabel(d.messageId)} on ${d.routingKey}: ${why}; kept in ${where}`,
        ));
      },
    }, consoleReporter());
    if (leftDeadLetters !== undefined) {
      say(printable(
        `dead letters of "${queue}" were left in "${leftDeadLetters}" for a recorder with --output`,
      ));
    }
    return code;
  } catch (e) {
    if (output !== undefined) await noteFailure(output, e);
    throw e;
  } finally {
    sink.close();
  }
}

/** `d` as a dump line when it is a fedora-messaging message that fits one, else undefined. */
function recordable(d: Delivered, topicPrefix: string): string | undefined {
  try {
    return fitDumpLine(fromDelivery(d, topicPrefix));
  } catch {
    return undefined;
  }
}

/**
 * A recorder that ends for an error waiting will not heal leaves why beside its day files
 * (recorder.failed.json), for the status file: the unit stays failed, and monitoring says why.
 */
async function noteFailure(output: string, e: unknown): Promise<void> {
  if (!(e instanceof DeliveryError) || e.exitCode !== EXIT.PERMANENT) return;
  const dir = output.includes("/") ? output.slice(0, output.lastIndexOf("/")) || "/" : ".";
  const note = { time: new Date().toISOString(), code: e.exitCode, reason: e.message, fix: e.fix };
  await Deno.writeTextFile(`${dir}/${RECORDER_FAILED}`, JSON.stringify(note) + "\n")
    .catch(() => {/* the journal has it too */});
}

/** The routing key a dead letter was first published with (the broker's x-death record). */
function firstRoutingKey(d: Delivered): string | undefined {
  const deaths = d.headers?.["x-death"];
  const first = Array.isArray(deaths) ? deaths.at(-1) : undefined;
  const keys = (first as Record<string, unknown> | undefined)?.["routing-keys"];
  return Array.isArray(keys) && typeof keys[0] === "string" ? keys[0] : undefined;
}

/** Why the broker dead-lettered `d`, from the headers it added (x-first-death-*). */
function deadLetterReason(d: Delivered): string {
  const h = d.headers ?? {};
  const reason = h["x-first-death-reason"];
  const from = h["x-first-death-queue"];
  return `dead-lettered by the broker (${typeof reason === "string" ? reason : "reason unknown"}` +
    `${typeof from === "string" ? ` in queue ${from}` : ""})`;
}

/** The config's `[[bindings]]` for `queue` (all of them when none names it), if any. */
export function configBindings(
  config: Config,
  queue: string | undefined,
): { exchange: string; keys: string[] } | undefined {
  const named = config.bindings.filter((b) => queue !== undefined && b.queue === queue);
  const chosen = named.length > 0 ? named : config.bindings;
  if (chosen.length === 0) return undefined;
  const exchanges = [...new Set(chosen.map((b) => b.exchange))];
  if (exchanges.length > 1) {
    throw new UsageError(
      `${config.path}: [[bindings]] name several exchanges (${exchanges.join(", ")}): ` +
        "listen binds to one; give the bindings as arguments",
    );
  }
  return { exchange: exchanges[0]!, keys: chosen.flatMap((b) => b.routingKeys) };
}

const DEFAULT_DELIVERY_LIMIT = 5;

/**
 * How the named queue is declared: the config's `[queues.NAME]`, then the flags; a quorum
 * queue with a delivery limit and its dead letters unless told otherwise.
 */
export function queueDeclaration(
  values: {
    "queue-type"?: string | undefined;
    "delivery-limit"?: string | undefined;
    "dead-letter-queue"?: string | undefined;
  },
  config: Config,
  queue: string,
): Pick<Subscription, "declare" | "deadLetters" | "deadLetterArguments" | "prefetch"> {
  const settings = config.queues[queue] ?? {};
  const args: Record<string, unknown> = { ...settings.arguments };
  const type = values["queue-type"] ?? String(args["x-queue-type"] ?? "quorum");
  if (type !== "quorum" && type !== "classic") {
    throw new UsageError(`--queue-type: must be quorum or classic, got "${type}"`);
  }
  args["x-queue-type"] = type;
  const limitText = values["delivery-limit"];
  if (limitText !== undefined) {
    if (type !== "quorum") {
      throw new UsageError("--delivery-limit: only a quorum queue has one (--queue-type quorum)");
    }
    const n = Number(limitText);
    if (!/^\d+$/.test(limitText) || n < 1) {
      throw new UsageError(`--delivery-limit: must be a whole number above 0, got "${limitText}"`);
    }
    args["x-delivery-limit"] = n;
  } else if (type === "quorum") args["x-delivery-limit"] ??= DEFAULT_DELIVERY_LIMIT;
  const elsewhere = args["x-dead-letter-exchange"];
  // A classic queue has no delivery limit: nothing is dead-lettered unless the config says so.
  const noDeadLetters = type === "classic" && elsewhere === undefined;
  if (
    (noDeadLetters || (typeof elsewhere === "string" && elsewhere !== "")) &&
    values["dead-letter-queue"] === undefined
  ) {
    // The config sends dead letters to an exchange of its own: the admin drains them there.
    return { declare: { ...declared(settings), arguments: args } };
  }
  const deadLetters = values["dead-letter-queue"] ??
    (args["x-dead-letter-exchange"] === "" && typeof args["x-dead-letter-routing-key"] === "string"
      ? args["x-dead-letter-routing-key"]
      : `${queue}.dead-letters`);
  if (deadLetters === "" || deadLetters === queue) {
    throw new UsageError(`--dead-letter-queue: must be a queue name other than "${queue}"`);
  }
  // Through the default exchange, whose routing key is the queue's name: nothing to bind.
  args["x-dead-letter-exchange"] = "";
  args["x-dead-letter-routing-key"] = deadLetters;
  return {
    declare: { ...declared(settings), arguments: args },
    ...(type === "quorum" ? { prefetch: 1 } : {}),
    deadLetters,
    deadLetterArguments: { "x-queue-type": type },
  };
}

/** A `[queues.NAME]` table's flags, those it gives. */
function declared(settings: ConfigQueue): Omit<ConfigQueue, "arguments"> {
  return {
    ...(settings.durable !== undefined ? { durable: settings.durable } : {}),
    ...(settings.autoDelete !== undefined ? { autoDelete: settings.autoDelete } : {}),
    ...(settings.exclusive !== undefined ? { exclusive: settings.exclusive } : {}),
  };
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
