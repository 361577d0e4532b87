/**
 * Building one message from command-line options and fields (publish --topic, sync-event,
 * test-message): defaults, host, severity and priority options, and every check before
 * anything connects.
 */
import { controlIn } from "../text/printable.ts";
import { frameMaxOf } from "./wire.ts";
import { UsageError } from "../errors.ts";
import { localFqdn } from "./host.ts";
import {
  checkDraft,
  complete,
  type Defaults,
  type Draft,
  formatProblem,
  formatSentAt,
  type Message,
  SEVERITIES,
  SEVERITY_LEVELS,
  stripPrefix,
} from "./message.ts";
import type { JsonObject } from "./pyjson.ts";
import { checkBody, requiredFields, ruleFor } from "./schemas.ts";

/** What of a config a message's defaults come from. */
export interface DefaultsSource {
  priority: number | undefined;
  topicPrefix: string;
  amqpUrl: string;
}

/** The defaults a message is completed with, for one config. */
export function defaultsFor(config: DefaultsSource): Defaults {
  return {
    sentAt: formatSentAt(new Date()),
    newId: () => crypto.randomUUID(),
    priority: config.priority,
    topicPrefix: config.topicPrefix,
    frameMax: frameMaxOf(config.amqpUrl),
  };
}

/** Whether a topic's schema requires `host` (the shell jobs' send `loghost` instead). */
function needsHost(rule: ReturnType<typeof ruleFor>): boolean {
  return typeof rule === "object" && requiredFields(rule).some((f) => f.includes("host"));
}

/** Parses `--severity`, a number or a level name; undefined when not given. */
export function parseSeverity(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = SEVERITY_LEVELS[text.toLowerCase()] ?? Number(text);
  if (!(SEVERITIES as readonly number[]).includes(n)) {
    // Python's CRITICAL (50) is a logging level, not a message severity: the schema refuses it.
    throw new UsageError(
      `--severity: must be debug (10), info (20), warning (30) or error (40), got "${text}"`,
    );
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

/**
 * A message from options and fields; logging.stats bodies whose schema requires `host` (the
 * sync and debug families) get it first when missing, or wherever `--host` is given; bodies
 * get their family's default severity, and are checked before anything connects. `addHost`
 * false: the body is sent as built (the helper's words, which never carry `host`).
 */
export function messageFromFields(
  draft: Draft,
  defaults: Defaults,
  host: string | undefined,
  addHost = true,
): Message {
  const topic = stripPrefix(defaults.topicPrefix, draft.topic);
  const rule = ruleFor(topic);
  let body: JsonObject = draft.body;
  let headers = draft.headers;
  if (rule !== undefined) {
    if (!("host" in body) && (host !== undefined || (addHost && needsHost(rule)))) {
      body = { host: host ?? localFqdn(), ...body };
    }
    // The family's severity (debug 10, skip/retry 30, final 40) unless the caller chose one.
    if (typeof rule === "object" && headers?.["fedora_messaging_severity"] === undefined) {
      headers = { ...headers, fedora_messaging_severity: rule.severity };
    }
  }
  const full = { ...draft, body, headers };
  const problems = [...checkDraft(full, defaults.topicPrefix), ...checkBody(topic, body)];
  if (problems.length > 0) {
    // A topic with a control character is named quoted, so that it cannot forge a line.
    const name = controlIn(draft.topic) ? JSON.stringify(draft.topic) : draft.topic;
    throw new UsageError(`${name}: ${problems.map(formatProblem).join("; ")}`);
  }
  return complete(full, defaults);
}
