/** Bounded time and broker faults: real misbehaving sockets and a real broker stopped mid-way. */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import {
  brokerScript,
  drainQueue,
  durableQueue,
  PLAIN_PORT,
  PLAIN_URL,
  rabbitmqctl,
  TLS_PORT,
  tlsConfig,
} from "../support/broker.ts";
import { blackHole, relay, silentServer } from "../support/faults.ts";
import { busmsg, publishedIds, spawnBusmsg, spoolLines } from "../support/run.ts";

// Process start-up plus a little: what "within the timeout plus a small margin" allows.
const MARGIN_MS = 1500;

Deno.test("a black-holed port (SYNs dropped) ends within --timeout: exit 111, one line", async () => {
  const hole = await blackHole();
  try {
    const run = await busmsg([
      "publish",
      "--no-spool",
      "--timeout",
      "1",
      "--url",
      `amqp://127.0.0.1:${hole.port}/`,
      "--topic",
      "x",
      "a=1",
    ]);
    assertEquals(run.code, 111, run.stderr);
    assert(run.ms < 1000 + MARGIN_MS, `took ${run.ms} ms`);
    assertIncludes(run.stderr, "no answer within the timeout");
    assertEquals(run.stderr.trim().split("\n").length, 1);
  } finally {
    hole.close();
  }
});

Deno.test("a server that accepts TCP but never speaks AMQP ends within BUSMSG_TIMEOUT", async () => {
  const silent = silentServer();
  try {
    const run = await busmsg([
      "publish",
      "--no-spool",
      "--url",
      `amqp://127.0.0.1:${silent.port}/`,
      "--topic",
      "x",
      "a=1",
    ], {
      env: { BUSMSG_TIMEOUT: "1" },
    });
    assertEquals(run.code, 111, run.stderr);
    assert(run.ms < 1000 + MARGIN_MS, `took ${run.ms} ms`);
    assertIncludes(run.stderr, "no answer within the timeout");
  } finally {
    silent.close();
  }
});

Deno.test("a TLS server that never finishes the handshake ends within --timeout", async () => {
  const silent = silentServer();
  try {
    const conf = await tlsConfig("logging");
    const run = await busmsg([
      "publish",
      "--no-spool",
      "--conf",
      conf,
      "--url",
      `amqps://localhost:${silent.port}/%2Fpubsub`,
      "--timeout",
      "1",
      "--topic",
      "logging.stats.x",
      "a=1",
    ]);
    assertEquals(run.code, 111, run.stderr);
    assert(run.ms < 1000 + MARGIN_MS, `took ${run.ms} ms`);
  } finally {
    silent.close();
  }
});

Deno.test("a broker that never confirms (memory alarm blocks publishers): spooled within the timeout", async () => {
  const spoolDir = await Deno.makeTempDir();
  await rabbitmqctl("set_vm_memory_high_watermark", "0");
  try {
    const run = await busmsg([
      "publish",
      "--url",
      PLAIN_URL,
      "--timeout",
      "2",
      "--topic",
      "blocked.x",
      "a=1",
    ], { spoolDir });
    assertEquals(run.code, 0, run.stderr);
    assert(run.ms < 2000 + MARGIN_MS, `took ${run.ms} ms`);
    assertIncludes(run.stderr, "warning: 1 of 1 message(s) spooled");
    assertIncludes(run.stderr, "no confirm from the broker within the timeout");
    const [line] = await spoolLines(spoolDir);
    assertEquals(JSON.parse(line!).topic, "blocked.x");
  } finally {
    await rabbitmqctl("set_vm_memory_high_watermark", "0.4");
  }
});

Deno.test("an unknown exchange: exit 111 with the reason, not spooled, no retry loop", async () => {
  const spoolDir = await Deno.makeTempDir();
  const run = await busmsg([
    "publish",
    "--url",
    PLAIN_URL,
    "--exchange",
    "no-such-exchange",
    "--topic",
    "x",
    "a=1",
  ], {
    spoolDir,
  });
  assertEquals(run.code, 111);
  assertIncludes(run.stderr, "NOT_FOUND - no exchange 'no-such-exchange'");
  assert(run.ms < 3000, `took ${run.ms} ms`);
  assertEquals(await spoolLines(spoolDir), []);
});

