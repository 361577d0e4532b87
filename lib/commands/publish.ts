/** `busmsg publish`: dump lines from files or stdin, or one message from fields. */
import {
  BROKER_HELP,
  BROKER_OPTIONS,
  configFrom,
  parseCommand,
  sendOptionsFrom,
  SPOOL_HELP,
  SPOOL_OPTIONS,
} from "../cli.ts";
import type { Config } from "../config.ts";
import { EXIT, UsageError } from "../errors.ts";
import { parseFields } from "../fields.ts";
import { inputName } from "../input.ts";
import { checkedLines } from "../lines.ts";
import { type Draft, formatProblem, type Message } from "../message.ts";
import { out, say } from "../output.ts";
import { deliverAndReport, dryRun } from "../send.ts";
import { defaultsFor, messageFromFields, parsePriority, parseSeverity } from "../compose.ts";

export const HELP = `Usage:
  busmsg publish [options] FILE|-            publish dump lines (one JSON message per line)
  busmsg publish [options] --topic TOPIC [KEY[:TYPE]=VALUE ...]
                                             publish one message built from fields

Every line is checked before anything is sent: one bad line and nothing is published.
Dump lines are what 'fedora-messaging publish' reads: {"topic": ..., "body": {...}} with
optional "headers", "id", "priority", "queue". Missing ids, sent-at, severity and schema
are filled in as the Python client does. logging.stats.* bodies are checked against
their schemas ('busmsg schema').

Fields: TYPE is str (default), int, float, bool or json; any string is sent exactly.
  busmsg publish --topic logging.stats.merge.start run:int=3 note="tab\\there"

Options:
  --topic TOPIC        build one message from fields instead of reading dump lines
  --severity N         10 DEBUG, 20 INFO (default), 30 WARNING, 40 ERROR (with --topic)
  --priority N         AMQP priority 0..255 (with --topic; default publish_priority or 0)
  --host NAME          body "host" for logging.stats.* topics (default: this machine's FQDN)
${BROKER_HELP}
${SPOOL_HELP}

Prints "ID ROUTING_KEY" per published message. Exit: 0 published or spooled, 2 bad
input/usage/config, 75 spooled with --strict, 111 no connection or no confirm in time (and
not spooled), 121 refused by the broker, 1 other (e.g. login refused and not spooled).`;

const OPTIONS = {
  ...BROKER_OPTIONS,
  ...SPOOL_OPTIONS,
  topic: { type: "string" },
  severity: { type: "string" },
  priority: { type: "string" },
  host: { type: "string" },
} as const;

async function readAll(paths: string[], config: Config): Promise<Message[] | undefined> {
  const messages: Message[] = [];
  let bad = 0;
  for (const path of paths) {
    for await (const batch of checkedLines(path, () => defaultsFor(config))) {
      for (const { number, parsed } of batch) {
        if (parsed.message) messages.push(parsed.message);
        else {
          bad++;
          for (const p of parsed.problems) say(`${inputName(path)}:${number}: ${formatProblem(p)}`);
        }
      }
    }
  }
  if (bad > 0) {
    say(`${bad} bad line(s); nothing was published`);
    return undefined;
  }
  return messages;
}

/** Runs `busmsg publish`. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("publish", args, OPTIONS);
  if (values.help) {
    out(HELP + "\n");
    return EXIT.OK;
  }
  const severity = parseSeverity(values.severity);
  const priority = parsePriority(values.priority);
  const config = await configFrom(values);
  let messages: Message[];
  if (values.topic !== undefined) {
    const draft: Draft = {
      topic: values.topic,
      body: parseFields(positionals),
      headers: severity === undefined ? undefined : { fedora_messaging_severity: severity },
      priority,
    };
    messages = [messageFromFields(draft, defaultsFor(config), values.host)];
  } else {
    if (severity !== undefined || priority !== undefined || values.host !== undefined) {
      throw new UsageError("publish: --severity, --priority and --host go with --topic");
    }
    if (positionals.length === 0) {
      throw new UsageError("publish: give FILE, - for stdin, or --topic TOPIC");
    }
    const read = await readAll(positionals, config);
    if (!read) return EXIT.USAGE;
    messages = read;
  }
  if (values["dry-run"]) return dryRun(messages, config);
  return await deliverAndReport(messages, config, sendOptionsFrom(values, true));
}
