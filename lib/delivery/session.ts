/**
 * The session core every sending path shares: where a message goes, opening a session that a
 * signal stops (a grace for the confirms under way, a second signal ends it), and publishing a
 * batch on a session (or failing it with the reason there is none).
 */
import type { Config } from "../config.ts";
import { DeliveryError, EXIT } from "../errors.ts";
import { type Message, routingKey } from "../message/message.ts";
import { toPublication } from "../message/wire.ts";
import type { Interruption } from "../io/interrupt.ts";
import type { Destination } from "../spool/record.ts";
import { BrokerSession, type Deadline, type Outcome } from "../bus/transport.ts";
import { consoleReporter } from "./console.ts";

/** A message and where it goes. */
export interface Addressed extends Destination {
  message: Message;
}

/** One message and what the broker made of it. */
export interface Delivery extends Addressed {
  outcome: Outcome;
}

/**
 * After SIGINT/SIGTERM, how long the confirms of messages already sent are awaited (they count
 * as delivered) before the rest is spooled: each one not awaited would be sent twice.
 */
export const SIGNAL_GRACE_MS = 2000;

/** Where the configuration sends a message: its exchange, the topic behind its prefix. */
export function address(message: Message, config: Config): Addressed {
  return {
    message,
    exchange: config.exchange,
    routingKey: routingKey(config.topicPrefix, message.topic),
  };
}

function asDeliveryError(e: unknown): DeliveryError {
  return e instanceof DeliveryError ? e : new DeliveryError(String(e), EXIT.FAILURE, true);
}

/**
 * Opens a session, or returns why it could not be opened. With `interruption`, a signal while
 * connecting ends the wait (its error is returned, and a session that opens later is closed);
 * a signal once open stops sending after {@link SIGNAL_GRACE_MS}, a second one at once.
 */
export async function openSession(
  config: Config,
  deadline: Deadline,
  interruption?: Interruption,
): Promise<BrokerSession | DeliveryError> {
  const opening = BrokerSession.open(config, deadline, consoleReporter()).catch(asDeliveryError);
  if (!interruption) return await opening;
  const session = await Promise.race([opening, interruption.signalled]);
  if (session instanceof BrokerSession) {
    interruption.onSignal((e) => session.stop(e, SIGNAL_GRACE_MS));
    interruption.onRepeat((e) => session.interrupt(e));
  } else opening.then((s) => s instanceof BrokerSession && s.interrupt(session));
  return session;
}

/**
 * Publishes the items on the session (each to its exchange and routing key); given the error
 * of a session that could not be opened, each item fails with it.
 */
export async function publishOn(
  session: BrokerSession | DeliveryError,
  items: Addressed[],
  deadline: Deadline,
  options: { idleMs?: number; onConfirm?: (index: number) => void } = {},
): Promise<Delivery[]> {
  const outcomes: Outcome[] = session instanceof DeliveryError
    ? items.map(() => ({ ok: false, error: session }))
    : await session.publish(
      items.map((it) => ({
        ...toPublication(it.message, it.exchange, ""),
        routingKey: it.routingKey,
      })),
      deadline,
      options,
    );
  return items.map((it, i) => ({ ...it, outcome: outcomes[i]! }));
}

/** Publishes all messages on one connection, bounded by `deadline`; no spool. */
export async function deliver(
  messages: Message[],
  config: Config,
  deadline: Deadline = Date.now() + config.timeoutMs,
): Promise<Delivery[]> {
  const session = await openSession(config, deadline);
  const deliveries = await publishOn(session, messages.map((m) => address(m, config)), deadline);
  if (!(session instanceof DeliveryError)) {
    await session.close(Math.min(deadline, Date.now() + 1000));
  }
  return deliveries;
}
