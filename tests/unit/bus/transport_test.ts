/**
 * The publishing side of the transport against a channel that behaves as RabbitMQ does when it
 * refuses a publish: frames are handled in order, confirms go out later, and a refusal closes
 * the channel, so the confirms of messages routed before it are lost with it. Here the
 * broker's words name nothing, so the refused message has to be found by sending one at a time.
 */
import { EventEmitter } from "node:events";
import { assertEquals } from "../../support/assert.ts";
import { BrokerSession } from "../../../lib/bus/transport.ts";
import type { Publication } from "../../../lib/message/wire.ts";

/** A broker that refuses `refused` routing keys and keeps what it routed. */
class FakeBroker {
  routed: string[] = [];
  #timers: ReturnType<typeof setInterval>[] = [];
  constructor(readonly refused: Set<string>) {}

  /** Stops confirming (the end of the test). */
  stop(): void {
    for (const t of this.#timers) clearInterval(t);
  }

  connection() {
    const connection = new EventEmitter() as EventEmitter & Record<string, unknown>;
    connection.createConfirmChannel = () => Promise.resolve(this.#channel());
    connection.close = () => Promise.resolve();
    return connection;
  }

  #channel() {
    const channel = new EventEmitter() as EventEmitter & Record<string, unknown>;
    let closed = false;
    const unconfirmed: Array<(err: Error | null) => void> = [];
    channel.publish = (
      _exchange: string,
      key: string,
      _body: unknown,
      _props: unknown,
      cb: (err: Error | null) => void,
    ) => {
      if (closed) throw new Error("Channel closed");
      // The broker handles each frame in order, a moment later.
      setTimeout(() => {
        if (closed) return;
        if (this.refused.has(key)) {
          closed = true;
          channel.emit(
            "error",
            new Error(
              'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - odd"',
            ),
          );
          for (const f of unconfirmed.splice(0)) f(new Error("channel closed"));
          channel.emit("close");
          return;
        }
        this.routed.push(key);
        unconfirmed.push(cb);
      }, 0);
      return true;
    };
    // Confirms go out in batches, after the frames before them were handled.
    const confirmAll = setInterval(() => {
      if (closed) return clearInterval(confirmAll);
      for (const f of unconfirmed.splice(0)) f(null);
    }, 20);
    this.#timers.push(confirmAll);
    return channel;
  }
}

function pub(key: string): Publication {
  return {
    exchange: "amq.topic",
    routingKey: key,
    body: new Uint8Array(),
    properties: {
      contentType: "application/json",
      contentEncoding: "utf-8",
      deliveryMode: 2,
      priority: 0,
      messageId: key,
      headers: {},
    },
  };
}

Deno.test("a refusal whose words name no message: found by sending one at a time; the others delivered", async () => {
  const broker = new FakeBroker(new Set(["k5"]));
  const Session = BrokerSession as unknown as new (c: unknown, where: string) => BrokerSession;
  const session = new Session(broker.connection(), "fake://");
  const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
  const confirmed: number[] = [];
  const outcomes = await session.publish(keys.map(pub), Date.now() + 5000, {
    onConfirm: (i) => confirmed.push(i),
  });
  broker.stop();
  assertEquals(outcomes.map((o) => o.ok), keys.map((k) => k !== "k5"));
  const refusal = outcomes[5]!;
  assertEquals(
    refusal.ok ? "" : refusal.error.message,
    'fake://: refused by the broker: Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - odd"',
  );
  assertEquals(refusal.ok ? 0 : refusal.error.exitCode, 121);
  // Every other message routed at least once, the refused one never.
  assertEquals([...new Set(broker.routed)].sort(), keys.filter((k) => k !== "k5").sort());
  assertEquals(confirmed.sort((a, b) => a - b), [0, 1, 2, 3, 4, 6, 7, 8, 9]);
});
