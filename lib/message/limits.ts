/**
 * What a JSON value must be for busmsg to carry it exactly, from input through the spool to the
 * broker: nesting of bounded depth, finite numbers, strings that UTF-8 can hold. Pure. The check
 * never descends past the limit, so no input can exhaust the stack here or after it.
 */
import { type JsonValue, PyFloat } from "./pyjson.ts";

/** Objects and arrays nest at most this deep in a body or in the headers (the body is level 1). */
export const MAX_DEPTH = 64;

/** What makes a value uncarriable, and where: the path below the value checked (`.a[2]`). */
export interface Flaw {
  path: string;
  message: string;
}

const TOO_DEEP = `objects and arrays nested deeper than ${MAX_DEPTH} levels`;
const NOT_FINITE = "number out of range: JSON has no Infinity (a 64-bit float ends near 1.8e308)";

/** The first unpaired UTF-16 surrogate of a string, as `\uXXXX`. */
function loneSurrogate(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else return "\\u" + c.toString(16);
  }
  return "";
}

function stringFlaw(s: string): Flaw | undefined {
  if (s.isWellFormed()) return undefined;
  return {
    path: "",
    message: `contains a lone surrogate (${loneSurrogate(s)}), which UTF-8 cannot carry`,
  };
}

/** The first flaw in `value` (at nesting level `depth`), or undefined when it can be carried. */
export function flawIn(value: JsonValue, depth = 1): Flaw | undefined {
  switch (typeof value) {
    case "string":
      return stringFlaw(value);
    case "number":
      return Number.isFinite(value) ? undefined : { path: "", message: NOT_FINITE };
    case "object":
      break;
    default:
      return undefined;
  }
  if (value === null) return undefined;
  if (value instanceof PyFloat) {
    return Number.isFinite(value.value) ? undefined : { path: "", message: NOT_FINITE };
  }
  if (depth > MAX_DEPTH) return { path: "", message: TOO_DEEP };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const flaw = flawIn(value[i]!, depth + 1);
      if (flaw) return within(`[${i}]`, flaw, depth);
    }
    return undefined;
  }
  for (const key in value) {
    const keyFlaw = stringFlaw(key);
    if (keyFlaw) return { path: `.${JSON.stringify(key)}`, message: `key ${keyFlaw.message}` };
    const flaw = flawIn(value[key]!, depth + 1);
    if (flaw) return within(`.${key}`, flaw, depth);
  }
  return undefined;
}

// Too deep is named by its top-level field alone: the full path would be 64 steps long.
function within(step: string, flaw: Flaw, depth: number): Flaw {
  if (flaw.message === TOO_DEEP && depth > 1) return flaw;
  return { path: step + flaw.path, message: flaw.message };
}
