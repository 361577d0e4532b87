/** `busmsg validate`: check dump lines against the envelope rules and topic schemas, offline. */
import { parseCommand } from "../cli/options.ts";
import { formatOptions, HELP_OPTION } from "../cli/option_table.ts";
import { loadConfig } from "../config.ts";
import { frameMaxOf } from "../message/wire.ts";
import { EXIT } from "../errors.ts";
import { inputName, readLineBatches, sayReadingStdin, stdinOnce } from "../io/input.ts";
import { checkedLines, uncheckedText, uncheckedTopicOf } from "../message/lines.ts";
import { type Defaults, formatSentAt } from "../message/message.ts";
import { out, say } from "../io/output.ts";
import { Progress } from "../io/progress.ts";

/** The options of `busmsg validate`. */
export const OPTIONS = {
  json: {
    type: "boolean",
    help: 'one JSON object per problem: {"file", "line", "field", "message"}',
  },
  conf: {
    type: "string",
    arg: "PATH",
    help: "read topic_prefix and the URL's frameMax from this config (no config is read otherwise)",
  },
  strict: {
    type: "boolean",
    help: "a logging.stats topic that no schema knows is an error, not a warning",
  },
  "topic-prefix": {
    type: "string",
    arg: "P",
    help: "the topic prefix, for routing-key length and schema topics",
  },
  ...HELP_OPTION,
} as const;

export const HELP = `Usage: busmsg validate [options] [FILE|-]...

Checks dump lines (what 'busmsg publish' and 'fedora-messaging publish' read) without any
broker: the envelope (topic, body, headers, id, priority) and, for logging.stats.* topics,
the topic schemas. Reads stdin when no FILE is given. Files are read as streams.

Prints one line per problem on stdout, FILE:LINE: FIELD: problem (all of them), and a
summary on stderr. A logging.stats topic that no schema knows (and that is no likely
misspelling of a known one) is what publish sends with a warning: a warning on stderr,
FILE:LINE: topic: ..., once per topic (exit 0); with --strict, a problem.

${formatOptions(OPTIONS)}

Examples:
  busmsg validate day.jsonl
  busmsg listen --count 100 | busmsg validate --json

Exit status: 0 when every line is valid (warnings or not), 2 otherwise.`;

/** Runs `busmsg validate`. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("validate", args, OPTIONS);
  let topicPrefix = values["topic-prefix"] ?? "";
  let frameMax: number | undefined;
  if (values.conf !== undefined) {
    const config = await loadConfig({ conf: values.conf }, () => undefined);
    topicPrefix = values["topic-prefix"] ?? config.topicPrefix;
    frameMax = frameMaxOf(config.amqpUrl);
  }
  // Ids and times are filled in but never shown: validation does not depend on them (an id
  // as long as a UUID, for the header frame's size).
  const sentAt = formatSentAt(new Date());
  const id = crypto.randomUUID();
  const defaults = (): Defaults => ({ sentAt, newId: () => id, topicPrefix, frameMax });
  let lines = 0, badLines = 0, problems = 0, warnings = 0;
  const warned = new Set<string>();
  const paths = positionals.length > 0 ? positionals : ["-"];
  stdinOnce("validate", paths);
  const progress = Progress.start("validating");
  for (const path of paths) {
    const name = inputName(path);
    if (path === "-") sayReadingStdin("dump lines to check");
    for await (const batch of checkedLines(readLineBatches(path), defaults)) {
      let text = "";
      for (const { number, parsed } of batch) {
        lines++;
        const unchecked = parsed.message && uncheckedTopicOf(parsed.message, topicPrefix);
        if (parsed.message && !(unchecked && values.strict)) {
          if (unchecked && !warned.has(unchecked) && warned.size < 1000) {
            warned.add(unchecked);
            warnings++;
            say(`${name}:${number}: warning: ${uncheckedText(unchecked)}`);
          }
          continue;
        }
        badLines++;
        const found = unchecked
          ? [{ field: "topic", message: `${uncheckedText(unchecked)} (--strict)` }]
          : parsed.problems;
        for (const p of found) {
          problems++;
          text += values.json
            ? JSON.stringify({ file: name, line: number, field: p.field, message: p.message }) +
              "\n"
            : `${name}:${number}: ${p.field}: ${p.message}\n`;
        }
      }
      out(text);
      progress?.update(lines);
    }
  }
  progress?.clear();
  const warningText = warnings > 0 ? `, ${warnings} topic(s) without a schema` : "";
  say(
    badLines === 0
      ? `${lines} line(s) valid${warningText}`
      : `${badLines} of ${lines} line(s) invalid (${problems} problem(s))${warningText}`,
  );
  return badLines === 0 ? EXIT.OK : EXIT.USAGE;
}
