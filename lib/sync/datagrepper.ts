/**
 * Datagrepper's v2 search pages as input: `{"raw_messages": [{"body", "headers", "id", "topic",
 * ...}], "pages", "total", ...}` (at most 100 messages a page), what
 * `/v2/search?category=logging` returns. Each raw message has the fields of a dump line, so a
 * page is read as its messages, one after another. Pure.
 */
import { isJsonObject, type JsonValue } from "../message/pyjson.ts";

/** The messages of a datagrepper page, or undefined when `value` is not one. */
export function pageMessages(value: JsonValue): JsonValue[] | undefined {
  if (!isJsonObject(value)) return undefined;
  const raw = value["raw_messages"];
  return Array.isArray(raw) ? raw : undefined;
}

/** The largest page read whole when it is spread over many lines (as `jq .` prints it). */
export const MAX_PAGE_BYTES = 64 * 1024 * 1024;

/**
 * Whether a file whose first non-blank line is `first` holds one JSON document over many lines
 * (a page as `jq .` or a browser saves it) rather than one dump line a line.
 */
export function startsMultilineDocument(first: string): boolean {
  return first.trim() === "{";
}
