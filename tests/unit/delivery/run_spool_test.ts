/**
 * The spool as one run uses it: off by request, not used when the rule forbids it (said once,
 * nothing written), and created only when something must be written.
 */
import { assert, assertEquals } from "../../support/assert.ts";
import { RunSpool } from "../../../lib/delivery/run_spool.ts";
import { listSpool } from "../../../lib/spool/spool.ts";
import type { SpoolEntry } from "../../../lib/spool/spool.ts";

const entry = (id: string): SpoolEntry => ({
  message: { topic: "t", body: { n: 1 }, headers: { "sent-at": "x" }, id, priority: 0 },
  destination: { exchange: "amq.topic", routingKey: "t" },
});

Deno.test("run spool: --no-spool is off; nothing is written and no reason is made up", async () => {
  const spool = await RunSpool.open(undefined);
  assertEquals([spool.off, spool.usable, spool.drainable], [true, false, false]);
  assertEquals(await spool.write([entry("a")]), { written: [false] });
});

Deno.test("run spool: no directory for a reason: not off, not usable, nothing written", async () => {
  const spool = await RunSpool.open(undefined, "spool: no directory: HOME is not set");
  assertEquals([spool.off, spool.usable, spool.drainable], [false, false, false]);
  assertEquals(await spool.write([entry("a")]), { written: [false] });
});

Deno.test("run spool: a missing directory is usable, created on the first write (0700), then drainable", async () => {
  const parent = await Deno.makeTempDir();
  const dir = `${parent}/spool`;
  const spool = await RunSpool.open(dir);
  assertEquals([spool.off, spool.usable, spool.drainable], [false, true, false]);
  assertEquals(await Deno.stat(dir).catch(() => undefined), undefined, "not created by looking");
  const write = await spool.write([entry("a"), entry("b")]);
  assertEquals(write, { written: [true, true] });
  assertEquals((await Deno.stat(dir)).mode! & 0o777, 0o700);
  assertEquals((await listSpool(dir)).length, 2);
  assertEquals((await RunSpool.open(dir)).drainable, true);
  await Deno.remove(parent, { recursive: true });
});

Deno.test("run spool: a directory others may write is not used: nothing written there", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.chmod(dir, 0o777);
  const spool = await RunSpool.open(dir);
  assertEquals([spool.off, spool.usable, spool.drainable], [false, false, false]);
  const write = await spool.write([entry("a")]);
  assertEquals(write.written, [false]);
  // Said once, when found (on stderr by open), not again with each write.
  assertEquals(write.error, undefined);
  assertEquals(await listSpool(dir), []);
  assert(spool.dir === dir);
  await Deno.remove(dir, { recursive: true });
});
