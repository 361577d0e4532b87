/**
 * A content header's properties (AMQP 0-9-1 `basic` class) decoded by busmsg itself rather than
 * by amqplib, so that what is recorded is what was sent: 64-bit integers exact, decimals and
 * timestamps in plain JSON shapes, byte strings never decoded lossily, and nesting bounded, so
 * that no header table can overflow the stack (amqplib's own decoder recurses without a bound
 * and takes the connection down with it). Pure.
 *
 * Field types are RabbitMQ's (its errata of the 0-9-1 table types, which pika, and so
 * fedora-messaging, also writes): t b B s u I i l f d D S x A T F V.
 */
import { formatFloat, type JsonObject, type JsonValue, PyFloat } from "../message/pyjson.ts";
import { MAX_DEPTH } from "../message/limits.ts";

/** What a content header said. Never throws: a flaw ends decoding and is named in `problem`. */
export interface DecodedProperties {
  /** The basic properties other than headers, by amqplib's names (timestamp in seconds). */
  properties: Record<string, string | number>;
  /** The header table as far as it decoded (undefined when the header flag is not set). */
  headers?: JsonObject;
  /**
   * Header values JSON cannot hold as they were sent, by path (`headers.a.b`): what the
   * recorded value is instead (a timestamp as ISO 8601, bytes as base64...).
   */
  notes: Record<string, string>;
  /** Why the rest of the header could not be decoded (nested too deep, truncated, unknown type). */
  problem?: string;
}

/** Property flag bits in order, with amqplib's names and AMQP domain. */
const FIELDS: Array<[string, "shortstr" | "table" | "octet" | "timestamp"]> = [
  ["contentType", "shortstr"],
  ["contentEncoding", "shortstr"],
  ["headers", "table"],
  ["deliveryMode", "octet"],
  ["priority", "octet"],
  ["correlationId", "shortstr"],
  ["replyTo", "shortstr"],
  ["expiration", "shortstr"],
  ["messageId", "shortstr"],
  ["timestamp", "timestamp"],
  ["type", "shortstr"],
  ["userId", "shortstr"],
  ["appId", "shortstr"],
  ["clusterId", "shortstr"],
];

/** A flaw that ends decoding; carries the table or array it cut short, for its parent. */
class Flaw extends Error {
  partial?: JsonValue;
}

