/**
 * `listen` as the log server's recorder, against the private broker: a durable named queue,
 * acknowledgement after the line is written, day files, SIGHUP, reconnecting, a closed pipe.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { drainQueue, PLAIN_PORT, PLAIN_URL, rabbitmqctl, tlsConfig } from "../support/broker.ts";
import { relay, silentServer } from "../support/faults.ts";
import { busmsg, ENTRY, spawnBusmsg, writeConfig } from "../support/run.ts";
import { background, linesOf, publishDebug } from "../support/listener.ts";
import { PREFIX } from "../support/example_sandbox.ts";

const consumer = await tlsConfig("consumer", [`topic_prefix = "${PREFIX}"`]);
const logging = await tlsConfig("logging", [`topic_prefix = "${PREFIX}"`]);

/** Publishes `n` debug messages (as Fedora's logging user) and returns their ids in order. */
const publish = (n: number, tag: string) => publishDebug(logging, n, tag);

const ids = (lines: string[]) => lines.map((l) => JSON.parse(l).id as string);
const queueName = (what: string) => `busmsg-test-${what}-${crypto.randomUUID().slice(0, 8)}`;
/** `listen` as the consumer on a named queue, with more arguments. */
const recording = (queue: string, ...more: string[]) => [
  "listen",
  "--conf",
  consumer,
  "--queue-name",
  queue,
  ...more,
];

Deno.test("recorder: a named queue keeps what is published while it is stopped; nothing lost, nothing twice, one file a day", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-recorder-" });
  const queue = queueName("durable");
  const args = recording(queue, "--output", `${dir}/sync-%Y-%m-%d.jsonl`);
  const day = new Date().toISOString().slice(0, 10);
  const file = `${dir}/sync-${day}.jsonl`;
  try {
    let recorder = await background(args);
    const before = await publish(3, "before");
    assertEquals(ids(await linesOf(file, 3)), before);
    recorder.child.kill("SIGTERM");
    assertEquals((await recorder.done()).code, 0);

    const meanwhile = await publish(3, "while stopped");
    recorder = await background(args);
    const after = await publish(3, "after");
    assertEquals(ids(await linesOf(file, 9)), [...before, ...meanwhile, ...after]);
    recorder.child.kill("SIGINT");
    const got = await recorder.done();
    assertEquals([got.code, got.stdout], [0, ""]);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [`sync-${day}.jsonl`]);
    assertEquals(ids(await linesOf(file, 9, 0)).length, 9, "nothing twice");
    assertEquals(await drainQueue(queue, false), [], "every line written was acknowledged");
  } finally {
    await drainQueue(queue).catch(() => {});
    await rabbitmqctl("delete_queue", "-p", "/pubsub", `${queue}.dead-letters`).catch(() => {});
  }
});

Deno.test("recorder: a message is acknowledged only once written; --count leaves the rest queued, a failed write holds it until it can be written, never given back", async () => {
  const queue = queueName("ack");
  try {
    const first = await background(recording(queue, "--count", "2"));
    const sent = await publish(5, "ack");
    const two = await first.done();
    assertEquals(two.code, 0, two.stderr);
    assertEquals(ids(two.stdout.trim().split("\n")), sent.slice(0, 2));
    // fedora-messaging record's name for --count.
    const rest = await busmsg(recording(queue, "--limit", "3", "--timeout", "10"));
    assertEquals(rest.code, 0, rest.stderr);
    assertEquals(ids(rest.stdout.trim().split("\n")), sent.slice(2));

    // The output directory replaced by a file, then SIGHUP: the next line cannot be written.
    const dir = await Deno.makeTempDir({ prefix: "busmsg-recorder-" });
    const recorder = await background(recording(queue, "--output", `${dir}/logs/sync.jsonl`));
    await Deno.remove(`${dir}/logs`, { recursive: true });
    await Deno.writeTextFile(`${dir}/logs`, "");
    recorder.child.kill("SIGHUP");
    await new Promise((r) => setTimeout(r, 300));
    const kept = await publish(1, "cannot be written");
    // A failure of the recorder's own: the message is held, not given back (a redelivery would
    // count against it), and written once the directory is back.
    await recorder.said(`busmsg: ${dir}/logs/sync.jsonl: cannot open for writing: `);
    await recorder.said("the message is held (not given back: it keeps its deliveries)");
    await Deno.remove(`${dir}/logs`);
    await Deno.mkdir(`${dir}/logs`);
    assertEquals(ids(await linesOf(`${dir}/logs/sync.jsonl`, 1, 60_000)), kept);
    recorder.child.kill("SIGTERM");
    const held = await recorder.done();
    assertEquals(held.code, 0, held.stderr);
    assertIncludes(held.stderr, "the held message is written; going on");
    assert(!held.stderr.includes("delivered again"), held.stderr);
    assertEquals(await drainQueue(queue, false), [], "acknowledged once written");
  } finally {
    await drainQueue(queue).catch(() => {});
    await rabbitmqctl("delete_queue", "-p", "/pubsub", `${queue}.dead-letters`).catch(() => {});
  }
});

