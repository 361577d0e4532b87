/**
 * JSON read and written the way Python's `json` module does it, so that a body busmsg sends
 * is byte for byte what fedora-messaging's `json.dumps` would send for the same input.
 *
 * Two things plain `JSON.parse` loses are kept: whether a number was written as a float
 * (`1.0` stays `1.0`, Python keeps it a float) and integers beyond 2^53 (kept as bigint).
 */

/** A number Python reads as a float: it had a fraction or an exponent, or was typed so. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A JSON value as Python would hold it. */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyFloat
  | JsonValue[]
  | JsonObject;

/** A JSON object; key order is kept as Python's dict keeps it. */
export interface JsonObject {
  [key: string]: JsonValue;
}

// A line that cannot hold a float or a long integer needs no reviver (much faster).
const NEEDS_SOURCE = /[0-9](?:[.eE]|[0-9]{15})/;
const INTEGER = /^-?\d+$/;

function revive(this: unknown, _key: string, value: unknown, context?: { source?: string }) {
  if (typeof value !== "number" || context?.source === undefined) return value;
  const source = context.source;
  if (!INTEGER.test(source)) return new PyFloat(value);
  return Number.isSafeInteger(value) ? value : BigInt(source);
}

/** Parses JSON text; throws `SyntaxError` as `JSON.parse` does. */
export function parseJson(text: string): JsonValue {
  try {
    return NEEDS_SOURCE.test(text)
      ? JSON.parse(text, revive as (key: string, value: unknown) => unknown)
      : JSON.parse(text);
  } catch (e) {
    // The reviver recurses: a value nested some thousands deep overflows the stack.
    if (e instanceof RangeError) throw new SyntaxError("objects and arrays nested too deeply");
    throw e;
  }
}

/** True for a plain JSON object (not an array, not null, not a PyFloat). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof PyFloat);
}

/** Formats a float as Python's `repr(float)`: shortest round-trip digits, `1.0`, `1e+16`. */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa = "", expText = "0"] = x.toExponential().split("e");
  const exp = Number(expText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const e = Math.abs(exp).toString().padStart(2, "0");
    return `${sign}${digits[0]}${frac}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const fracPart = digits.slice(exp + 1) || "0";
  return `${sign}${intPart}.${fracPart}`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};
// Python's ESCAPE_ASCII and ESCAPE patterns.
const NEEDS_ESCAPE_ASCII = /[^\x20-\x7e]|["\\]/;
// Python's ESCAPE, and DEL and C1 too: a dump line is read on terminals, where U+009B is a CSI.
// deno-lint-ignore no-control-regex -- matching control characters is the point
const NEEDS_ESCAPE = /[\x00-\x1f\x7f-\x9f"\\]/;

function quote(s: string, ensureAscii: boolean): string {
  if (!(ensureAscii ? NEEDS_ESCAPE_ASCII : NEEDS_ESCAPE).test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || (ensureAscii ? code > 0x7e : code >= 0x7f && code <= 0x9f)) {
      // UTF-16 code units are exactly Python's surrogate-pair escapes above U+FFFF.
      out += "\\u" + code.toString(16).padStart(4, "0");
    } else out += ch;
  }
  return out + '"';
}

function compareCodePoints(a: string, b: string): number {
  // Python sorts str by code point; JS compares UTF-16 units, which differs above U+FFFF.
  if (a === b) return 0;
  const ia = a[Symbol.iterator](), ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next(), cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** Options of {@link dumps}, named after Python's `json.dumps` arguments. */
export interface DumpOptions {
  /** Escape non-ASCII as `\uXXXX` (Python's default, used for message bodies). */
  ensureAscii?: boolean;
  /** Sort object keys by code point, at every level. */
  sortKeys?: boolean;
}

/** Serializes like Python's `json.dumps(value)`: `", "` and `": "` separators. */
export function dumps(value: JsonValue, options: DumpOptions = {}): string {
  const ensureAscii = options.ensureAscii ?? true;
  const sortKeys = options.sortKeys ?? false;
  const write = (v: JsonValue): string => {
    switch (typeof v) {
      case "string":
        return quote(v, ensureAscii);
      case "number":
        return Number.isInteger(v) ? String(v) : formatFloat(v);
      case "bigint":
        return v.toString();
      case "boolean":
        return v ? "true" : "false";
    }
    if (v === null) return "null";
    if (v instanceof PyFloat) return formatFloat(v.value);
    if (Array.isArray(v)) return `[${v.map(write).join(", ")}]`;
    const keys = Object.keys(v);
    if (sortKeys) keys.sort(compareCodePoints);
    return `{${keys.map((k) => `${quote(k, ensureAscii)}: ${write(v[k]!)}`).join(", ")}}`;
  };
  return write(value);
}
