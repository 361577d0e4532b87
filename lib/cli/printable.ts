/**
 * Text from the bus made safe for a terminal: a topic, a proxy name or a reason may hold
 * escape sequences that would rewrite the screen (or the terminal's title, or its clipboard).
 */

// C0 (newline and tab too: one message stays one line), DEL and C1.
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/** `text` with each control character shown as `\xNN` (ESC as `\x1b`), the rest as is. Pure. */
export function printable(text: string): string {
  return text.replace(
    CONTROL,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
