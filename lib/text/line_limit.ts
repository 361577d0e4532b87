/**
 * The one limit on a dump line's length, shared by every writer and reader of lines: the recorder
 * writes none longer (lib/message/fit_line.ts), and `report`, `validate` and `publish` read none
 * longer (lib/io/input.ts). Bus messages are small, and a reader's memory must stay bounded.
 */

/** The longest line in bytes, without its newline. */
export const MAX_LINE_BYTES = 1024 * 1024;
