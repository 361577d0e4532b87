/**
 * AMQP encoding of a message exactly as fedora-messaging's Python client puts it on the wire:
 * routing key, the six basic properties, int32 header integers, a `json.dumps` body. Pure.
 */
import { utf8Length } from "../text/utf8.ts";
import { type Message, type Problem, routingKey, stripPrefix } from "./message.ts";
import {
  dumps,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  parseJson,
  PyFloat,
} from "./pyjson.ts";
import { flawIn, MAX_DEPTH } from "./limits.ts";

/** An AMQP field value in amqplib's notation (`{"!": type, value}` pins the wire type). */
export type FieldValue =
  | null
  | boolean
  | string
  | { "!": "int32" | "int64"; value: number | bigint }
  | FieldValue[]
  | { [key: string]: FieldValue };

/** The Basic.Publish arguments and content of one message. */
export interface Publication {
  exchange: string;
  routingKey: string;
  body: Uint8Array;
  properties: {
    contentType: "application/json";
    contentEncoding: "utf-8";
    deliveryMode: 2;
    priority: number;
    messageId: string;
    headers: Record<string, FieldValue>;
  };
}

const encoder = new TextEncoder();

// The Python client (pika) writes every integer that fits as a signed 32-bit `I`.
function fieldValue(v: JsonValue): FieldValue {
  switch (typeof v) {
    case "number":
      return v >= -(2 ** 31) && v < 2 ** 31
        ? { "!": "int32", value: v }
        : { "!": "int64", value: BigInt(v) };
    case "bigint":
      return { "!": "int64", value: v };
    case "string":
    case "boolean":
      return v;
  }
  if (v === null) return null;
  if (Array.isArray(v)) return v.map(fieldValue);
  if (isJsonObject(v)) return toTable(v);
  // Floats are refused by the message model before they get here.
  throw new TypeError(`Header value cannot be sent: ${String(v)}`);
}

function toTable(obj: JsonObject): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = fieldValue(v);
  return out;
}

/**
 * The frame size the connection will have: what busmsg proposes (amqplib's default, which is
 * also pika's, or `?frameMax=` of the URL; 0 proposes none) and RabbitMQ grants by default.
 * A broker configured for smaller frames is not known before connecting.
 */
export const FRAME_MAX = 131072;

// amqplib encodes a header table into a fixed buffer of this size (its codec's SCRATCH).
const TABLE_MAX = 65536;
// Frame header, class, weight, body size, property flags, frame end; then the properties
// other than the headers: content type and encoding, delivery mode, priority, message id.
const FRAME_FIXED = 7 + 12 + 2 + 1 + (1 + 16) + (1 + 5) + 1 + 1 + 1;

function fieldSize(v: FieldValue): number {
  if (v === null) return 1;
  switch (typeof v) {
    case "boolean":
      return 2;
    case "string":
      return 5 + utf8Length(v);
  }
  if (Array.isArray(v)) return 5 + v.reduce((n: number, x) => n + fieldSize(x), 0);
  if ("!" in v) return v["!"] === "int32" ? 5 : 9;
  return 1 + tableSize(v as Record<string, FieldValue>);
}

function tableSize(t: Record<string, FieldValue>): number {
  let n = 4;
  for (const [k, v] of Object.entries(t)) n += 1 + utf8Length(k) + fieldSize(v);
  return n;
}

/** The effective frame size for an AMQP URL (see {@link FRAME_MAX}). */
export function frameMaxOf(amqpUrl: string): number {
  const asked = Number(new URL(amqpUrl).searchParams.get("frameMax") ?? 0) || FRAME_MAX;
  return Math.min(asked, FRAME_MAX);
}

/**
 * Why the message's content header cannot go on the wire, if it cannot: a header table larger
 * than amqplib can encode, or a header frame larger than the frame size. The one check
 * `validate`, `publish` and the spool share, so that what validates can be sent.
 */
export function headerProblems(message: Message, frameMax = FRAME_MAX): Problem[] {
  const table = tableSize(toTable(message.headers));
  if (table > TABLE_MAX) {
    return [{
      field: "headers",
      message: `too large for AMQP: ${table} bytes encoded, amqplib's limit is ${TABLE_MAX}`,
    }];
  }
  const frame = FRAME_FIXED + table + utf8Length(message.id);
  if (frame > frameMax) {
    return [{
      field: "headers",
      message: `too large for AMQP: the header frame would be ${frame} bytes, ` +
        `the frame size is ${frameMax}`,
    }];
  }
  return [];
}

