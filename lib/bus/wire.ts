/**
 * AMQP encoding of a message exactly as fedora-messaging's Python client puts it on the wire:
 * routing key, the six basic properties, int32 header integers, a `json.dumps` body. Pure.
 */
import { type Message, routingKey, stripPrefix } from "../message/message.ts";
import {
  dumps,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  parseJson,
} from "../message/pyjson.ts";

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
  if (isJsonObject(v)) return table(v);
  // Floats are refused by the message model before they get here.
  throw new TypeError(`Header value cannot be sent: ${String(v)}`);
}

function table(obj: JsonObject): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = fieldValue(v);
  return out;
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
      headers: table(message.headers),
    },
  };
}

/** A message as a consumer received it: amqplib's delivery fields, properties and content. */
export interface Delivered {
  routingKey: string;
  messageId?: unknown;
  priority?: unknown;
  headers?: Record<string, unknown> | undefined;
  content: Uint8Array;
}

function headerJson(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (
    typeof v === "string" || typeof v === "boolean" || typeof v === "number" ||
    typeof v === "bigint"
  ) return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (Array.isArray(v)) return v.map(headerJson);
  if (typeof v === "object") {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = headerJson(x);
    return out;
  }
  return String(v);
}

/**
 * The message a consumer got, back in the message model (topic without the prefix), so it
 * can be printed as a dump line. Throws `SyntaxError` when the body is not a JSON object.
 */
export function fromDelivery(d: Delivered, topicPrefix: string): Message {
  const body = parseJson(new TextDecoder("utf-8", { fatal: true }).decode(d.content));
  if (!isJsonObject(body)) throw new SyntaxError("body is not a JSON object");
  const headers = headerJson(d.headers ?? {}) as JsonObject;
  return {
    topic: stripPrefix(topicPrefix, d.routingKey),
    body,
    headers,
    id: typeof d.messageId === "string" ? d.messageId : "",
    priority: typeof d.priority === "number" ? d.priority : 0,
  };
}