Deno.test("recorder: SIGHUP reopens the output file (logrotate moved it away) and does not end listen", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-recorder-" });
  const file = `${dir}/sync.jsonl`;
  const recorder = await background(["listen", "--conf", consumer, "--output", file]);
  const one = await publish(1, "one");
  assertEquals(ids(await linesOf(file, 1)), one);
  await Deno.rename(file, `${file}.1`);
  recorder.child.kill("SIGHUP");
  // Give the signal time to arrive before the next message does.
  await new Promise((r) => setTimeout(r, 300));
  const two = await publish(1, "two");
  assertEquals(ids(await linesOf(file, 1)), two);
  assertEquals(ids(await linesOf(`${file}.1`, 1, 0)), one);
  recorder.child.kill("SIGTERM");
  const got = await recorder.done();
  assertEquals(got.code, 0, got.stderr);
});

Deno.test("recorder: a connection the broker closes is opened again; the named queue keeps what came meanwhile", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-recorder-" });
  const file = `${dir}/sync.jsonl`;
  const queue = queueName("reconnect");
  const app = `recorder-${crypto.randomUUID()}`;
  try {
    const recorder = await background(recording(queue, "--app-name", app, "--output", file));
    const connections = (await rabbitmqctl("list_connections", "pid", "client_properties"))
      .split("\n").filter((l) => l.includes(app));
    assertEquals(connections.length, 1, "--app-name names the connection");
    await rabbitmqctl("close_connection", connections[0]!.split("\t")[0]!, "busmsg test");
    const meanwhile = await publish(2, "meanwhile");
    await recorder.said("listening again");
    assertEquals(ids(await linesOf(file, 2)), meanwhile);
    recorder.child.kill("SIGTERM");
    const got = await recorder.done();
    assertEquals(got.code, 0, got.stderr);
    assertIncludes(got.stderr, "connection lost while listening; opening it again");
  } finally {
    await drainQueue(queue).catch(() => {});
    await rabbitmqctl("delete_queue", "-p", "/pubsub", `${queue}.dead-letters`).catch(() => {});
  }
});

Deno.test("listen --timeout while the connection is gone: not back within the silence, exit 111", async () => {
  // Through a relay that then goes away: every attempt to reconnect is refused.
  const hop = relay(PLAIN_PORT);
  const url = PLAIN_URL.replace(`:${PLAIN_PORT}/`, `:${hop.port}/`);
  const listener = await background(["listen", "--url", url, "--timeout", "3"]);
  hop.close();
  const got = await listener.done();
  assertEquals(got.code, 111, got.stderr);
  assertIncludes(got.stderr, "connection lost while listening; opening it again");
  assertIncludes(got.stderr, "busmsg: the connection did not come back within the timeout\n");
});

/**
 * `listen --queue-name QUEUE | head -1` in a session of its own (killed whole after 15 s, should
 * listen never end), once it listens; `firstLine` is what head printed.
 */
