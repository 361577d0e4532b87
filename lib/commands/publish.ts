/** `busmsg publish`: dump lines from files or stdin, or one message from fields. */
import { configFrom, parseCommand, sendOptionsFrom } from "../cli/options.ts";
import {
  BROKER_OPTIONS,
  formatOptions,
  HELP_OPTION,
  OUTPUT_OPTIONS,
  SPOOL_OPTIONS,
} from "../cli/option_table.ts";
import { type Reporter, reporterFor } from "../delivery/outcomes.ts";
import type { Config } from "../config.ts";
import { EXIT, UsageError } from "../errors.ts";
import { parseFields } from "../message/fields.ts";
import { helperBody } from "../message/helper_words.ts";
import { checkedLines, uncheckedWarner } from "../message/lines.ts";
import { type Draft, formatProblem, type Message } from "../message/message.ts";
import { note, say } from "../io/output.ts";
import { deliverAndReport, dryRun } from "../delivery/send.ts";
import { inBatches, type Sized } from "../delivery/batches.ts";
import { Interruption } from "../io/interrupt.ts";
import { Progress } from "../io/progress.ts";
import {
  inputName,
  type PrivateCopy,
  privateCopy,
  readLineBatches,
  sayReadingStdin,
  stdinOnce,
} from "../io/input.ts";
import {
  defaultsFor,
  messageFromFields,
  parsePriority,
  parseSeverity,
} from "../message/compose.ts";

/** The options of `busmsg publish`. */
export const OPTIONS = {
  topic: {
    type: "string",
    arg: "TOPIC",
    help: "build one message from fields instead of reading dump lines",
  },
  severity: {
    type: "string",
    arg: "LEVEL",
    help: "debug (10), info (20, default), warning (30) or error (40) (with --topic)",
  },
  priority: {
    type: "string",
    arg: "N",
    help: "AMQP priority 0..255 (with --topic; default publish_priority or 0)",
  },
  host: {
    type: "string",
    arg: "NAME",
    help: 'body "host" (default for the sync.* and debug.* topics: this machine\'s FQDN)',
  },
  "helper-words": {
    type: "boolean",
    help: "with --topic: the fields are simple_message_to_bus WORDs, by its rules\n" +
      "(a word without = is its own key and value; :int unquoted; the last\n" +
      "word of a key wins; no host added): the drop-in's way; give them after --",
  },
  stream: {
    type: "boolean",
    help: "for live pipes (cmd | busmsg publish --stream -): publish each line as\n" +
      "it arrives; bad lines are reported and skipped (exit 2 at the end)",
  },
  ...BROKER_OPTIONS,
  ...SPOOL_OPTIONS,
  ...OUTPUT_OPTIONS,
  ...HELP_OPTION,
} as const;

export const HELP = `Usage:
  busmsg publish [options] FILE|-            publish dump lines (one JSON message per line)
  busmsg publish [options] --topic TOPIC [KEY[:TYPE]=VALUE ...]
                                             publish one message built from fields

Every line is checked before anything is sent: one bad line and nothing is published.
Dump lines are what 'fedora-messaging publish' reads: {"topic": ..., "body": {...}} with
optional "headers", "id", "priority", "queue". Missing ids, sent-at, severity and schema
are filled in as the Python client does. logging.stats.* bodies are checked against
their schemas ('busmsg schema --list'); a logging.stats topic that no schema knows is
sent unchecked with one warning on stderr, unless it is a likely misspelling of a known
topic (refused, naming it). Under logging.stats.sync every event must be known.

Fields: TYPE is str (default), int, float, bool or json; any string is sent exactly.

${formatOptions(OPTIONS)}

Examples:
  busmsg publish messages.jsonl
  busmsg publish --topic logging.stats.merge.start run:int=3 note="tab\there"
  long_running_command | busmsg publish --stream -

Prints "ID ROUTING_KEY" per published message (--json: one object per message).
Exit status: 0 published or spooled, 2 bad input/usage/config, 75 spooled with --strict,
111 no connection or no confirm in time (and not spooled), 121 refused by the broker,
1 other (e.g. login refused and not spooled).`;

/** An input, the name its problems are reported under, and its private copy. */
interface Input extends PrivateCopy {
  path: string;
  name: string;
}

/** Where each message came from (`FILE:LINE`), to name it when the broker refuses it. */
const origins = new WeakMap<Message, string>();
const originOf = (m: Message) => origins.get(m);

/**
 * Inputs of at most this many messages and bytes are kept from the check to the send; larger
 * ones are read twice (from their private copy), so that memory never grows with the input.
 */
const KEEP = 20_000;
const KEEP_BYTES = 4 * 1024 * 1024;

/** First pass: every line checked, every problem said; the messages kept when there are few. */
async function checkAll(
  inputs: Input[],
  config: Config,
  unchecked: (m: Message) => void,
): Promise<{ bad: number; count: number; kept?: Sized[] }> {
  let kept: Sized[] | undefined = [];
  let bad = 0, count = 0, bytes = 0;
  const progress = Progress.start("checking");
  for (const input of inputs) {
    const lines = checkedLines(
      readLineBatches(input.path, input.readers[0]),
      () => defaultsFor(config),
    );
    for await (const batch of lines) {
      for (const { number, parsed, size } of batch) {
        if (parsed.message) {
          unchecked(parsed.message);
          count++;
          bytes += size;
          if (kept) origins.set(parsed.message, `${input.name}:${number}`);
          kept?.push({ message: parsed.message, size });
          if (count > KEEP || bytes > KEEP_BYTES) kept = undefined;
        } else {
          bad++;
          for (const p of parsed.problems) say(`${input.name}:${number}: ${formatProblem(p)}`);
        }
      }
      progress?.update(count + bad);
    }
  }
  progress?.clear();
  return kept ? { bad, count, kept } : { bad, count };
}

