/**
 * Fail fast after a stall: a broker that takes the connection and then confirms nothing (its
 * memory alarm blocks publishers) costs the first call the timeout and the following ones
 * nothing, as a broker that cannot be reached does; `flush` still tries, and delivers once the
 * alarm is cleared.
 */
import { assert, assertEquals, assertIncludes, assertNotIncludes } from "../support/assert.ts";
import { drainQueue, durableQueue, PLAIN_URL, rabbitmqctl } from "../support/broker.ts";
import { busmsg, spawnBusmsg, spoolLines } from "../support/run.ts";

const TIMEOUT_MS = 2000;
// Process start-up plus a little: what "within the timeout plus a small margin" allows.
const MARGIN_MS = 1500;
const CALLS = 4;

Deno.test("fail-fast: after a call found the broker confirming nothing (memory alarm), the next calls within --retry-after spool at once; flush delivers each once the alarm is cleared", async () => {
  const spoolDir = await Deno.makeTempDir();
  const queue = "failfast-stall";
  await durableQueue(queue, "failfast.stall.#");
  const ids: string[] = Array.from({ length: CALLS }, () => crypto.randomUUID());
  const publish = (id: string, i: number) =>
    busmsg(["publish", "--url", PLAIN_URL, "--timeout", String(TIMEOUT_MS / 1000), "-"], {
      spoolDir,
      stdin: JSON.stringify({ id, topic: `failfast.stall.${i}`, body: { i } }) + "\n",
    });
  await rabbitmqctl("set_vm_memory_high_watermark", "0");
  try {
    const first = await publish(ids[0]!, 0);
    assertEquals(first.code, 0, first.stderr);
    assert(first.ms >= TIMEOUT_MS, `the first call waits for the timeout: took ${first.ms} ms`);
    assert(first.ms < TIMEOUT_MS + MARGIN_MS, `took ${first.ms} ms`);
    assertIncludes(first.stderr, "no confirm from the broker within the timeout");
    assertNotIncludes(first.stderr, "not trying");
    for (let i = 1; i < CALLS; i++) {
      const next = await publish(ids[i]!, i);
      assertEquals(next.code, 0, next.stderr);
      // Well under the timeout: no connection, no wait (start-up only, on a busy machine).
      assert(next.ms < TIMEOUT_MS / 2, `call ${i + 1} took ${next.ms} ms: ${next.stderr}`);
      // One line, saying why and when the next attempt is (the password never in it).
      assertEquals(next.stderr.trim().split("\n").length, 1, next.stderr);
      assertIncludes(next.stderr, "warning: 1 of 1 message(s) spooled");
      assert(
        /: not trying amqp:\/\/busmsg-test:\*\*\*@127\.0\.0\.1:\d+\/%2Fpubsub again yet: it failed \d+ s ago \(\S+: no confirm from the broker within the timeout\); next attempt in \d+ s \(--retry-after\)$/
          .test(next.stderr.trim()),
        next.stderr,
      );
    }
    // doctor connects (the alarm blocks only publishers) and says why the calls spool anyway.
    const doctor = await busmsg(["doctor", "--url", PLAIN_URL], { spoolDir });
    assertIncludes(doctor.stdout, "\nOK AMQP: ");
    assert(
      /\nWARNING spool: [^\n]*: waiting: 4 messages, [^\n]*; publish and sync-event: not trying \S+ again yet: it failed \d+ s ago \(\S+: no confirm from the broker within the timeout\); next attempt in \d+ s \(--retry-after\)\n/
        .test(doctor.stdout),
      doctor.stdout,
    );
    const spooled = (await spoolLines(spoolDir)).map((l) => JSON.parse(l).id as string);
    assertEquals(spooled.toSorted(), ids.toSorted(), "each message spooled exactly once");
    // Nothing reached the queue while the alarm blocked publishers.
    assertEquals(await drainQueue(queue, false), []);
  } finally {
    await rabbitmqctl("set_vm_memory_high_watermark", "0.4");
  }
  // flush does not wait out --retry-after: it tries, and delivers each message once.
  const flush = await busmsg(["flush", "--url", PLAIN_URL, "--timeout", "10"], { spoolDir });
  assertEquals(flush.code, 0, flush.stderr);
  assertEquals(flush.stdout, `${CALLS} sent, 0 left\n`);
  assertEquals(await spoolLines(spoolDir), []);
  // The flush sent each once. The first call's message was written before the broker blocked
  // the connection: the broker kept it and delivers it too once the alarm clears (at least
  // once, same id). The calls that did not try wrote nothing: theirs arrive exactly once.
  const arrived = await drainQueue(queue);
  const count = (id: string) => arrived.filter((a) => a === id).length;
  assert([1, 2].includes(count(ids[0]!)), `first: ${count(ids[0]!)} copies`);
  assertEquals(ids.slice(1).map(count), ids.slice(1).map(() => 1), "each of the others once");
  assertEquals(arrived.filter((a) => !ids.includes(a)), []);
  // The success forgot the stall: doctor says nothing of it, and the next call tries.
  const doctor = await busmsg(["doctor", "--url", PLAIN_URL], { spoolDir });
  assertIncludes(doctor.stdout, "\nOK spool: ");
  const after = await publish(crypto.randomUUID(), CALLS);
  assertEquals(after.code, 0, after.stderr);
  assertNotIncludes(after.stderr, "not trying");
  assertEquals(await spoolLines(spoolDir), []);
});