async function bigFile(prefix: string, n: number): Promise<{ file: string; ids: string[] }> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const file = `${await Deno.makeTempDir()}/big.jsonl`;
  await Deno.writeTextFile(
    file,
    ids.map((id, i) =>
      JSON.stringify({ id, topic: `${prefix}.${i % 7}`, body: { i, pad: "x".repeat(200) } })
    ).join("\n") +
      "\n",
  );
  return { file, ids };
}

/** Every input id is confirmed at the queue or in the spool; flush then completes the queue. */
async function assertNoneLost(ids: string[], queue: string, spoolDir: string, stdout: string) {
  const confirmed = stdout.trim().split("\n").filter(Boolean).map((l) => l.split(" ")[0]!);
  const spooled = (await spoolLines(spoolDir)).map((l) => JSON.parse(l).id as string);
  const atQueue = new Set(await drainQueue(queue, false));
  for (const id of confirmed) assert(atQueue.has(id), `confirmed ${id} is at the queue`);
  const accounted = new Set([...atQueue, ...spooled]);
  const lost = ids.filter((id) => !accounted.has(id));
  assertEquals(lost, [], "no message lost");
  assert(
    confirmed.length > 0 && spooled.length > 0,
    `the fault hit mid-way: ${confirmed.length} confirmed, ${spooled.length} spooled`,
  );
  const flush = await busmsg(["flush", "--url", PLAIN_URL], { spoolDir });
  assertEquals(flush.code, 0, flush.stderr);
  assertEquals(await spoolLines(spoolDir), []);
  const after = new Set([...atQueue, ...await drainQueue(queue)]);
  assertEquals(ids.filter((id) => !after.has(id)), []);
  return { confirmed: confirmed.length, spooled: spooled.length };
}

Deno.test("the broker stopped mid-way through a 5,000-line publish: every message confirmed or spooled", async () => {
  const queue = "busmsg-test-stop";
  await durableQueue(queue, "stop.#");
  const { file, ids } = await bigFile("stop", 5000);
  const spoolDir = await Deno.makeTempDir();
  // Throttled so the stop lands mid-way (about 1.5 MB at 300 kB/s).
  const slow = relay(PLAIN_PORT, { bytesPerSecond: 300_000 });
  try {
    const url = PLAIN_URL.replace(`:${PLAIN_PORT}/`, `:${slow.port}/`);
    const publishing = busmsg(["publish", "--url", url, "--timeout", "60", file], { spoolDir });
    await new Promise((r) => setTimeout(r, 1500));
    await brokerScript("stop");
    const run = await publishing;
    slow.close();
    assertEquals(run.code, 0, run.stderr);
    assertIncludes(run.stderr, "spooled in");
    await brokerScript("start");
    const counts = await assertNoneLost(ids, queue, spoolDir, run.stdout);
    console.log(
      `broker stop: ${counts.confirmed} confirmed before the stop, ${counts.spooled} spooled`,
    );
  } finally {
    slow.close();
    await brokerScript("start");
  }
});