/** Second pass over inputs too large to keep: the same copies, read again as a stream. */
async function* reread(inputs: Input[], config: Config): AsyncGenerator<Sized> {
  for (const input of inputs) {
    const lines = checkedLines(
      readLineBatches(input.path, input.readers[1]),
      () => defaultsFor(config),
    );
    for await (const batch of lines) {
      for (const { number, parsed, size } of batch) {
        // Cannot happen (nothing else can reach the copy); not a usage error: some went out.
        if (!parsed.message) {
          throw new Error(`${input.name}:${number}: differs from what was checked`);
        }
        origins.set(parsed.message, `${input.name}:${number}`);
        yield { message: parsed.message, size };
      }
    }
  }
}

/** `--stream`: each line published as it arrives; bad lines said and skipped. */
async function stream(
  config: Config,
  values: Parameters<typeof sendOptionsFrom>[0],
  report: Reporter,
  dry: boolean,
  unchecked: (m: Message) => void,
): Promise<number> {
  let bad = 0;
  async function* arriving(): AsyncGenerator<Message[]> {
    for await (const batch of checkedLines(readLineBatches("-"), () => defaultsFor(config))) {
      const good: Message[] = [];
      for (const { number, parsed } of batch) {
        if (parsed.message) {
          unchecked(parsed.message);
          origins.set(parsed.message, `<stdin>:${number}`);
          good.push(parsed.message);
        } else {
          bad++;
          for (const p of parsed.problems) say(`<stdin>:${number}: ${formatProblem(p)}`);
        }
      }
      yield good;
    }
  }
  const code = dry ? await dryRun(arriving(), config) : await deliverAndReport(arriving(), config, {
    ...sendOptionsFrom(values, report),
    originOf,
    reconnect: true,
  });
  if (bad === 0) return code;
  say(`${bad} bad line(s) skipped`);
  return code === EXIT.OK ? EXIT.USAGE : code;
}

/** Says which files grew after they were copied: what was added was not published. */
async function sayGrown(inputs: Input[]): Promise<void> {
  for (const { path, name, bytes } of inputs) {
    if (path === "-") continue;
    const size = await Deno.stat(path).then((i) => i.size, () => 0);
    if (size > bytes) note(`${name}: grew after it was read; what was added was not published`);
  }
}

/** Closes what is still open of the copies (a stream read to its end closes its handle). */
function closeCopies(inputs: Input[]): void {
  for (const input of inputs) input.close();
}

/** Runs `busmsg publish`. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("publish", args, OPTIONS);
  const report = reporterFor(values, true);
  const severity = parseSeverity(values.severity);
  const priority = parsePriority(values.priority);
  const config = await configFrom(values);
  const dry = values["dry-run"] ?? false;
  // A logging.stats topic no schema knows is sent, and said once on stderr.
  const unchecked = uncheckedWarner(config.topicPrefix, (text) => note(`warning: ${text}`));
  if (values.topic !== undefined) {
    if (values.stream) {
      throw new UsageError("publish: --stream reads dump lines from stdin, not --topic");
    }
    const draft: Draft = {
      topic: values.topic,
      body: values["helper-words"] ? helperBody(positionals) : parseFields(positionals),
      headers: severity === undefined ? undefined : { fedora_messaging_severity: severity },
      priority,
    };
    const message = messageFromFields(
      draft,
      defaultsFor(config),
      values.host,
      !values["helper-words"],
    );
    unchecked(message);
    if (dry) return await dryRun([[message]], config);
    return await deliverAndReport([[message]], config, sendOptionsFrom(values, report));
  }
  if (
    severity !== undefined || priority !== undefined || values.host !== undefined ||
    values["helper-words"]
  ) {
    throw new UsageError(
      "publish: --severity, --priority, --host and --helper-words go with --topic",
    );
  }
  if (values.stream) {
    if (positionals.length !== 1 || positionals[0] !== "-") {
      throw new UsageError("publish: --stream reads -, stdin");
    }
    sayReadingStdin("dump lines (one JSON message per line)");
    return await stream(config, values, report, dry, unchecked);
  }
  if (positionals.length === 0) {
    throw new UsageError("publish: give FILE, - for stdin, or --topic TOPIC");
  }
  stdinOnce("publish", positionals);
  const inputs: Input[] = [];
  // Installed before reading, so that a signal while stdin is read loses nothing: the input
  // ends at its last whole line, and what was read is spooled like any unconfirmed message.
  const interruption = dry ? undefined : new Interruption();
  try {
    for (const path of positionals) {
      if (path === "-") sayReadingStdin("dump lines (one JSON message per line)");
      inputs.push({
        path,
        name: inputName(path),
        ...await privateCopy(path, KEEP_BYTES, interruption?.signalled),
      });
    }
    const checked = await checkAll(inputs, config, unchecked);
    if (checked.bad > 0) {
      say(`${checked.bad} bad line(s); nothing was published`);
      return EXIT.USAGE;
    }
    const messages = checked.kept ?? reread(inputs, config);
    const progress = dry ? undefined : Progress.start("publishing", checked.count);
    const code = dry
      ? await dryRun(inBatches(messages), config)
      : await deliverAndReport(inBatches(messages), config, {
        ...sendOptionsFrom(values, report),
        originOf,
        progress,
      }, interruption);
    await sayGrown(inputs);
    return code;
  } finally {
    interruption?.dispose();
    closeCopies(inputs);
  }
}
