/**
 * Listening on the bus until told to stop: after N messages, after a silence, on SIGINT or
 * SIGTERM (cleanly), or when the connection is lost. Shared by `listen` and `report --live`.
 */
import type { Config } from "../config.ts";
import { EXIT } from "../errors.ts";
import { type Message, routingKey } from "../message/message.ts";
import { say } from "../cli/output.ts";
import { BrokerSession } from "./transport.ts";
import { type Delivered, fromDelivery } from "./wire.ts";

/** When to stop listening. */
export interface ListenLimits {
  /** Stop after this many messages. */
  count?: number;
  /** Stop after this many milliseconds without a message (also bounds connecting). */
  silenceMs?: number;
}

/**
 * Binds a temporary queue with each binding (topic prefix applied) and hands every message to
 * `onMessage` (or `onBad` when it is not a fedora-messaging message). Returns the exit code:
 * 0 when stopped by a limit or a signal, 111 when the connection is lost.
 */
export async function listen(
  config: Config,
  bindings: string[],
  limits: ListenLimits,
  onMessage: (m: Message) => void,
  onBad: (d: Delivered, e: Error) => void = (d, e) =>
    say(
      `message ${
        String(d.messageId)
      } on ${d.routingKey}: not a fedora-messaging message: ${e.message}`,
    ),
): Promise<number> {
  const count = limits.count ?? Infinity;
  const session = await BrokerSession.open(
    config,
    Date.now() + (limits.silenceMs ?? config.timeoutMs),
  );
  let seen = 0;
  let stop!: (code: number) => void;
  const stopped = new Promise<number>((resolve) => stop = resolve);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (limits.silenceMs === undefined) return;
    clearTimeout(timer);
    timer = setTimeout(() => stop(EXIT.OK), limits.silenceMs);
  };
  const onSignal = () => stop(EXIT.OK);
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  let closing = false;
  session.connection.on("close", () => {
    if (closing) return;
    say(`${session.where}: connection lost while listening`);
    stop(EXIT.CONNECT);
  });
  try {
    const keys = bindings.map((b) => routingKey(config.topicPrefix, b));
    await session.subscribe(
      config.exchange,
      keys,
      Date.now() + (limits.silenceMs ?? config.timeoutMs),
      (d) => {
        if (seen >= count) return;
        seen++;
        try {
          onMessage(fromDelivery(d, config.topicPrefix));
        } catch (e) {
          onBad(d, e as Error);
        }
        if (seen >= count) stop(EXIT.OK);
        else arm();
      },
    );
    say(`listening on ${config.exchange} for ${keys.join(", ")} (${session.where})`);
    arm();
    return await stopped;
  } finally {
    closing = true;
    clearTimeout(timer);
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    await session.close(Date.now() + 1000);
  }
}
