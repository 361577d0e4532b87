/**
 * Consuming: a queue (temporary and exclusive, or durable and named) bound to an exchange with
 * routing keys, each delivery handed over with the means to acknowledge it.
 */
import type { Channel, ChannelModel } from "amqplib";
import { DeliveryError, EXIT } from "../errors.ts";
import type { Delivered } from "../message/wire.ts";
import { classify, subscribeError } from "./error_map.ts";
import { type Deadline, withDeadline } from "./deadline.ts";
import { DECODED, decodeHeadersOurselves } from "./raw_frames.ts";
import type { DecodedProperties } from "./header_table.ts";

/** Which queue a subscription reads and how. */
export interface QueueOptions {
  /** A durable named queue; a temporary exclusive one when absent. */
  name?: string;
  /** The queue must exist already (fedora-messaging's `passive_declares`). */
  passive?: boolean;
  /** Acknowledge each delivery explicitly (after it is kept), not on delivery. */
  ack?: boolean;
  /** Deliveries on their way at a time. */
  prefetch?: number;
  /** The broker ended the subscription (e.g. the queue was deleted). */
  onCancel?: () => void;
  /** Declaring a named queue: its x-arguments (x-queue-type, x-delivery-limit, ...). */
  arguments?: Record<string, unknown>;
  /** Declaring a named queue: fedora-messaging's queue settings (default durable, shared). */
  durable?: boolean;
  autoDelete?: boolean;
  exclusive?: boolean;
}

/** amqplib's message as a {@link Delivered}, with busmsg's own decoding of its header. */
function delivered(
  m: { fields: object; properties: object; content: Uint8Array },
): Delivered {
  const fields = m.fields as Record<string, unknown>;
  const props = m.properties as Record<string | symbol, unknown>;
  const decoded = props[DECODED] as DecodedProperties | undefined;
  const { headers, ...others } = m.properties as Record<string, unknown>;
  return {
    routingKey: String(fields["routingKey"]),
    exchange: String(fields["exchange"]),
    redelivered: fields["redelivered"] === true,
    messageId: props["messageId"],
    priority: props["priority"],
    headers: headers as Record<string, unknown> | undefined,
    properties: decoded?.properties ?? others,
    ...(decoded ? { headerNotes: decoded.notes } : {}),
    ...(decoded?.problem !== undefined ? { headerProblem: decoded.problem } : {}),
    content: new Uint8Array(m.content),
  };
}

/**
 * Opens a channel on `connection` (handed to `opened` at once, so that the session closes it
 * whatever happens next), binds the queue to `exchange` with each key and calls `onMessage`
 * for every delivery; see BrokerSession.subscribe. `where` names the broker in errors.
 */
export async function subscribe(
  connection: ChannelModel,
  where: string,
  opened: (channel: Channel) => void,
  exchange: string,
  keys: string[],
  deadline: Deadline,
  onMessage: (d: Delivered, ack: () => void) => void,
  queue: QueueOptions,
): Promise<void> {
  try {
    const channel = await withDeadline(connection.createChannel(), deadline, where);
    channel.on("error", () => {/* reported through the failed call */});
    opened(channel);
    // Before any delivery: content headers are read by busmsg's bounded, exact decoder.
    decodeHeadersOurselves(connection);
    const name = queue.name ?? "";
    const declared = queue.passive ? channel.checkQueue(name) : channel.assertQueue(
      name,
      queue.name === undefined ? { exclusive: true, autoDelete: true } : {
        durable: queue.durable ?? true,
        autoDelete: queue.autoDelete ?? false,
        exclusive: queue.exclusive ?? false,
        ...(queue.arguments ? { arguments: queue.arguments } : {}),
      },
    );
    const what = `${where}: ${queue.passive ? "checking" : "declaring"} queue ${
      name ? `"${name}"` : ""
    }`;
    const bound = (await withDeadline(declared, deadline, what)).queue;
    for (const key of keys) {
      await withDeadline(
        channel.bindQueue(bound, exchange, key),
        deadline,
        `${where}: binding ${key}`,
      );
    }
    if (queue.prefetch !== undefined) {
      await withDeadline(channel.prefetch(queue.prefetch), deadline, where);
    }
    const consuming = channel.consume(bound, (m) => {
      if (!m) return queue.onCancel?.();
      onMessage(delivered(m), () => channel.ack(m));
    }, { noAck: !queue.ack });
    await withDeadline(consuming, deadline, `${where}: consuming`);
  } catch (e) {
    const error = classify(e, where);
    const inequivalent = /access to (queue|exchange)/.test(error.message)
      ? null
      : /inequivalent arg '([^']+)'.*?received (.*?) but current is ([^"]*)/.exec(error.message);
    if (inequivalent && queue.name !== undefined) {
      throw await otherQueue(connection, where, queue, inequivalent, deadline);
    }
    throw subscribeError(error, where, queue.name);
  }
}

/**
 * The one line for a named queue that exists with other arguments than asked (a queue's type
 * and arguments cannot change in place): a classic queue where a quorum one is asked for is
 * told apart by declaring it once more as classic, which is harmless for a queue that exists.
 */
async function otherQueue(
  connection: ChannelModel,
  where: string,
  queue: QueueOptions,
  [, arg, wanted, current]: RegExpExecArray,
  deadline: Deadline,
): Promise<DeliveryError> {
  const name = queue.name!;
  let classic = false;
  if (queue.arguments?.["x-queue-type"] === "quorum") {
    try {
      const probe = await withDeadline(connection.createChannel(), deadline, where);
      probe.on("error", () => {});
      await withDeadline(
        probe.assertQueue(name, {
          durable: queue.durable ?? true,
          autoDelete: queue.autoDelete ?? false,
          exclusive: queue.exclusive ?? false,
          arguments: { "x-queue-type": "classic" },
        }),
        deadline,
        where,
      );
      classic = true;
      await probe.close().catch(() => {});
    } catch { /* not a plain classic queue: said by its first differing argument */ }
  }
  const what = classic
    ? "is a classic queue, not a quorum queue"
    : `exists with ${arg} ${current!.trim()}, not ${wanted}`;
  return new DeliveryError(
    `${where}: queue "${name}" ${what} (a queue's type and arguments cannot change ` +
      `in place): drain it and delete it (rabbitmqctl delete_queue ${name}) to have it ` +
      `declared anew, or ${
        classic ? "keep it with --queue-type classic" : "declare it as it is ([queues.NAME])"
      }`,
    EXIT.USAGE,
    false,
  );
}
