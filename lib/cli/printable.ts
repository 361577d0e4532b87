/**
 * Text from the bus made safe for a terminal: a topic, a proxy name or a reason may hold
 * escape sequences that would rewrite the screen (or the terminal's title, or its clipboard).
 */
import { CONTROL } from "../message/message.ts";

// Newline and tab too: one message stays one line.
const EVERY_CONTROL = new RegExp(CONTROL.source, "g");

/** `text` with each control character shown as `\xNN` (ESC as `\x1b`), the rest as is. Pure. */
export function printable(text: string): string {
  return text.replace(
    EVERY_CONTROL,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
