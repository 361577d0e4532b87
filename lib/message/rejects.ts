/**
 * The line a recorder keeps for a message it cannot record as a dump line (a body that is not
 * a JSON object, headers nested too deep, a dead letter): everything about it that decodes,
 * and its body as sent, in base64. Pure.
 */
import type { Delivered } from "./wire.ts";
import { dumps, type JsonObject, type JsonValue, PyFloat } from "./pyjson.ts";
import { MAX_DEPTH } from "./limits.ts";

/** Why a message went to the side file: `unparsable` (the recorder's call) or `dead-letter`. */
export type RejectKind = "unparsable" | "dead-letter";

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** A value as JSON as far as it goes; deeper than the bound, or of an odd kind: a note. */
function safeJson(v: unknown, depth = 1): JsonValue {
  if (v === null || v === undefined) return null;
  if (
    typeof v === "string" || typeof v === "boolean" || typeof v === "bigint" ||
    v instanceof PyFloat
  ) return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
  if (depth > MAX_DEPTH) return `(nested deeper than ${MAX_DEPTH} levels: not kept)`;
  if (v instanceof Uint8Array) return { base64: base64(v) };
  if (Array.isArray(v)) return v.map((x) => safeJson(x, depth + 1));
  if (typeof v === "object") {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = safeJson(x, depth + 1);
    return out;
  }
  return String(v);
}

/** The side-file line (no newline) for delivery `d`, kept at `now` because of `reason`. */
export function rejectLine(d: Delivered, kind: RejectKind, reason: string, now: Date): string {
  const entry: JsonObject = {
    time: now.toISOString(),
    kind,
    reason,
    routing_key: d.routingKey,
    exchange: d.exchange ?? null,
    id: typeof d.messageId === "string" ? d.messageId : safeJson(d.messageId),
    properties: safeJson(d.properties ?? {}),
    headers: safeJson(d.headers ?? {}),
    body_base64: base64(d.content),
  };
  if (d.headerNotes && Object.keys(d.headerNotes).length > 0) entry.header_notes = d.headerNotes;
  if (d.headerProblem !== undefined) entry.header_problem = d.headerProblem;
  return dumps(entry, { sortKeys: true, ensureAscii: false });
}
