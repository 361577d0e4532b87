/**
 * Text from the bus made safe for a terminal: a topic, a proxy name or a reason may hold
 * escape sequences that would rewrite the screen (or the terminal's title, or its clipboard).
 */

/** A control character: C0, DEL or C1 (a topic is printed by listen, report and diagnostics). */
// deno-lint-ignore no-control-regex
export const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** The first control character (C0, DEL, C1) of `s` as `U+XXXX`, or undefined. */
export function controlIn(s: string): string | undefined {
  const c = CONTROL.exec(s)?.[0];
  return c === undefined
    ? undefined
    : "U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
}

// Newline and tab too: one message stays one line.
const EVERY_CONTROL = new RegExp(CONTROL.source, "g");

/** `text` with each control character shown as `\xNN` (ESC as `\x1b`), the rest as is. Pure. */
export function printable(text: string): string {
  return text.replace(
    EVERY_CONTROL,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

const DEL_AND_C1 = /[\x7f-\x9f]/g;

/**
 * `JSON.stringify(value, null, indent)` with DEL and C1 written as `\u007f`..`\u009f` too
 * (JSON.stringify escapes only C0): the same JSON, safe on a terminal. They occur only inside
 * strings, where the escape means the same character.
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    DEL_AND_C1,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}
