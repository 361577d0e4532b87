/**
 * Dump lines checked end to end: envelope (message model) and, for logging.stats topics, the
 * topic schema. Shared by `publish FILE` and `validate`, so they can never disagree.
 */
import { readLineBatches } from "../cli/input.ts";
import { headerProblems } from "../bus/wire.ts";
import { type Defaults, type Parsed, parseDumpLine, stripPrefix } from "./message.ts";
import { checkBody, familyTopic } from "./schemas.ts";

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

/** Reads and checks every line of `path` (`-` for stdin; `opened` instead when given), in batches. */
export async function* checkedLines(
  path: string,
  defaults: () => Defaults,
  opened?: ReadableStream<Uint8Array>,
): AsyncGenerator<CheckedLine[]> {
  for await (const batch of readLineBatches(path, opened)) {
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