Deno.test("a connection closed by the broker (rabbitmqctl close_connection) is handled the same way", async () => {
  const queue = "busmsg-test-close";
  await durableQueue(queue, "close.#");
  const { file, ids } = await bigFile("close", 5000);
  const spoolDir = await Deno.makeTempDir();
  const slow = relay(TLS_PORT, { bytesPerSecond: 300_000 });
  try {
    const conf = await tlsConfig("consumer");
    const url = `amqps://localhost:${slow.port}/%2Fpubsub`;
    const publishing = busmsg(["publish", "--conf", conf, "--url", url, "--timeout", "60", file], {
      spoolDir,
    });
    let closed = false;
    for (let i = 0; i < 40 && !closed; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const conns = await rabbitmqctl("list_connections", "pid", "user");
      for (const line of conns.split("\n")) {
        const [pid, user] = line.split("\t");
        if (user === "consumer" && pid) {
          await rabbitmqctl("close_connection", pid, "busmsg test: closed by the broker");
          closed = true;
        }
      }
    }
    assert(closed, "found the connection to close");
    const run = await publishing;
    assertEquals(run.code, 0, run.stderr);
    assertIncludes(run.stderr, "spooled in");
    const counts = await assertNoneLost(ids, queue, spoolDir, run.stdout);
    console.log(
      `close_connection: ${counts.confirmed} confirmed before the close, ${counts.spooled} spooled`,
    );
  } finally {
    slow.close();
  }
});

/** Runs `f` while the broker's memory alarm blocks publishers (it takes, never confirms). */
async function withMemoryAlarm(f: () => Promise<void>): Promise<void> {
  await rabbitmqctl("set_vm_memory_high_watermark", "0");
  try {
    await f();
  } finally {
    await rabbitmqctl("set_vm_memory_high_watermark", "0.4");
  }
}

Deno.test("--timeout bounds the whole run when the broker makes no progress: no further rounds", async () => {
  const { file } = await bigFile("stall", 10_000);
  await withMemoryAlarm(async () => {
    const run = await busmsg([
      "publish",
      "--no-spool",
      "--url",
      PLAIN_URL,
      "--timeout",
      "2",
      file,
    ]);
    assertEquals(run.code, 111, run.stderr);
    // Five rounds of 2,000: one timeout ends the run, not one per round (that took 10 s and
    // more); the rest is start-up and checking 10,000 lines on a busy machine.
    assert(run.ms < 2000 + MARGIN_MS + 3000, `took ${run.ms} ms`);
    assertIncludes(
      run.stderr,
      "10000 of 10000 message(s) not published (",
    );
    assertIncludes(run.stderr, "no confirm from the broker within the timeout");
  });
});

Deno.test("SIGTERM while connecting: the message is spooled, then busmsg exits 0", async () => {
  const hole = await blackHole();
  const spoolDir = await Deno.makeTempDir();
  try {
    const child = spawnBusmsg([
      "publish",
      "--timeout",
      "30",
      "--url",
      `amqp://127.0.0.1:${hole.port}/`,
      "--topic",
      "signal.connect",
      "a=1",
    ], { BUSMSG_SPOOL_DIR: spoolDir });
    await new Promise((r) => setTimeout(r, 1500));
    const sent = Date.now();
    child.kill("SIGTERM");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    // At once, not at the 30 s timeout (a busy disk may slow the spooling down a little).
    assert(Date.now() - sent < 5000, `exited ${Date.now() - sent} ms after the signal`);
    assertIncludes(stderr, "warning: 1 of 1 message(s) spooled");
    assertIncludes(stderr, "interrupted by SIGTERM");
    assertEquals(
      (await spoolLines(spoolDir)).map((l) => JSON.parse(l).topic),
      ["signal.connect"],
    );
  } finally {
    hole.close();
  }
});

Deno.test("SIGINT while waiting for confirms: what is not confirmed is spooled; --strict says so (75)", async () => {
  const spoolDir = await Deno.makeTempDir();
  await withMemoryAlarm(async () => {
    const child = spawnBusmsg([
      "publish",
      "--strict",
      "--timeout",
      "30",
      "--url",
      PLAIN_URL,
      "--topic",
      "signal.publish",
      "a=1",
    ], { BUSMSG_SPOOL_DIR: spoolDir });
    await new Promise((r) => setTimeout(r, 2000));
    child.kill("SIGINT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 75, stderr);
    assertIncludes(stderr, "interrupted by SIGINT");
    assertEquals(
      (await spoolLines(spoolDir)).map((l) => JSON.parse(l).topic),
      ["signal.publish"],
    );
  });
});

/**
 * Publishes `file` in the background and sends `signal` once the first round is reported (the
 * next one is then on its way); returns the exit code, the ids reported delivered, stderr.
 */
async function signalledMidway(
  args: string[],
  env: Record<string, string>,
  signal: Deno.Signal = "SIGTERM",
): Promise<{ code: number; delivered: string[]; stderr: string }> {
  const child = spawnBusmsg(args, env);
  const errors = new Response(child.stderr).text();
  let stdout = "";
  let signalled = false;
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    stdout += chunk;
    if (!signalled && stdout.includes("\n")) {
      child.kill(signal);
      signalled = true;
    }
  }
  const { code } = await child.status;
  const delivered = publishedIds(stdout);
  assert(signalled, "the signal came mid-way");
  return { code, delivered, stderr: await errors };
}