/** The body bytes: Python's `json.dumps(body)` (ASCII with `\uXXXX` escapes) as UTF-8. */
export function encodeBody(body: JsonObject): Uint8Array {
  return encoder.encode(dumps(body));
}

/** Everything the transport needs to publish one message. */
export function toPublication(
  message: Message,
  exchange: string,
  topicPrefix: string,
): Publication {
  return {
    exchange,
    routingKey: routingKey(topicPrefix, message.topic),
    body: encodeBody(message.body),
    properties: {
      contentType: "application/json",
      contentEncoding: "utf-8",
      deliveryMode: 2,
      priority: message.priority,
      messageId: message.id,
      headers: toTable(message.headers),
    },
  };
}

/**
 * How lines name a message: `message ID`, or `message without an id` when it has none (an AMQP
 * message need not carry one); an id that is not a string is shown as JSON would show it.
 */
export function messageLabel(id: unknown): string {
  if (id === undefined || id === null || id === "") return "message without an id";
  return `message ${typeof id === "string" ? id : safeString(id)}`;
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => typeof v === "bigint" ? String(v) : v) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A message as a consumer received it: the delivery's fields, its properties, its content. */
export interface Delivered {
  routingKey: string;
  /** The exchange it was published to ("" for the default exchange). */
  exchange?: string;
  /** The broker delivered it before (to a consumer that did not acknowledge it). */
  redelivered?: boolean;
  messageId?: unknown;
  priority?: unknown;
  headers?: Record<string, unknown> | undefined;
  /** Every other basic property that decoded (content type, timestamp, ...). */
  properties?: Record<string, unknown>;
  /** Header values recorded in another shape than sent, by path (see bus/header_table.ts). */
  headerNotes?: Record<string, string>;
  /** Why the content header could not be decoded in full (the headers are what decoded). */
  headerProblem?: string;
  content: Uint8Array;
}

/** Header values as JSON; deeper than {@link MAX_DEPTH} is refused, as publish refuses it. */
function headerJson(v: unknown, depth = 1): JsonValue {
  if (v === null || v === undefined) return null;
  if (
    typeof v === "string" || typeof v === "boolean" || typeof v === "number" ||
    typeof v === "bigint" || v instanceof PyFloat
  ) return v;
  if (depth > MAX_DEPTH) throw new SyntaxError(`headers: nested deeper than ${MAX_DEPTH} levels`);
  if (v instanceof Uint8Array) return new TextDecoder("utf-8", { ignoreBOM: true }).decode(v);
  if (Array.isArray(v)) return v.map((x) => headerJson(x, depth + 1));
  if (typeof v === "object") {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = headerJson(x, depth + 1);
    return out;
  }
  return String(v);
}

/**
 * The message a consumer got, back in the message model (topic without the prefix), so it
 * can be printed as a dump line. Throws `SyntaxError` when the body is not a JSON object that
 * busmsg can carry (see `flawIn`).
 */
export function fromDelivery(d: Delivered, topicPrefix: string): Message {
  let text: string;
  try {
    // A leading U+FEFF is the body's (JSON has no BOM: such a body is not a JSON object).
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(d.content);
  } catch {
    throw new SyntaxError("body is not UTF-8 text");
  }
  const body = parseJson(text);
  if (!isJsonObject(body)) throw new SyntaxError("body is not a JSON object");
  const flaw = flawIn(body);
  if (flaw) throw new SyntaxError(`body${flaw.path}: ${flaw.message}`);
  if (d.headerProblem !== undefined) throw new SyntaxError(d.headerProblem);
  const headers = headerJson(d.headers ?? {}) as JsonObject;
  return {
    topic: stripPrefix(topicPrefix, d.routingKey),
    body,
    headers,
    id: typeof d.messageId === "string" ? d.messageId : "",
    priority: typeof d.priority === "number" ? d.priority : 0,
    ...(d.headerNotes && Object.keys(d.headerNotes).length > 0 ? { notes: d.headerNotes } : {}),
  };
}
