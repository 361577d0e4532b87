/**
 * `KEY[:TYPE]=VALUE` words, the seed's `send_bus_msg` interface done right: any string becomes
 * exact JSON, and a typed value that does not parse is an error instead of broken JSON. Pure.
 */
import { UsageError } from "../errors.ts";
import { type JsonObject, type JsonValue, parseJson, PyFloat } from "./pyjson.ts";

/** The value types a field may name after its key. */
const FIELD_TYPES = ["str", "int", "float", "bool", "json"] as const;
type FieldType = typeof FIELD_TYPES[number];

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLS: Record<string, boolean> = {
  true: true,
  false: false,
  yes: true,
  no: false,
  on: true,
  off: false,
  "1": true,
  "0": false,
};

function convert(key: string, type: FieldType, raw: string): JsonValue {
  const bad = (what: string) => new UsageError(`field "${key}": ${what}, got "${raw}"`);
  switch (type) {
    case "str":
      return raw;
    case "int": {
      if (!INT.test(raw)) throw bad("not an integer");
      const n = Number(raw);
      return Number.isSafeInteger(n) ? n : BigInt(raw);
    }
    case "float": {
      const x = Number(raw);
      if (!FLOAT.test(raw) || !Number.isFinite(x)) throw bad("not a finite number");
      return new PyFloat(x);
    }
    case "bool": {
      const b = BOOLS[raw.toLowerCase()];
      if (b === undefined) throw bad("not a boolean (true/false, yes/no, on/off, 1/0)");
      return b;
    }
    case "json":
      try {
        return parseJson(raw);
      } catch (e) {
        throw bad(`not valid JSON (${(e as Error).message})`);
      }
  }
}

/** One parsed `KEY[:TYPE]=VALUE` word. */
export function parseField(word: string): [string, JsonValue] {
  const eq = word.indexOf("=");
  if (eq < 0) throw new UsageError(`field "${word}": expected KEY[:TYPE]=VALUE`);
  const left = word.slice(0, eq);
  const raw = word.slice(eq + 1);
  // The last colon names the type; a key that holds a colon names one too (`a:b:str=1`).
  const colon = left.lastIndexOf(":");
  const key = colon < 0 ? left : left.slice(0, colon);
  const type = colon < 0 ? "str" : left.slice(colon + 1);
  if (!(FIELD_TYPES as readonly string[]).includes(type)) {
    throw new UsageError(
      `field "${word}": unknown type "${type}" (types: ${FIELD_TYPES.join(", ")}; ` +
        `a key with a colon needs a type: "${left}:str=...")`,
    );
  }
  if (key === "") throw new UsageError(`field "${word}": the key is empty`);
  return [key, convert(key, type as FieldType, raw)];
}

/** A body from fields, in the order given; a key given twice is an error. */
export function parseFields(words: string[], into: JsonObject = {}): JsonObject {
  for (const word of words) {
    const [key, value] = parseField(word);
    if (Object.hasOwn(into, key)) throw new UsageError(`field "${key}" is given more than once`);
    into[key] = value;
  }
  return into;
}
