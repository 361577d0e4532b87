/**
 * What one spool file holds: the message's dump line with one extra key in front,
 * `busmsg_destination`, the exchange and full routing key it was meant for when it was first
 * sent. fedora-messaging's loader ignores keys it does not know, so the file stays a dump line.
 * Pure.
 */
import { utf8Length } from "../text/utf8.ts";
import { parseAndCheck } from "../message/lines.ts";
import { type Defaults, type Message, type Problem, toDumpLine } from "../message/message.ts";
import { dumps, isJsonObject, parseJson } from "../message/pyjson.ts";

/** Where a message goes: the exchange and the full routing key (prefix included). */
export interface Destination {
  exchange: string;
  routingKey: string;
}

const KEY = "busmsg_destination";
const MAX_SHORTSTR = 255;

/** The spool file's one line (without the newline). */
export function toSpoolLine(message: Message, to: Destination): string {
  const destination = dumps({ exchange: to.exchange, routing_key: to.routingKey }, {
    ensureAscii: false,
  });
  return `{"${KEY}": ${destination}, ${toDumpLine(message).slice(1)}`;
}

/** A spool file read back: the message and where it goes, or why it is not a message. */
export type SpoolRecord =
  | { message: Message; destination: Destination | undefined; problems?: undefined }
  | { message?: undefined; destination?: undefined; problems: Problem[] };

function destinationOf(line: string): Destination | undefined | Problem {
  let value;
  try {
    value = parseJson(line);
  } catch {
    return undefined; // said by the dump-line parser
  }
  if (!isJsonObject(value) || value[KEY] === undefined) return undefined;
  const d = value[KEY];
  const exchange = isJsonObject(d) ? d["exchange"] : undefined;
  const routingKey = isJsonObject(d) ? d["routing_key"] : undefined;
  if (
    typeof exchange !== "string" || typeof routingKey !== "string" || routingKey === "" ||
    utf8Length(exchange) > MAX_SHORTSTR || utf8Length(routingKey) > MAX_SHORTSTR
  ) {
    return {
      field: KEY,
      message: 'must be {"exchange": STRING, "routing_key": STRING} (at most 255 bytes each)',
    };
  }
  return { exchange, routingKey };
}

/**
 * Reads a spool line. A line without a destination (written by an older busmsg) has none: it
 * goes where the current configuration sends it. `defaults.topicPrefix` applies only then.
 */
export function fromSpoolLine(line: string, defaults: Defaults): SpoolRecord {
  const destination = destinationOf(line);
  if (destination && "field" in destination) return { problems: [destination] };
  const parsed = parseAndCheck(line, destination ? { ...defaults, topicPrefix: "" } : defaults);
  if (!parsed.message) return { problems: parsed.problems };
  return { message: parsed.message, destination };
}
