/**
 * Listening on the bus until told to stop: after N messages, after a silence, on SIGINT or
 * SIGTERM (cleanly), or when the output is gone. A lost connection is opened again with
 * back-off. Each message is acknowledged only once the handler has kept it, so with a named
 * queue nothing is lost across restarts. Shared by `listen` and `report --live`. What a person
 * must hear (listening, lost, listening again) goes to the caller's BusReporter.
 */
import { type Config, redactUrl } from "../config.ts";
import { DeliveryError, EXIT } from "../errors.ts";
import { type Message, routingKey } from "../message/message.ts";
import { printable } from "../text/printable.ts";
import { BrokerSession } from "./transport.ts";
import type { BusReporter } from "./reporter.ts";
import { type Delivered, fromDelivery, messageLabel } from "../message/wire.ts";

/** When to stop listening. */
export interface ListenLimits {
  /** Stop after this many messages. */
  count?: number;
  /** Stop after this many milliseconds without a message (also bounds connecting). */
  silenceMs?: number;
}

/** What to listen to. */
export interface Subscription {
  /** Topics or patterns, with or without the topic prefix. */
  bindings: string[];
  /** The bindings are routing keys as they are (a config's `[[bindings]]`): no prefix added. */
  literal?: boolean;
  /** A durable named queue that keeps messages while nobody listens; temporary when absent. */
  queue?: string;
  /** Declaring the named queue: its settings and x-arguments (x-queue-type, x-delivery-limit). */
  declare?: QueueSettings;
  /**
   * The named queue's dead letters (where the broker moves what the queue's x-dead-letter-*
   * arguments send there): declared with `deadLetterArguments` and drained through the
   * handler's `deadLetter`.
   */
  deadLetters?: string;
  deadLetterArguments?: Record<string, unknown>;
  /**
   * Deliveries unacknowledged at a time (default 100). A quorum queue counts a delivery for
   * every message given back when a connection dies, so 1 keeps a crash's count on the one
   * message being handled, not on the ones fetched behind it.
   */
  prefetch?: number;
}

/** How a named queue is declared (fedora-messaging's `[queues.NAME]`). */
export interface QueueSettings {
  durable?: boolean;
  autoDelete?: boolean;
  exclusive?: boolean;
  arguments?: Record<string, unknown>;
}

/**
 * A message that cannot be recorded as a line (too deep, not a fedora-messaging message): the
 * handler's `message` throws it, and it goes to `bad` like any message that is not one, never
 * counted as an output failure.
 */
export class BadMessage extends Error {
  override name = "BadMessage";
}

/** What becomes of the messages. */
export interface Handler {
  /**
   * Keeps one message. False when the output is gone (a closed pipe): listening ends with
   * exit 0, the message not acknowledged, so a named queue still holds it. Throws when the
   * message could not be kept (disk full, file not writable): the message is held, not given
   * back, and offered again until it is kept (a failure of ours must not use up its deliveries).
   */
  message(m: Message): boolean;
  /** SIGHUP: reopen the output. */
  hangup?(): void;
  /**
   * Settles when the output's reader is gone with no line being written (a closed pipe, found
   * by watching it): listening ends with exit 0, as when a write finds it gone.
   */
  readerGone?: Promise<void>;
  /**
   * A delivery that is not a fedora-messaging message, or cannot be written as a line: kept
   * aside (a side file) or said, then acknowledged. Throws when it could not be kept aside:
   * not acknowledged, listening ends with exit 1.
   */
  bad?(d: Delivered, e: Error): void;
  /** A dead letter, drained from the dead-letter queue: kept, then acknowledged (throws: not). */
  deadLetter?(d: Delivered): void;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
const MAX_PREFETCH = 100;

/** The binding as a routing key: the topic prefix put in front unless it is there already. */
export function bindingKey(topicPrefix: string, binding: string): string {
  const prefix = topicPrefix.replace(/\.+$/, "");
  return prefix && (binding === prefix || binding.startsWith(prefix + "."))
    ? binding
    : routingKey(topicPrefix, binding);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The line for a delivery that is not a fedora-messaging message. */
function badLine(d: Delivered, e: Error): string {
  return `${
    messageLabel(d.messageId)
  } on ${d.routingKey}: not a fedora-messaging message: ${e.message}`;
}

/** The line for a delivery that comes again (it was not acknowledged before). */
function redeliveredLine(d: Delivered): string {
  const count = d.headers?.["x-delivery-count"];
  return printable(
    `${messageLabel(d.messageId)} on ${d.routingKey} delivered again` +
      (typeof count === "number" ? ` (returned ${count} time(s) unacknowledged)` : "") +
      ": it was not acknowledged before (a lost connection or a crash)",
  );
}

/**
 * Binds the queue with each binding and hands every message to the handler. Returns the exit
 * code: 0 when stopped by a limit, a signal or a closed output; 1 when a message could not be
 * kept; 111 when the connection was lost and not regained within the silence limit. The first
 * connection is not retried: its failure is thrown (a service manager restarts later).
 * `reporter` hears the connection's steps and the lines a person must read.
 */
export async function listen(
  config: Config,
  subscription: Subscription,
  limits: ListenLimits,
  handler: Handler,
  reporter: BusReporter,
): Promise<number> {
  const say = (line: string) => reporter.say(line);
  const count = limits.count ?? Infinity;
  const keys = subscription.literal
    ? subscription.bindings
    : subscription.bindings.map((b) => bindingKey(config.topicPrefix, b));
  const connectMs = limits.silenceMs ?? config.timeoutMs;
  let session: BrokerSession | undefined;
  let seen = 0;
  let stopping = false;
  let stop!: (code: number) => void;
  const stopped = new Promise<number>((resolve) =>
    stop = (code) => {
      stopping = true;
      resolve(code);
    }
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (limits.silenceMs === undefined) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (session) return stop(EXIT.OK);
      say(`the connection did not come back within the timeout`);
      stop(EXIT.CONNECT);
    }, limits.silenceMs);
  };
  const onStop = () => stop(EXIT.OK);
  handler.readerGone?.then(onStop);
  const onHangup = () => handler.hangup?.();
  Deno.addSignalListener("SIGINT", onStop);
  Deno.addSignalListener("SIGTERM", onStop);
  Deno.addSignalListener("SIGHUP", onHangup);

