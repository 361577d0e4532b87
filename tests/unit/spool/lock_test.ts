/**
 * The spool's lock: one holder at a time (flock conflicts between open files even within one
 * process, as between two processes), a waiter that gives up at its deadline, and an attempt
 * given up that never keeps the lock once the holder lets go.
 */
import { assert, assertEquals } from "../../support/assert.ts";
import { lockSpool } from "../../../lib/spool/lock.ts";

Deno.test("lock: one holder; another waits until its deadline and gets nothing", async () => {
  const dir = await Deno.makeTempDir();
  const first = await lockSpool(dir, Date.now() + 1000);
  assert(first, "the free lock is taken");
  assertEquals((await Deno.stat(`${dir}/.lock`)).mode! & 0o777, 0o600);
  const started = Date.now();
  assertEquals(await lockSpool(dir, started + 200), undefined);
  const waited = Date.now() - started;
  assert(waited >= 150 && waited < 2000, `waited ${waited} ms for a 200 ms deadline`);
  first.release();
  first.release(); // twice is harmless
  const again = await lockSpool(dir, Date.now() + 1000);
  assert(again, "released, it can be taken again");
  again.release();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("lock: a waiter that gave up does not take the lock later behind everyone's back", async () => {
  const dir = await Deno.makeTempDir();
  const holder = await lockSpool(dir, Date.now() + 1000);
  assert(holder);
  assertEquals(await lockSpool(dir, Date.now() + 50), undefined);
  holder.release();
  // The abandoned attempt now gets the lock and must let go of it at once.
  await new Promise((r) => setTimeout(r, 100));
  const next = await lockSpool(dir, Date.now() + 300);
  assert(next, "the lock is free: the attempt given up released it");
  next.release();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("lock: a waiter gets the lock as soon as the holder lets go, before its deadline", async () => {
  const dir = await Deno.makeTempDir();
  const holder = await lockSpool(dir, Date.now() + 1000);
  assert(holder);
  setTimeout(() => holder.release(), 100);
  const started = Date.now();
  const waiter = await lockSpool(dir, started + 5000);
  assert(waiter, "taken once released");
  assert(Date.now() - started < 2000, "not at the deadline");
  waiter.release();
  await Deno.remove(dir, { recursive: true });
});
