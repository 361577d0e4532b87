/**
 * Dump lines checked end to end: envelope (message model) and, for logging.stats topics, the
 * topic schema. Shared by `publish FILE` and `validate`, so they can never disagree.
 */
import { headerProblems } from "./wire.ts";
import { type Defaults, type Message, type Parsed, parseDumpLine, stripPrefix } from "./message.ts";
import { checkBody, familyTopic, uncheckedTopic } from "./schemas.ts";

/** Parses one dump line, checks its body against its topic's schema and that AMQP can carry it. */
export function parseAndCheck(text: string, defaults: Defaults): Parsed {
  const parsed = parseDumpLine(text, defaults);
  if (!parsed.message) return parsed;
  const problems = [
    ...checkBody(
      familyTopic(stripPrefix(defaults.topicPrefix, parsed.message.topic)),
      parsed.message.body,
    ),
    ...headerProblems(parsed.message, defaults.frameMax),
  ];
  return problems.length > 0 ? { problems } : parsed;
}

/** One checked line of an input. */
export interface CheckedLine {
  number: number;
  parsed: Parsed;
  /** The line's length, which bounds what its message weighs in memory and on the wire. */
  size: number;
}

/** A line as read from an input: its text, or why it could not be read (e.g. not UTF-8). */
export interface RawLine {
  number: number;
  text?: string | undefined;
  error?: string | undefined;
}

/**
 * Checks every line of `batches` (an input read by `readLineBatches`), batch by batch; the
 * defaults are asked for once per batch. Reading stays with the caller: this module is pure.
 */
export async function* checkedLines(
  batches: AsyncIterable<RawLine[]>,
  defaults: () => Defaults,
): AsyncGenerator<CheckedLine[]> {
  for await (const batch of batches) {
    const d = defaults();
    yield batch.map((line) => ({
      number: line.number,
      size: line.text?.length ?? 0,
      parsed: line.text === undefined
        ? { problems: [{ field: "line", message: line.error ?? "unreadable" }] }
        : parseAndCheck(line.text, d),
    }));
  }
}

/**
 * The logging.stats topic of a message that no schema checks (sent with a warning, see
 * `uncheckedTopic`), else undefined.
 */
export function uncheckedTopicOf(message: Message, topicPrefix: string): string | undefined {
  const topic = familyTopic(stripPrefix(topicPrefix, message.topic));
  return uncheckedTopic(topic) ? topic : undefined;
}

/** What is said of such a topic, once per run. */
export function uncheckedText(topic: string): string {
  return `no schema knows the logging.stats topic "${topic}": its body is not checked ` +
    "(busmsg schema --list)";
}

/** A function that says `uncheckedText` of each unchecked topic the first time it is seen. */
export function uncheckedWarner(
  topicPrefix: string,
  warn: (text: string) => void,
): (message: Message) => void {
  const warned = new Set<string>();
  return (message) => {
    const topic = uncheckedTopicOf(message, topicPrefix);
    // Bounded: a file of endless distinct topics says the first thousand.
    if (topic === undefined || warned.has(topic) || warned.size >= 1000) return;
    warned.add(topic);
    warn(uncheckedText(topic));
  };
}