  /** Keeps `d` aside; false (and listening ends, exit 1) when even that failed. */
  const putAside = (d: Delivered, e: Error): boolean => {
    try {
      if (handler.bad) handler.bad(d, e);
      else say(badLine(d, e));
      return true;
    } catch (failure) {
      say((failure as Error).message);
      stop(EXIT.FAILURE);
      return false;
    }
  };
  /** Deliveries that came while a line could not be written, in order (prefetch > 1). */
  const held: [Delivered, () => void][] = [];
  let blocked = false;
  /**
   * The output cannot take `m` (disk full, file not writable): a failure of our own, not the
   * message's. Giving the message back would count a delivery against it each time, and past
   * the queue's limit the broker would dead-letter a good message; so it is held, unacknowledged
   * on a live connection, and written again, 1 s then up to 30 s apart, until it is kept (or
   * listening is stopped: then the broker gives it to the next listener).
   */
  const retryWrite = async (m: Message, ack: () => void, first: Error) => {
    blocked = true;
    say(
      `${first.message}; the message is held (not given back: it keeps its deliveries) and ` +
        "written again until it can be",
    );
    let wait = FIRST_RETRY_MS;
    let said = first.message;
    while (!stopping) {
      // Short naps, so that a SIGTERM ends listening at once.
      for (let slept = 0; slept < wait && !stopping; slept += 200) await sleep(200);
      if (stopping) return;
      try {
        if (!handler.message(m)) return stop(EXIT.OK);
      } catch (e) {
        if (!(e instanceof BadMessage || e instanceof RangeError)) {
          if ((e as Error).message !== said) say(said = (e as Error).message);
          wait = Math.min(wait * 2, MAX_RETRY_MS);
          continue;
        }
        say((e as Error).message);
        return stop(EXIT.FAILURE);
      }
      say("the held message is written; going on");
      blocked = false;
      settle(ack);
      if (++seen >= count) return stop(EXIT.OK);
      arm();
      for (const [d, a] of held.splice(0)) onDelivery(d, a);
      return;
    }
  };
  const onDelivery = (d: Delivered, ack: () => void): void => {
    // Not acknowledged: the broker gives it to the next listener.
    if (stopping || seen >= count) return;
    if (blocked) {
      held.push([d, ack]);
      return;
    }
    // Said before anything is done with it: if it is what stopped the last run, this is the
    // line that names it (the broker counts deliveries; a quorum queue gives up at its limit).
    if (d.redelivered) say(redeliveredLine(d));
    let m: Message;
    try {
      m = fromDelivery(d, config.topicPrefix);
    } catch (e) {
      if (putAside(d, e as Error)) settle(ack);
      return;
    }
    try {
      if (!handler.message(m)) return stop(EXIT.OK);
    } catch (e) {
      if (e instanceof BadMessage || e instanceof RangeError) {
        if (putAside(d, e)) settle(ack);
        return;
      }
      clearTimeout(timer);
      retryWrite(m, ack, e as Error);
      return;
    }
    settle(ack);
    if (++seen >= count) stop(EXIT.OK);
    else arm();
  };