async function listenHeadOne(queue: string) {
  const command = `set -o pipefail; ${
    ENTRY.map((w) => `'${w}'`).join(" ")
  } listen --conf '${consumer}' --queue-name ${queue} | head -1`;
  const child = new Deno.Command("setsid", {
    args: ["bash", "-c", command],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let said = "";
  while (!said.includes("listening on")) said += (await stderr.read()).value ?? "";
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const killer = setTimeout(
    () => new Deno.Command("kill", { args: ["-KILL", "--", `-${child.pid}`] }).output(),
    15_000,
  );
  return {
    status: child.status,
    firstLine: async () => {
      let shown = "";
      while (!shown.includes("\n")) shown += (await stdout.read()).value ?? "";
      return shown;
    },
    async [Symbol.asyncDispose]() {
      clearTimeout(killer);
      stderr.cancel().catch(() => {});
      stdout.cancel().catch(() => {});
      await drainQueue(queue).catch(() => {});
      await rabbitmqctl("delete_queue", "-p", "/pubsub", `${queue}.dead-letters`).catch(() => {});
    },
  };
}

Deno.test("listen | head -1: the closed pipe ends listen with exit 0; the unwritten message stays queued", async () => {
  const queue = queueName("pipe");
  await using pipeline = await listenHeadOne(queue);
  const first = await publish(1, "first");
  assertEquals(ids([await pipeline.firstLine()]), first);
  // head has gone: the next line is not written (whether listen found out before it came).
  const second = await publish(1, "second");
  assertEquals((await pipeline.status).code, 0, "listen ended by the closed pipe, not killed");
  assertEquals(await drainQueue(queue, false), second);
});

Deno.test("listen | head -1 on a quiet bus: listen ends within a second of head, exit 0, with no further message", async () => {
  const queue = queueName("quiet");
  await using pipeline = await listenHeadOne(queue);
  const first = await publish(1, "only");
  assertEquals(ids([await pipeline.firstLine()]), first);
  const headLeft = Date.now();
  // Until the watch, listen stayed until the next message: here, never.
  const { code } = await pipeline.status;
  const after = Date.now() - headLeft;
  assertEquals(code, 0, "listen ended by the closed pipe, not killed");
  assert(after < 1500, `listen ended ${after} ms after head`);
  assertEquals(await drainQueue(queue, false), [], "the one message acknowledged, none left");
});

Deno.test("listen while a stalled broker holds its first connection: a reader gone, or SIGTERM, ends it at once with exit 0", async () => {
  const silent = silentServer();
  try {
    const url = `amqp://127.0.0.1:${silent.port}/`;
    const listen = [...ENTRY, "listen", "--url", url, "--timeout", "10", "--verbose"];
    const started = Date.now();
    const piped = await new Deno.Command("bash", {
      args: ["-c", `set -o pipefail; ${listen.map((w) => `'${w}'`).join(" ")} | (sleep 1; exit 0)`],
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(piped.stderr);
    assertIncludes(stderr, "dns: 127.0.0.1", "it was connecting when the reader left");
    assertEquals(piped.code, 0, stderr);
    const ms = Date.now() - started;
    assert(ms < 2500, `ended ${ms} ms after start, the reader left at 1000, the timeout is 10 s`);

    const child = spawnBusmsg(listen.slice(ENTRY.length));
    const said = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("dns: 127.0.0.1")) text += (await said.read()).value ?? "";
    const termed = Date.now();
    child.kill("SIGTERM");
    const { code } = await child.status;
    said.cancel().catch(() => {});
    await child.stdout.cancel();
    assertEquals(code, 0, "stopped by SIGTERM, not by the connect timeout (111)");
    assert(Date.now() - termed < 1500, `ended ${Date.now() - termed} ms after SIGTERM`);
  } finally {
    silent.close();
  }
});

Deno.test("listen: a binding given with the topic prefix is not prefixed twice (--routing-key too)", async () => {
  for (const binding of [[`${PREFIX}.logging.stats.debug.#`], ["--routing-key", `${PREFIX}.#`]]) {
    const listener = await background([
      "listen",
      "--conf",
      consumer,
      "--count",
      "1",
      "--timeout",
      "10",
      ...binding,
    ]);
    const sent = await publish(1, "prefixed");
    const got = await listener.done();
    assertEquals(got.code, 0, got.stderr);
    assertEquals(ids(got.stdout.trim().split("\n")), sent);
    assertIncludes(got.stderr, `for ${binding.at(-1)} (`);
  }
});

Deno.test("listen --queue-name with passive_declares: the queue must exist, one line when it does not", async () => {
  const passive = await tlsConfig("consumer", [
    `topic_prefix = "${PREFIX}"`,
    "passive_declares = true",
  ]);
  const queue = queueName("passive");
  const missing = await busmsg(["listen", "--conf", passive, "--queue-name", queue]);
  assertEquals(missing.code, 111, missing.stderr);
  assertEquals(missing.stderr.trim().split("\n").length, 1, missing.stderr);
  assertIncludes(missing.stderr, `queue "${queue}" does not exist (passive_declares = true`);
  try {
    // Declared by someone else (here: a non-passive run), the queue is used as it is.
    const declare = await busmsg(recording(queue, "--timeout", "0.5"));
    assertEquals(declare.code, 0, declare.stderr);
    const listener = await background([
      "listen",
      "--conf",
      passive,
      "--queue-name",
      queue,
      "--count",
      "1",
    ]);
    const sent = await publish(1, "passive");
    const got = await listener.done();
    assertEquals([got.code, ids(got.stdout.trim().split("\n"))], [0, sent]);
  } finally {
    await drainQueue(queue).catch(() => {});
    await rabbitmqctl("delete_queue", "-p", "/pubsub", `${queue}.dead-letters`).catch(() => {});
  }
  const bad = await writeConfig(['passive_declares = "yes"']);
  const refused = await busmsg(["listen", "--conf", bad]);
  assertEquals(refused.code, 2);
  assertIncludes(refused.stderr, "passive_declares: must be true or false");
});

/** Starts `busmsg ARGS` on a pseudo-terminal 120 columns wide (stdout: what it showed). */
function onTerminal(args: string[], noColor: boolean): Deno.ChildProcess {
  // The test runner may run with NO_COLOR set: the terminal gets exactly what is asked.
  const command = `stty cols 120 rows 20; ${
    noColor ? "export NO_COLOR=1" : "unset NO_COLOR"
  }; exec ${ENTRY.map((w) => `'${w}'`).join(" ")} ${args.map((a) => `'${a}'`).join(" ")}`;
  return new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
    env: { TERM: "xterm" },
  }).spawn();
}

Deno.test("listen --pretty on a terminal: coloured by severity, ids shortened, cut to the width; NO_COLOR: no colour", async () => {
  const runId = "54b7c983-f53a-4701-a720-c699e37074b8";
  for (const noColor of [false, true]) {
    const child = onTerminal(
      ["listen", "--conf", consumer, "--pretty", "--count", "1", "--timeout", "20"],
      noColor,
    );
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let shown = "";
    while (!shown.includes("listening on")) shown += (await reader.read()).value ?? "";
    const sent = await busmsg([
      "sync-event",
      "host.skip",
      "--conf",
      logging,
      "--host",
      "log01",
      "--run-id",
      runId,
      "--synced-host",
      "proxy9",
      "--reason",
      "Synced host unknown, and a long explanation after it",
    ]);
    assertEquals(sent.code, 0, sent.stderr);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      shown += value;
    }
    await child.status;
    child.stdin.close();
    const line = shown.split("\r\n").find((l) => l.includes("host.skip"))!;
    // deno-lint-ignore no-control-regex
    const plain = line.replace(/\x1b\[[0-9;]*m/g, "");
    assert(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 WARNING logging\.stats\.sync\.host\.skip host=log01 r/
        .test(plain),
      plain,
    );
    assertEquals([...plain].length, 120, plain);
    assert(plain.endsWith("…"), plain);
    assertEquals(line.startsWith("\x1b[33m"), !noColor, JSON.stringify(line));
    assertIncludes(plain, " run_id=54b7c983 synced_host=proxy9 ", "the run id shortened");
  }
});

Deno.test("recorder: an --output that is a FIFO is refused at once (exit 2, one line), never a hang", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-recorder-" });
  const fifo = `${dir}/fifo`;
  await new Deno.Command("mkfifo", { args: [fifo] }).output();
  const child = spawnBusmsg(["listen", "--conf", consumer, "--output", fifo, "--timeout", "1"]);
  // Blocked in open() it would hear neither --timeout nor SIGTERM: the test ends it after 5 s.
  const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
  const got = await child.output();
  clearTimeout(killer);
  assertEquals(
    [got.code, new TextDecoder().decode(got.stderr), got.stdout.length],
    [2, `busmsg: --output: ${fifo}: cannot open for writing: a FIFO, not a regular file\n`, 0],
  );
});
