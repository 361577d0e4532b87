/**
 * Messages as no well-behaved client would send them: the content header written byte by byte
 * (a header table nested 15,000 deep, 64-bit integers, decimals, timestamps, byte arrays that
 * are not UTF-8), for the recorder's poison-message tests. Published on a plain channel of the
 * full-rights test user, with frames amqplib never encodes itself.
 */
import { Buffer } from "node:buffer";
import amqp from "amqplib";
import { PLAIN_URL } from "./broker.ts";

const enc = new TextEncoder();

function u8(n: number): Uint8Array {
  return Uint8Array.of(n);
}
function u16(n: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, n);
  return b;
}
function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}
function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return b;
}
function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
function shortstr(s: string): Uint8Array {
  const b = enc.encode(s);
  return cat(u8(b.length), b);
}

/** One field value: its type tag and its bytes. */
export type Field = [tag: string, bytes: Uint8Array];

/** Field values by type. */
export const field = {
  long: (v: bigint): Field => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, v);
    return ["l", b];
  },
  int: (v: number): Field => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v);
    return ["I", b];
  },
  string: (s: string): Field => {
    const b = enc.encode(s);
    return ["S", cat(u32(b.length), b)];
  },
  bytes: (b: Uint8Array): Field => ["x", cat(u32(b.length), b)],
  decimal: (places: number, digits: number): Field => {
    const b = new Uint8Array(5);
    new DataView(b.buffer).setUint8(0, places);
    new DataView(b.buffer).setInt32(1, digits);
    return ["D", b];
  },
  timestamp: (seconds: bigint): Field => ["T", u64(seconds)],
  table: (t: Uint8Array): Field => ["F", cat(u32(t.length), t)],
};

/** A field table's bytes (without its length). */
export function table(entries: Array<[string, Field]>): Uint8Array {
  return cat(...entries.flatMap(([k, [tag, b]]) => [shortstr(k), enc.encode(tag), b]));
}

/** The bytes of a table holding `{"a": {"a": ... {} }}` nested `depth` tables deep. */
export function deepTable(depth: number): Uint8Array {
  // Each level: key "a" (2 bytes), tag F, a 4-byte length, then the level below.
  const level = 7;
  const out = new Uint8Array(depth * level);
  const view = new DataView(out.buffer);
  for (let i = 0; i < depth; i++) {
    const at = i * level;
    out.set([1, 0x61, 0x46], at);
    view.setUint32(at + 3, (depth - i - 1) * level);
  }
  return out;
}

/** Content-header properties: content type JSON, the header table, persistent, a message id. */
export function properties(
  headers: Uint8Array,
  messageId: string,
  contentType: Uint8Array = enc.encode("application/json"),
): Uint8Array {
  const flags = (1 << 15) | (1 << 13) | (1 << 12) | (1 << 7);
  return cat(
    u16(flags),
    u8(contentType.length),
    contentType,
    u32(headers.length),
    headers,
    u8(2),
    shortstr(messageId),
  );
}

function frame(type: number, channel: number, payload: Uint8Array): Uint8Array {
  return cat(u8(type), u16(channel), u32(payload.length), payload, u8(0xce));
}

/**
 * Publishes one message whose content header's property list is `props`, as the test user,
 * to amq.topic on /pubsub. Resolves once the broker has taken it (a round trip after it).
 */
export async function rawPublish(
  routingKey: string,
  props: Uint8Array,
  body: Uint8Array,
  exchange = "amq.topic",
): Promise<void> {
  const model = await amqp.connect(PLAIN_URL);
  try {
    const ch = await model.createChannel();
    const n = (ch as unknown as { ch: number }).ch;
    const connection = (model as unknown as { connection: { sendBytes(b: Buffer): void } })
      .connection;
    // basic.publish (60, 40): reserved short, exchange, routing key, no flags.
    const method = cat(u16(60), u16(40), u16(0), shortstr(exchange), shortstr(routingKey), u8(0));
    const header = cat(u16(60), u16(0), u64(BigInt(body.length)), props);
    connection.sendBytes(Buffer.from(cat(
      frame(1, n, method),
      frame(2, n, header),
      ...(body.length > 0 ? [frame(3, n, body)] : []),
    )));
    // Frames on one channel are handled in order: once this is answered, the message is in.
    await ch.checkExchange(exchange);
    await ch.close();
  } finally {
    await model.close();
  }
}
