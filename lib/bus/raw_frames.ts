/**
 * Content headers read by busmsg's own decoder (header_table.ts) on a consuming connection.
 * amqplib decodes a header table recursively and without a bound: a table nested some
 * thousands deep throws inside its frame reader and the connection drops, again at every
 * redelivery. It also rounds 64-bit integers and keeps decimals and timestamps in a private
 * shape. So, on the connections that consume, header frames are taken off the socket buffer
 * here before amqplib parses them; every other frame is still amqplib's.
 *
 * This relies on two things of amqplib 2.x's Connection that are not public API but plain
 * JavaScript: the socket bytes not yet parsed are `rest`, and frames are read by calling
 * `this.recvFrame()`. The bundle pins the version (deno.lock); tests cover the path.
 */
import { type DecodedProperties, decodeProperties } from "./header_table.ts";

/** Where the decoded header travels on amqplib's `message.properties`. */
export const DECODED = Symbol("busmsg decoded properties");

const FRAME_HEADER = 2;
const FRAME_END = 0xce;
/** Frame type, channel, size. */
const FRAME_PREFIX = 7;

interface AmqplibConnection {
  rest: Uint8Array & { readUInt32BE(at: number): number; readUInt16BE(at: number): number };
  recvFrame(): unknown;
}

function looksLikeConnection(c: unknown): c is AmqplibConnection {
  const o = c as Partial<AmqplibConnection> | null;
  return typeof o?.recvFrame === "function" && o.rest instanceof Uint8Array;
}

/** The properties as amqplib would give them, plus the exact decoding under {@link DECODED}. */
function fieldsOf(decoded: DecodedProperties): Record<string | symbol, unknown> {
  return {
    ...decoded.properties,
    ...(decoded.headers !== undefined ? { headers: decoded.headers } : {}),
    [DECODED]: decoded,
  };
}

/**
 * Makes `model.connection` (an amqplib ChannelModel's) decode content headers with busmsg's
 * decoder. False when this amqplib does not look as expected: amqplib then decodes as before.
 */
export function decodeHeadersOurselves(model: unknown): boolean {
  const connection = (model as { connection?: unknown } | null)?.connection;
  if (!looksLikeConnection(connection)) return false;
  const amqplibRecv = Object.getPrototypeOf(connection).recvFrame as () => unknown;
  connection.recvFrame = function (this: AmqplibConnection) {
    const rest = this.rest;
    if (rest.length >= FRAME_PREFIX && rest[0] === FRAME_HEADER) {
      const size = rest.readUInt32BE(3);
      const end = FRAME_PREFIX + size;
      // Anything odd (short, no frame end, too small) is left to amqplib, which says why.
      if (rest.length > end && rest[end] === FRAME_END && size >= 14) {
        const channel = rest.readUInt16BE(1);
        const payload = rest.subarray(FRAME_PREFIX, end);
        const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
        const id = view.getUint16(0);
        const bodySize = Number(view.getBigUint64(4));
        this.rest = rest.subarray(end + 1) as AmqplibConnection["rest"];
        const decoded = decodeProperties(payload.subarray(12));
        return { id, channel, size: bodySize, fields: fieldsOf(decoded) };
      }
    }
    // amqplib's own reader; when it must wait for more bytes it calls this.recvFrame() again.
    return amqplibRecv.call(this);
  };
  return true;
}