  const onDeadLetter = (d: Delivered, ack: () => void) => {
    if (stopping) return;
    try {
      handler.deadLetter?.(d);
    } catch (e) {
      say((e as Error).message);
      return stop(EXIT.FAILURE);
    }
    settle(ack);
  };

  let saidNoDeadLetters = false;
  /**
   * The dead-letter queue, used as it is when it exists (whatever its type), else declared
   * (not with passive_declares: then its absence is said once and nothing is drained).
   */
  const drainDeadLetters = async (s: BrokerSession) => {
    if (subscription.deadLetters === undefined || subscription.queue === undefined) return;
    const options = { name: subscription.deadLetters, ack: true, prefetch: 1 };
    try {
      await s.subscribe("", [], Date.now() + connectMs, onDeadLetter, {
        ...options,
        passive: true,
      });
      return;
    } catch (e) {
      if (!(e instanceof DeliveryError) || !/does not exist/.test(e.message)) throw e;
      if (config.passiveDeclares) {
        if (!saidNoDeadLetters) {
          say(`queue "${subscription.deadLetters}" does not exist: no dead letters drained`);
        }
        saidNoDeadLetters = true;
        return;
      }
    }
    await s.subscribe("", [], Date.now() + connectMs, onDeadLetter, {
      ...options,
      ...(subscription.deadLetterArguments ? { arguments: subscription.deadLetterArguments } : {}),
    });
  };

  let lost!: () => void;
  const connect = async () => {
    const s = await BrokerSession.open(config, Date.now() + connectMs, reporter).catch((e) => {
      // A problem of configuration (it comes with its fix) does not heal by retrying: said
      // once, with its own exit code, so that the unit stays failed for monitoring to see.
      throw e instanceof DeliveryError && e.fix !== undefined
        ? new DeliveryError(e.message, EXIT.PERMANENT, false, e.fix)
        : e;
    });
    const gone = new Promise<void>((resolve) => lost = resolve);
    const drop = () => {
      if (session === s) session = undefined;
      lost();
    };
    s.connection.on("close", drop);
    try {
      await s.subscribe(config.exchange, keys, Date.now() + connectMs, onDelivery, {
        ...(subscription.queue !== undefined
          ? { name: subscription.queue, passive: config.passiveDeclares, ...subscription.declare }
          : {}),
        ack: true,
        prefetch: Math.min(count, subscription.prefetch ?? MAX_PREFETCH),
        onCancel: drop,
      });
      await drainDeadLetters(s);
    } catch (e) {
      await s.close(Date.now() + 1000);
      throw e;
    }
    session = s;
    // Wrapped: an async function would wait for a promise it returns.
    return { gone };
  };
  /**
   * A connection, or the exit code when listening stops first (a signal, a reader gone while a
   * broker stalls): a connection made after that is closed, a failure after that ignored.
   */
  const connectUnlessStopped = async () => {
    const attempt = connect();
    const first = await Promise.race([stopped, attempt]);
    if (typeof first === "number") {
      attempt.then(() => session?.close(Date.now() + 1000), () => {});
    }
    return first;
  };

  try {
    const first = await connectUnlessStopped();
    if (typeof first === "number") return first;
    let { gone } = first;
    const queue = subscription.queue === undefined ? "" : `queue "${subscription.queue}", `;
    say(
      `listening on ${config.exchange} for ${keys.join(", ")} (${queue}${
        redactUrl(config.amqpUrl)
      })`,
    );
    arm();
    for (;;) {
      if (await Promise.race([stopped, gone.then(() => undefined)]) !== undefined) {
        return await stopped;
      }
      let delay = FIRST_RETRY_MS;
      say(`${redactUrl(config.amqpUrl)}: connection lost while listening; opening it again`);
      for (;;) {
        const woke = await Promise.race([stopped, sleep(delay).then(() => undefined)]);
        if (woke !== undefined) return woke;
        try {
          const again = await connectUnlessStopped();
          if (typeof again === "number") return again;
          gone = again.gone;
          say(`listening again on ${config.exchange} for ${keys.join(", ")}`);
          break;
        } catch (e) {
          if (e instanceof DeliveryError && !e.transient) throw e;
          delay = Math.min(delay * 2, MAX_RETRY_MS);
          say(`${(e as Error).message}; next attempt in ${delay / 1000} s`);
        }
      }
    }
  } finally {
    stopping = true;
    clearTimeout(timer);
    Deno.removeSignalListener("SIGINT", onStop);
    Deno.removeSignalListener("SIGTERM", onStop);
    Deno.removeSignalListener("SIGHUP", onHangup);
    await session?.close(Date.now() + 1000);
  }
}

/** Acknowledges; a channel closed meanwhile means the broker will deliver the message again. */
function settle(ack: () => void): void {
  try {
    ack();
  } catch { /* redelivered after reconnecting: at least once */ }
}
