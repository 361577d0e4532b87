/**
 * AMQP encoding of a message exactly as fedora-messaging's Python client puts it on the wire:
 * routing key, the six basic properties, int32 header integers, a `json.dumps` body. Pure.
 */
import { type Message, routingKey } from "./message.ts";
import { dumps, isJsonObject, type JsonObject, type JsonValue } from "./pyjson.ts";

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
