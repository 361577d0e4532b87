/**
 * SIGINT/SIGTERM become one transient delivery error: the first signal is told to whoever
 * listens (at once to those who come later), every further one to the repeat listeners, and
 * after dispose the signals are no longer the Interruption's. SIGTERM is sent to this process
 * (SIGINT is the test runner's own: it would end the run).
 */
import { assertEquals } from "../../support/assert.ts";
import { Interruption } from "../../../lib/io/interrupt.ts";
import type { DeliveryError } from "../../../lib/errors.ts";

/** Sends `signal` to this process and lets the listeners run. */
async function signal(name: Deno.Signal): Promise<void> {
  Deno.kill(Deno.pid, name);
  await new Promise((r) => setTimeout(r, 50));
}

Deno.test("interrupt: the first signal is one transient error (exit 111), told once; repeats apart", async () => {
  const interruption = new Interruption();
  try {
    const heard: string[] = [];
    interruption.onSignal((e) => heard.push(`signal: ${e.message}`));
    interruption.onRepeat((e) => heard.push(`repeat: ${e.message}`));
    assertEquals(interruption.error, undefined);
    await signal("SIGTERM");
    const error = await interruption.signalled;
    assertEquals([error.message, error.exitCode, error.transient], [
      "interrupted by SIGTERM",
      111,
      true,
    ]);
    assertEquals(interruption.error, error);
    // One that listens after the signal hears of it at once.
    let late: DeliveryError | undefined;
    interruption.onSignal((e) => late = e);
    assertEquals(late, error);
    // A second signal ends the wait the first one began; the error stays the first one's.
    await signal("SIGTERM");
    assertEquals(heard, ["signal: interrupted by SIGTERM", "repeat: interrupted by SIGTERM"]);
    assertEquals(interruption.error, error);
  } finally {
    interruption.dispose();
  }
});

Deno.test("interrupt: after dispose, a signal is no longer the Interruption's", async () => {
  const interruption = new Interruption();
  const heard: string[] = [];
  interruption.onSignal(() => heard.push("interruption"));
  interruption.dispose();
  // Someone else's listener keeps this process alive through the signal.
  const other = () => heard.push("other");
  Deno.addSignalListener("SIGTERM", other);
  try {
    await signal("SIGTERM");
  } finally {
    Deno.removeSignalListener("SIGTERM", other);
  }
  assertEquals(heard, ["other"]);
  assertEquals(interruption.error, undefined);
});