Deno.test("SIGTERM mid-way through a 5,000-line publish: what reached the broker is confirmed, not spooled; after flush each message arrived once", async () => {
  const queue = "busmsg-test-sigterm";
  await durableQueue(queue, "sigterm.#");
  const { file, ids } = await bigFile("sigterm", 5000);
  const spoolDir = await Deno.makeTempDir();
  const env = { BUSMSG_SPOOL_DIR: spoolDir };
  const run = await signalledMidway(["publish", "--url", PLAIN_URL, "--timeout", "30", file], env);
  assertEquals(run.code, 0, run.stderr);
  assertIncludes(run.stderr, "interrupted by SIGTERM");
  const spooled = (await spoolLines(spoolDir)).map((l) => JSON.parse(l).id as string);
  assert(spooled.length > 0, "the signal stopped the run before its end");
  assertEquals(new Set([...run.delivered, ...spooled]).size, 5000, "each one delivered or spooled");
  // Before the fix a whole round still unconfirmed at the signal was spooled: up to 2,000
  // messages that had reached the broker arrived a second time at the flush.
  assertEquals((await drainQueue(queue, false)).sort(), [...run.delivered].sort());
  const flush = await busmsg(["flush", "--url", PLAIN_URL], { spoolDir });
  assertEquals(flush.code, 0, flush.stderr);
  const arrived = [...run.delivered, ...await drainQueue(queue)];
  assertEquals(arrived.length, 5000, "no message arrived twice");
  assertEquals(new Set(arrived).size, ids.length);
});

Deno.test("SIGTERM mid-way with --no-spool: exactly the messages at the broker are reported delivered", async () => {
  const queue = "busmsg-test-sigterm-nospool";
  await durableQueue(queue, "sigtermns.#");
  const { file } = await bigFile("sigtermns", 5000);
  const run = await signalledMidway(
    ["publish", "--no-spool", "--url", PLAIN_URL, "--timeout", "30", file],
    {},
  );
  assertEquals(run.code, 111, run.stderr);
  const failed = Number(/(\d+) of 5000 message\(s\) not published/.exec(run.stderr)?.[1]);
  assert(failed > 0, run.stderr);
  assertEquals(run.delivered.length + failed, 5000);
  assertEquals((await drainQueue(queue)).sort(), [...run.delivered].sort());
});

Deno.test("a second signal ends the wait for confirms at once", async () => {
  const spoolDir = await Deno.makeTempDir();
  await withMemoryAlarm(async () => {
    const child = spawnBusmsg(
      ["publish", "--timeout", "30", "--url", PLAIN_URL, "--topic", "signal.twice", "a=1"],
      { BUSMSG_SPOOL_DIR: spoolDir },
    );
    await new Promise((r) => setTimeout(r, 2000));
    const first = Date.now();
    child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGTERM");
    const out = await child.output();
    const waited = Date.now() - first;
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    // The grace for confirms is 2 s; the second signal cut it short.
    assert(waited < 1800, `exited ${waited} ms after the first signal`);
    assertEquals(
      (await spoolLines(spoolDir)).map((l) => JSON.parse(l).topic),
      ["signal.twice"],
    );
  });
});