// ignoreBOM: a leading U+FEFF is part of the value as sent (without it, a key "\uFEFFa" would
// become "a" and overwrite the real "a").
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** An AMQP timestamp (seconds since the epoch, UTC) as fedora-messaging's sent-at shape. */
function isoSeconds(seconds: bigint): string | undefined {
  const ms = Number(seconds) * 1000;
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

/** The exact decimal text of `digits` × 10^-`places`. */
function decimalText(digits: number, places: number): string {
  const sign = digits < 0 ? "-" : "";
  let text = String(Math.abs(digits));
  if (places === 0) return sign + text;
  text = text.padStart(places + 1, "0");
  return `${sign}${text.slice(0, -places)}.${text.slice(-places)}`;
}

/** Reads one content header's property list: flags, then each field that is present. */
export function decodeProperties(bytes: Uint8Array): DecodedProperties {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: DecodedProperties = { properties: {}, notes: {} };
  let at = 0;
  const need = (n: number, what: string) => {
    if (at + n > bytes.length) throw new Flaw(`${what}: truncated`);
  };
  const octet = (what: string) => {
    need(1, what);
    return bytes[at++]!;
  };
  const chunk = (n: number, what: string) => {
    need(n, what);
    const b = bytes.subarray(at, at + n);
    at += n;
    return b;
  };
  const u32 = (what: string) => {
    need(4, what);
    const v = view.getUint32(at);
    at += 4;
    return v;
  };

  /** A string whose bytes may not be text: kept exactly, as base64 with a note, when not. */
  const text = (b: Uint8Array, path: string, kind: string): string => {
    try {
      return utf8.decode(b);
    } catch {
      out.notes[path] = `${kind} not UTF-8: base64 of the bytes as sent`;
      return base64(b);
    }
  };
  const value = (path: string, depth: number): JsonValue => {
    const tag = String.fromCharCode(octet(path));
    const at0 = at;
    const fixed = (n: number) => {
      need(n, path);
      at += n;
      return at0;
    };
    switch (tag) {
      case "t":
        return bytes[fixed(1)]! !== 0;
      case "b":
        return view.getInt8(fixed(1));
      case "B":
        return view.getUint8(fixed(1));
      case "s":
        return view.getInt16(fixed(2));
      case "u":
        return view.getUint16(fixed(2));
      case "I":
        return view.getInt32(fixed(4));
      case "i":
        return view.getUint32(fixed(4));
      case "l": {
        const v = view.getBigInt64(fixed(8));
        // Exact either way: a number when it is one, else a bigint (written digit for digit).
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(v)
          : v;
      }
      case "f":
      case "d": {
        const v = tag === "f" ? view.getFloat32(fixed(4)) : view.getFloat64(fixed(8));
        if (Number.isFinite(v)) return new PyFloat(v);
        out.notes[path] = `float ${v}: JSON has no such number, written as a string`;
        return String(v);
      }
      case "D": {
        const places = view.getUint8(fixed(5));
        const digits = view.getInt32(at0 + 1);
        const exact = decimalText(digits, places);
        const asFloat = new PyFloat(Number(exact));
        if (formatFloat(asFloat.value) === exact) return asFloat;
        out.notes[path] = "decimal that a JSON float cannot hold exactly: written as a string";
        return exact;
      }
      case "T": {
        const seconds = view.getBigUint64(fixed(8));
        const iso = isoSeconds(seconds);
        if (iso === undefined) {
          out.notes[path] = "AMQP timestamp out of range: seconds since the epoch";
          return seconds;
        }
        out.notes[path] = "AMQP timestamp: written as ISO 8601 UTC";
        return iso;
      }
      case "S":
        return text(chunk(u32(path), path), path, "long string");
      case "x":
        return text(chunk(u32(path), path), path, "byte array");
      case "V":
        return null;
      case "A":
      case "F": {
        const size = u32(path);
        need(size, path);
        const end = at + size;
        if (depth >= MAX_DEPTH) {
          // Skipped by its length, not walked: the depth is what must not be trusted. The
          // properties after it still decode (the message id, say).
          at = end;
          out.problem ??= `${path}: nested deeper than ${MAX_DEPTH} levels`;
          return null;
        }
        const partial: JsonObject | JsonValue[] = tag === "F" ? {} : [];
        try {
          if (!Array.isArray(partial)) return table(end, path, depth + 1, partial);
          while (at < end) {
            try {
              partial.push(value(`${path}[${partial.length}]`, depth + 1));
            } catch (e) {
              if (e instanceof Flaw) partial.push(e.partial ?? null);
              if (e instanceof Flaw) delete e.partial;
              throw e;
            }
          }
          if (at !== end) throw new Flaw(`${path}: array longer than its size`);
          return partial;
        } catch (e) {
          if (e instanceof Flaw) e.partial = partial;
          throw e;
        }
      }
      default:
        throw new Flaw(`${path}: unknown field type ${JSON.stringify(tag)}`);
    }
  };
  /** The table whose entries end at `end`; what decoded stays in `into` when a flaw stops it. */
  const table = (end: number, path: string, depth: number, into: JsonObject = {}) => {
    while (at < end) {
      // A key that is not UTF-8 is kept by its bytes (base64), with a note; decoding goes on.
      const keyBytes = chunk(octet(`${path} key`), `${path} key`);
      const key = text(keyBytes, `${path}.${base64(keyBytes)}`, "key");
      try {
        into[key] = value(`${path}.${key}`, depth);
      } catch (e) {
        // What decoded of a nested table stays, under its key.
        if (e instanceof Flaw) into[key] = e.partial ?? null;
        if (e instanceof Flaw) delete e.partial;
        throw e;
      }
    }
    if (at !== end) throw new Flaw(`${path}: table longer than its size`);
    return into;
  };
  try {
    let flags = 0;
    need(2, "property flags");
    flags = view.getUint16(0);
    at = 2;
    // A continuation bit would mean a second flag word: no basic property uses one.
    if (flags & 1) throw new Flaw("property flags: continuation flag set");
    FIELDS.forEach(([name, kind], i) => {
      if (!(flags & (1 << (15 - i)))) return;
      switch (kind) {
        case "shortstr":
          // Not UTF-8: kept as base64 with a note, and the properties after it still read.
          out.properties[name] = text(chunk(octet(name), name), `properties.${name}`, "property");
          break;
        case "octet":
          out.properties[name] = octet(name);
          break;
        case "timestamp": {
          need(8, name);
          out.properties[name] = Number(view.getBigUint64(at));
          at += 8;
          break;
        }
        case "table": {
          const size = u32("headers");
          need(size, "headers");
          out.headers = {};
          table(at + size, "headers", 1, out.headers);
          break;
        }
      }
    });
  } catch (e) {
    if (!(e instanceof Flaw)) throw e;
    out.problem = e.message;
  }
  return out;
}
