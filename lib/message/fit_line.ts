/**
 * A dump line that fits the one line limit every reader shares (`MAX_LINE_BYTES`: `report`,
 * `validate` and `publish` read no longer line). A message whose line would be longer has its
 * longest body strings cut, each with a note, so that it is still recorded and counted as what it
 * is: a `fail.final` with a failure text of megabytes is still a failure. Pure.
 */
import { MAX_LINE_BYTES } from "../text/line_limit.ts";
import { utf8Length } from "../text/utf8.ts";
import { type Message, toDumpLine } from "./message.ts";

/** A string shorter than this is never cut: the line is too long for another reason. */
const MIN_CUT = 1024;

/**
 * `m` as its dump line (no newline), at most `max` bytes: when longer, the body's longest
 * top-level strings are cut (each noted in `header_notes` as `body.KEY`) until it fits.
 * Undefined when cutting strings cannot make it fit (then it is not recordable as a line).
 */
export function fitDumpLine(m: Message, max = MAX_LINE_BYTES): string | undefined {
  let line = toDumpLine(m);
  let bytes = utf8Length(line);
  if (bytes <= max) return line;
  const body = { ...m.body };
  const notes = { ...m.notes };
  for (let round = 0; round < 64 && bytes > max; round++) {
    let longest: string | undefined;
    for (const [k, v] of Object.entries(body)) {
      if (typeof v !== "string" || v.length < MIN_CUT) continue;
      if (longest === undefined || v.length > (body[longest] as string).length) longest = k;
    }
    if (longest === undefined) return undefined;
    const text = body[longest] as string;
    // Each character removed is at least one byte of the line; room for the mark too.
    let keep = Math.max(0, text.length - (bytes - max) - 64);
    const high = text.charCodeAt(keep - 1);
    if (high >= 0xd800 && high <= 0xdbff) keep--; // never half a surrogate pair
    const original = notes[`body.${longest}`] === undefined ? utf8Length(text) : undefined;
    body[longest] = text.slice(0, keep) + " [cut]";
    if (original !== undefined) {
      notes[`body.${longest}`] = `string of ${original} bytes cut to fit a line of ${max} bytes`;
    }
    line = toDumpLine({ ...m, body, notes });
    bytes = utf8Length(line);
  }
  return bytes <= max ? line : undefined;
}
