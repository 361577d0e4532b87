/**
 * Fail fast, the one rule publish, sync-event and flush share: a broker that could not be
 * reached is remembered in the spool directory; within the window the next call does not try
 * (the reason says when it will); a window of 0 (flush) always tries and still remembers;
 * without fail-fast nothing is remembered; nor is a stall after a signal or under a sub-second
 * timeout. The broker here is a port nobody listens on.
 */
import { assert, assertEquals } from "../../support/assert.ts";
import { openOrSkip, rememberStall } from "../../../lib/delivery/failfast.ts";
import type { BrokerSession } from "../../../lib/bus/transport.ts";
import type { Interruption } from "../../../lib/io/interrupt.ts";
import { parseConfig } from "../../../lib/config.ts";
import { DeliveryError } from "../../../lib/errors.ts";
import { stateFile } from "../../../lib/spool/failfast.ts";

/** A port that refuses connections at once: one taken and closed again. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const config = (port: number) => parseConfig(`amqp_url = "amqp://127.0.0.1:${port}/"\n`, "c.toml");
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("fail-fast: a failure is remembered; within the window the broker is not tried", async () => {
  const dir = await Deno.makeTempDir();
  const c = config(closedPort());
  const first = await openOrSkip(c, Date.now() + 5000, { dir, windowMs: 60_000 });
  assert(first instanceof DeliveryError);
  assertEquals([first.exitCode, first.transient], [111, true]);
  assert(await exists(stateFile(dir, c.amqpUrl)), "the failure is remembered");
  const started = Date.now();
  const second = await openOrSkip(c, Date.now() + 5000, { dir, windowMs: 60_000 });
  assert(second instanceof DeliveryError);
  assert(
    /^not trying amqp:\/\/127\.0\.0\.1:\d+\/ again yet: it failed \d+ s ago \(.*\); next attempt in \d+ s \(--retry-after\)$/
      .test(second.message),
    second.message,
  );
  assert(Date.now() - started < 1000, "not tried");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fail-fast: a window of 0 (flush) always tries, and still remembers for the others", async () => {
  const dir = await Deno.makeTempDir();
  const c = config(closedPort());
  await openOrSkip(c, Date.now() + 5000, { dir, windowMs: 60_000 });
  const state = await Deno.readTextFile(stateFile(dir, c.amqpUrl));
  await new Promise((r) => setTimeout(r, 5));
  const tried = await openOrSkip(c, Date.now() + 5000, { dir, windowMs: 0 });
  assert(tried instanceof DeliveryError);
  assert(!tried.message.startsWith("not trying"), tried.message);
  // Tried again and failed again: the state is the new failure's.
  assert((await Deno.readTextFile(stateFile(dir, c.amqpUrl))) !== state, "remembered anew");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fail-fast: without it, a failure is not remembered", async () => {
  const dir = await Deno.makeTempDir();
  const c = config(closedPort());
  const failed = await openOrSkip(c, Date.now() + 5000, undefined);
  assert(failed instanceof DeliveryError);
  assertEquals([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fail-fast: a stalled session is remembered, but not after a signal nor under a sub-second --timeout", async () => {
  const dir = await Deno.makeTempDir();
  const c = config(closedPort());
  const stall = new DeliveryError(
    "amqp://x/: no confirm from the broker within the timeout",
    111,
    true,
  );
  // Only what rememberStall reads of a session and an interruption.
  const stalled = { stalled: stall } as unknown as BrokerSession;
  const failFast = { dir, windowMs: 60_000 };
  const signal = { error: new DeliveryError("stopped by SIGTERM", 111, true) } as Interruption;
  await rememberStall({ stalled: undefined } as unknown as BrokerSession, c, failFast);
  await rememberStall(stalled, c, failFast, signal);
  await rememberStall(stalled, { ...c, timeoutMs: 999 }, failFast);
  await rememberStall(stalled, c, undefined);
  assertEquals([...Deno.readDirSync(dir)], [], "none of these is remembered");
  await rememberStall(stalled, c, failFast);
  const skip = await openOrSkip(c, Date.now() + 5000, failFast);
  assert(skip instanceof DeliveryError);
  assert(skip.message.startsWith("not trying "), skip.message);
  assert(skip.message.includes("(amqp://x/: no confirm from the broker within the timeout)"));
  await Deno.remove(dir, { recursive: true });
});
