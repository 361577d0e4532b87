/**
 * The serialized fedora-messaging message ("dump" line): parse, check the envelope, fill in
 * what the Python client fills in. Pure: the clock and the id source are passed in.
 */
import { controlIn } from "../text/printable.ts";
import { utf8Length } from "../text/utf8.ts";
import {
  dumps,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  parseJson,
  PyFloat,
} from "./pyjson.ts";
import { flawIn } from "./limits.ts";

/** A message ready for the wire: every default filled in, headers in their final order. */
export interface Message {
  topic: string;
  body: JsonObject;
  headers: JsonObject;
  id: string;
  priority: number;
  /**
   * Header values a consumer recorded in another shape than sent (JSON cannot hold them), by
   * path: written as the dump line's `header_notes`.
   */
  notes?: Record<string, string>;
}

/** One thing wrong with an input, named by the field it is in. */
export interface Problem {
  field: string;
  message: string;
}

/** What the Python client would fill in, passed in so the model stays pure. */
export interface Defaults {
  /** `sent-at` for messages that do not bring one (see {@link formatSentAt}). */
  sentAt: string;
  /** A fresh message id. */
  newId: () => string;
  /** `publish_priority` from the configuration, if any. */
  priority?: number | undefined;
  /** `topic_prefix` from the configuration ("" for none). */
  topicPrefix: string;
  /** The AMQP frame size the header frame must fit (default: `FRAME_MAX` of wire.ts). */
  frameMax?: number | undefined;
}

/** What a message is built from before defaults: a parsed dump line or command-line fields. */
export interface Draft {
  topic: string;
  body: JsonObject;
  headers?: JsonObject | undefined;
  id?: string | undefined;
  priority?: number | null | undefined;
}

export const SEVERITIES = [10, 20, 30, 40] as const;

/** The severities by their fedora-messaging names (`fedora_messaging.message.DEBUG` ...). */
export const SEVERITY_LEVELS: Readonly<Record<string, number>> = {
  debug: 10,
  info: 20,
  warning: 30,
  error: 40,
};
export const INFO = 20;
const SCHEMA = "base.message";
const SCHEMA_PACKAGE = "fedora_messaging";
const MAX_SHORTSTR = 255;
const SENT_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const INT64 = 2n ** 63n;

/** `sent-at` as the Python client writes it: UTC, whole seconds, `+00:00`. */
export function formatSentAt(now: Date): string {
  return now.toISOString().slice(0, 19) + "+00:00";
}

/** The AMQP routing key: the topic behind the prefix (trailing dots of the prefix dropped). */
export function routingKey(topicPrefix: string, topic: string): string {
  const prefix = topicPrefix.replace(/\.+$/, "");
  return prefix ? `${prefix}.${topic}` : topic;
}

/** The topic with a configured prefix taken off again (for schemas and listeners). */
export function stripPrefix(topicPrefix: string, key: string): string {
  const prefix = topicPrefix.replace(/\.+$/, "");
  return prefix && key.startsWith(prefix + ".") ? key.slice(prefix.length + 1) : key;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof PyFloat) return `the float ${value.value}`;
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `the ${typeof value} ${String(value)}`;
}

// Only called on values that passed `flawIn`, so the recursion is bounded.
function checkHeaderValue(name: string, value: JsonValue, problems: Problem[]): void {
  const field = `headers.${name}`;
  if (value instanceof PyFloat) {
    problems.push({ field, message: `must not be a float (AMQP headers here carry integers)` });
  } else if (typeof value === "bigint" && (value < -INT64 || value >= INT64)) {
    problems.push({ field, message: "integer does not fit in 64 bits" });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkHeaderValue(`${name}[${i}]`, v, problems));
  } else if (isJsonObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      // A key in a nested table is an AMQP short string too.
      if (utf8Length(k) > MAX_SHORTSTR) {
        problems.push({ field, message: "key longer than 255 bytes" });
      } else checkHeaderValue(`${name}.${k}`, v, problems);
    }
  }
}

function checkHeaders(headers: JsonObject, problems: Problem[]): void {
  for (const [name, value] of Object.entries(headers)) {
    if (utf8Length(name) > MAX_SHORTSTR) {
      problems.push({ field: "headers", message: `header name longer than 255 bytes` });
      continue;
    }
    switch (name) {
      case "fedora_messaging_severity":
        if (typeof value !== "number" || !(SEVERITIES as readonly number[]).includes(value)) {
          problems.push({
            field: `headers.${name}`,
            message: `must be one of the integers 10, 20, 30, 40, got ${describe(value)}`,
          });
        }
        break;
      case "sent-at":
        if (typeof value !== "string") {
          problems.push({
            field: "headers.sent-at",
            message: `must be a string, got ${describe(value)}`,
          });
        } else if (!SENT_AT.test(value) || Number.isNaN(Date.parse(value))) {
          problems.push({
            field: "headers.sent-at",
            message: `must be an ISO 8601 time with offset like 2021-07-21T12:23:12+00:00, got ${
              JSON.stringify(value)
            }`,
          });
        }
        break;
      case "fedora_messaging_schema":
      case "fedora_messaging_schema_package":
        if (typeof value !== "string") {
          problems.push({
            field: `headers.${name}`,
            message: `must be a string, got ${describe(value)}`,
          });
        }
        break;
      default:
        checkHeaderValue(name, value, problems);
    }
  }
}

