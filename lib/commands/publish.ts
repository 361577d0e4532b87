/** `busmsg publish`: dump lines from files or stdin, or one message from fields. */
import { BROKER_HELP, BROKER_OPTIONS, configFrom, parseCommand } from "../cli.ts";
import type { Config } from "../config.ts";
import { EXIT, UsageError } from "../errors.ts";
import { parseFields } from "../fields.ts";
import { localFqdn } from "../host.ts";
import { inputName } from "../input.ts";
import { checkedLines } from "../lines.ts";
import {
  checkDraft,
  complete,
  type Defaults,
  type Draft,
  formatProblem,
  type Message,
  type Problem,
  SEVERITIES,
  stripPrefix,
} from "../message.ts";
import { out, say } from "../output.ts";
import type { JsonObject } from "../pyjson.ts";
import { checkBody, ROOT } from "../schemas.ts";
import { deliver, dryRun, reportFailures } from "../send.ts";

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

Prints "ID ROUTING_KEY" per published message. Exit: 0 published, 2 bad input/usage/config,
111 no connection or no confirm in time, 121 refused by the broker, 1 other.`;

const OPTIONS = {
  ...BROKER_OPTIONS,
  topic: { type: "string" },
  severity: { type: "string" },
  priority: { type: "string" },
  host: { type: "string" },
} as const;

/** The defaults a message is completed with, for one config. */
export function defaultsFor(config: Config): Defaults {
  return {
    now: new Date(),
    newId: () => crypto.randomUUID(),
    priority: config.priority,
    topicPrefix: config.topicPrefix,
  };
}

/** Parses `--severity`; undefined when not given. */
export function parseSeverity(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(SEVERITIES as readonly number[]).includes(n)) {
    throw new UsageError(`--severity: must be 10, 20, 30 or 40, got "${text}"`);
  }
  return n;
}

/** Parses `--priority`; undefined when not given. */
export function parsePriority(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 255) {
    throw new UsageError(`--priority: must be an integer 0..255, got "${text}"`);
  }
  return n;
}

/** Throws one usage error listing every problem of a message built from options. */
export function failOnProblems(problems: Problem[], what: string): void {
  if (problems.length > 0) {
    throw new UsageError(`${what}: ${problems.map(formatProblem).join("; ")}`);
  }
}

/**
 * A message from options and fields; logging.stats bodies get `host` (first) when missing
 * and are checked against their schema before anything connects.
 */
export function messageFromFields(
  draft: Draft,
  defaults: Defaults,
  host: string | undefined,
): Message {
  const topic = stripPrefix(defaults.topicPrefix, draft.topic);
  let body: JsonObject = draft.body;
  if ((topic === ROOT || topic.startsWith(ROOT + ".")) && !("host" in body)) {
    body = { host: host ?? localFqdn(), ...body };
  }
  const full = { ...draft, body };
  failOnProblems(
    [...checkDraft(full, defaults.topicPrefix), ...checkBody(topic, body)],
    draft.topic,
  );
  return complete(full, defaults);
}

/** Sends messages, or prints them with `--dry-run`; prints "ID ROUTING_KEY" per message. */
export async function sendAndReport(
  messages: Message[],
  config: Config,
  dry: boolean,
): Promise<number> {
  if (dry) return dryRun(messages, config);
  const deliveries = await deliver(messages, config);
  out(
    deliveries.filter((d) => d.outcome.ok).map((d) => `${d.message.id} ${d.routingKey}\n`).join(""),
  );
  return reportFailures(deliveries);
}

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
  return await sendAndReport(messages, config, values["dry-run"] ?? false);
}
