/**
 * A body from the WORDs of `simple_message_to_bus`, the helper Fedora's log jobs publish
 * through, by its rules (see the README's "deployed scripts"): the key is the part of a word
 * before the first `=` and then before the first `:`; the type is what follows that `:`; the
 * value is what follows the first `=`, or the whole word when there is none (`--rawdb` is
 * `"--rawdb": "--rawdb"`). Type `int` puts the value in unquoted, so it must be one JSON value
 * (else the helper made invalid JSON, and it is an error here); anything else is a string. A
 * later word with the same key wins, in the place of the first. Where the helper would have
 * written invalid JSON (a control character in a string), the exact string is kept. Pure.
 */
import { UsageError } from "../errors.ts";
import { type JsonObject, type JsonValue, parseJson } from "./pyjson.ts";

/** One word's key and value by the helper's rules. */
export function helperWord(word: string): [string, JsonValue] {
  const eq = word.indexOf("=");
  const left = eq < 0 ? word : word.slice(0, eq);
  const value = eq < 0 ? word : word.slice(eq + 1);
  const colon = left.indexOf(":");
  const key = colon < 0 ? left : left.slice(0, colon);
  const type = colon < 0 ? "" : left.slice(colon + 1);
  if (type !== "int") return [key, value];
  try {
    return [key, parseJson(value)];
  } catch {
    throw new UsageError(
      `field "${key}": ${JSON.stringify(value)} after :int is no JSON value ` +
        "(the helper would have sent invalid JSON)",
    );
  }
}

/** The body the helper builds from its words, in order; the last word of a key wins. */
export function helperBody(words: string[]): JsonObject {
  const body: JsonObject = {};
  for (const word of words) {
    const [key, value] = helperWord(word);
    // Defined, not assigned: a word "__proto__=x" is a key like any other. A key given again
    // keeps its first place, as a JSON parser that keeps the last duplicate does.
    Object.defineProperty(body, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return body;
}