/** Adds a problem when `value` cannot be carried exactly (see `flawIn`); true when it can. */
function carriable(field: string, value: JsonValue, problems: Problem[]): boolean {
  const flaw = flawIn(value);
  if (flaw) problems.push({ field: field + flaw.path, message: flaw.message });
  return flaw === undefined;
}

/** Checks the envelope of a draft; returns every problem found. */
export function checkDraft(draft: Draft, topicPrefix: string): Problem[] {
  const problems: Problem[] = [];
  if (!carriable("topic", draft.topic, problems)) return problems;
  const control = controlIn(draft.topic);
  if (draft.topic === "") problems.push({ field: "topic", message: "must not be empty" });
  else if (control) {
    problems.push({ field: "topic", message: `contains the control character ${control}` });
  } else if (utf8Length(routingKey(topicPrefix, draft.topic)) > MAX_SHORTSTR) {
    problems.push({
      field: "topic",
      message: "routing key (topic with its prefix) is longer than 255 bytes",
    });
  }
  if (draft.id !== undefined && carriable("id", draft.id, problems)) {
    if (draft.id === "") problems.push({ field: "id", message: "must not be empty" });
    else if (utf8Length(draft.id) > MAX_SHORTSTR) {
      problems.push({ field: "id", message: "is longer than 255 bytes" });
    }
  }
  carriable("body", draft.body, problems);
  if (draft.headers && carriable("headers", draft.headers, problems)) {
    checkHeaders(draft.headers, problems);
  }
  return problems;
}

/**
 * Fills in what the Python client fills in: id, and the headers in its order (input keys
 * first, then schema, schema package, sent-at, severity, priority).
 */
export function complete(draft: Draft, defaults: Defaults): Message {
  const priority = draft.priority ?? defaults.priority ?? 0;
  const headers: JsonObject = { ...draft.headers };
  // The client names the class it used; with no class for these topics that is base.message.
  headers["fedora_messaging_schema"] = SCHEMA;
  headers["fedora_messaging_schema_package"] = SCHEMA_PACKAGE;
  headers["sent-at"] ??= defaults.sentAt;
  headers["fedora_messaging_severity"] ??= INFO;
  headers["priority"] = priority;
  return {
    topic: draft.topic,
    body: draft.body,
    headers,
    id: draft.id ?? defaults.newId(),
    priority,
  };
}

/** The result of reading one dump line: a message, or the problems that stop it. */
export type Parsed = { message: Message; problems: [] } | {
  message?: undefined;
  problems: Problem[];
};

/** Parses one dump line as `fedora-messaging publish` reads it, and completes it. */
export function parseDumpLine(line: string, defaults: Defaults): Parsed {
  if (line.trim() === "") return { problems: [{ field: "line", message: "is blank" }] };
  let value: JsonValue;
  try {
    value = parseJson(line);
  } catch (e) {
    return { problems: [{ field: "json", message: `invalid JSON: ${(e as Error).message}` }] };
  }
  if (!isJsonObject(value)) {
    return {
      problems: [{ field: "line", message: `must be a JSON object, got ${describe(value)}` }],
    };
  }
  const problems: Problem[] = [];
  const { topic, body, headers, id, priority } = value;
  if (topic === undefined) problems.push({ field: "topic", message: "is required" });
  else if (typeof topic !== "string") {
    problems.push({ field: "topic", message: `must be a string, got ${describe(topic)}` });
  }
  if (body === undefined) problems.push({ field: "body", message: "is required" });
  else if (!isJsonObject(body)) {
    problems.push({ field: "body", message: `must be a JSON object, got ${describe(body)}` });
  }
  // fedora-messaging refuses a null headers or id: absent is the way to say "none".
  if (headers !== undefined && !isJsonObject(headers)) {
    problems.push({ field: "headers", message: `must be a JSON object, got ${describe(headers)}` });
  }
  if (id !== undefined && typeof id !== "string") {
    problems.push({ field: "id", message: `must be a string, got ${describe(id)}` });
  }
  if (
    priority !== undefined && priority !== null &&
    (typeof priority !== "number" || !Number.isInteger(priority) || priority < 0 || priority > 255)
  ) {
    problems.push({
      field: "priority",
      message: `must be an integer 0..255, got ${describe(priority)}`,
    });
  }
  const queue = value["queue"];
  if (queue !== undefined && queue !== null && typeof queue !== "string") {
    problems.push({ field: "queue", message: `must be a string or null, got ${describe(queue)}` });
  }
  if (problems.length > 0) return { problems };
  const draft: Draft = {
    topic: topic as string,
    body: body as JsonObject,
    headers: headers as JsonObject | undefined,
    id: id as string | undefined,
    priority: priority as number | null | undefined,
  };
  const envelope = checkDraft(draft, defaults.topicPrefix);
  if (envelope.length > 0) return { problems: envelope };
  return { message: complete(draft, defaults), problems: [] };
}

/** The message as `fedora-messaging record` writes it: one line, keys sorted, UTF-8 kept. */
export function toDumpLine(message: Message): string {
  return dumps({
    body: message.body,
    headers: message.headers,
    id: message.id,
    priority: message.priority,
    queue: null,
    topic: message.topic,
    ...(message.notes ? { header_notes: message.notes } : {}),
  }, { sortKeys: true, ensureAscii: false });
}

/** A problem as one line: `FIELD: what is wrong`. */
export function formatProblem(p: Problem): string {
  return `${p.field}: ${p.message}`;
}