Deno.test("fail-fast: a flush that finds the broker confirming nothing is remembered for the sending calls", async () => {
  const spoolDir = await Deno.makeTempDir();
  const call = (...extra: string[]) =>
    busmsg(["publish", "--url", PLAIN_URL, "--timeout", "2", ...extra, "--topic", "ff.x", "a=1"], {
      spoolDir,
    });
  const state = () =>
    [...Deno.readDirSync(spoolDir)].filter((e) => e.name.startsWith(".unreachable-")).length;
  await rabbitmqctl("set_vm_memory_high_watermark", "0");
  try {
    // --retry-after 0s: tries, and keeps no state; the message is spooled.
    const seeded = await call("--retry-after", "0s");
    assertEquals(seeded.code, 0, seeded.stderr);
    assertEquals([(await spoolLines(spoolDir)).length, state()], [1, 0]);
    const flush = await busmsg(["flush", "--url", PLAIN_URL, "--timeout", "2"], { spoolDir });
    assertEquals(flush.code, 111, flush.stderr);
    assertEquals(flush.stdout, "0 sent, 1 left\n");
    assertIncludes(flush.stderr, "no confirm from the broker within the timeout");
    assertEquals(state(), 1, "the stall is remembered");
    const next = await call();
    assertEquals(next.code, 0, next.stderr);
    assert(next.ms < 1000, `took ${next.ms} ms: ${next.stderr}`);
    assertIncludes(next.stderr, "not trying");
    assertEquals((await spoolLines(spoolDir)).length, 2);
  } finally {
    await rabbitmqctl("set_vm_memory_high_watermark", "0.4");
  }
});

Deno.test("publish --stream: after a stall the next lines are spooled at once, not each after a timeout", async () => {
  const spoolDir = await Deno.makeTempDir();
  const child = spawnBusmsg(["publish", "--stream", "--timeout", "2", "--url", PLAIN_URL, "-"], {
    BUSMSG_SPOOL_DIR: spoolDir,
  }, "piped");
  const writer = child.stdin.getWriter();
  const line = (n: number) =>
    writer.write(new TextEncoder().encode(`{"topic": "ff.stream", "body": {"n": ${n}}}\n`));
  const spooledWithin = async (n: number, ms: number) => {
    const end = Date.now() + ms;
    while ((await spoolLines(spoolDir)).length < n && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return (await spoolLines(spoolDir)).length;
  };
  await rabbitmqctl("set_vm_memory_high_watermark", "0");
  try {
    await line(1);
    assertEquals(
      await spooledWithin(1, TIMEOUT_MS + MARGIN_MS + 3000),
      1,
      "spooled at the timeout",
    );
    const started = Date.now();
    await line(2);
    await line(3);
    assertEquals(await spooledWithin(3, TIMEOUT_MS), 3);
    // Not one timeout per line: no new connection was tried.
    assert(Date.now() - started < TIMEOUT_MS / 2, `took ${Date.now() - started} ms`);
    await writer.close();
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assertIncludes(stderr, "warning: 3 of 3 message(s) spooled");
  } finally {
    await rabbitmqctl("set_vm_memory_high_watermark", "0.4");
  }
});
