/**
 * The recorder's output files (#18): a day file deleted or moved away without SIGHUP is
 * followed (nothing acknowledged into a file that no longer exists), a relative --output is a
 * file in the working directory, and a positional that looks like a file is a usage error.
 */
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { rabbitmqctl, tlsConfig } from "../support/broker.ts";
import { busmsg, ENTRY } from "../support/run.ts";
import { background, linesOf, publishDebug } from "../support/listener.ts";
import { PREFIX } from "../support/example_sandbox.ts";

const consumer = await tlsConfig("consumer", [`topic_prefix = "${PREFIX}"`]);
const logging = await tlsConfig("logging", [`topic_prefix = "${PREFIX}"`]);
const ids = (lines: string[]) => lines.map((l) => JSON.parse(l).id as string);

const publish = (n: number, tag: string) => publishDebug(logging, n, tag);

Deno.test("recorder: the day file deleted (or compressed away) without SIGHUP: the next lines go to the path anew, none into the deleted file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-files-" });
  const file = `${dir}/sync.jsonl`;
  const recorder = await background(["listen", "--conf", consumer, "--output", file]);
  try {
    const one = await publish(1, "one");
    assertEquals(ids(await linesOf(file, 1)), one);
    await Deno.remove(file);
    const two = await publish(2, "two");
    assertEquals(ids(await linesOf(file, 2)), two);
    // Moved away: what follows goes to the path, what was there stays in the moved file.
    await Deno.rename(file, `${file}.1`);
    const three = await publish(1, "three");
    assertEquals(ids(await linesOf(file, 1)), three);
    assertEquals(ids(await linesOf(`${file}.1`, 2, 0)), two);
  } finally {
    recorder.child.kill("SIGTERM");
    const got = await recorder.done();
    assertEquals(got.code, 0, got.stderr);
  }
});

Deno.test("listen: a binding that looks like a file is a usage error pointing at --output", async () => {
  for (const arg of ["out.jsonl", "day.json", "logs/out"]) {
    const got = await busmsg(["listen", "--conf", consumer, arg]);
    assertEquals(
      [got.code, got.stderr],
      [
        2,
        `busmsg: "${arg}" looks like a file, not a binding: to write to a file, use --output ${arg}\n`,
      ],
    );
  }
});

Deno.test("listen --output without a slash is a file in the working directory: no directory made, an x.json beside it no obstacle", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-files-" });
  await Deno.writeTextFile(`${dir}/x.json`, "");
  const app = `files-${crypto.randomUUID()}`;
  const child = new Deno.Command(ENTRY[0]!, {
    args: [
      ...ENTRY.slice(1),
      "listen",
      "--conf",
      consumer,
      "--app-name",
      app,
      "--output",
      "day-%Y-%m-%d.jsonl",
      "--count",
      "1",
      "--timeout",
      "20",
    ],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const end = Date.now() + 15_000;
  while (!(await rabbitmqctl("list_connections", "client_properties")).includes(app)) {
    if (Date.now() > end) throw new Error("listen did not connect");
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 300));
  const sent = await publish(1, "cwd");
  const got = await child.output();
  assertEquals(got.code, 0, new TextDecoder().decode(got.stderr));
  const day = new Date().toISOString().slice(0, 10);
  const names = [...Deno.readDirSync(dir)].map((e) => `${e.name}${e.isDirectory ? "/" : ""}`);
  assertEquals(names.sort(), [`day-${day}.jsonl`, "x.json"]);
  assertEquals(ids(await linesOf(`${dir}/day-${day}.jsonl`, 1, 0)), sent);
  assertIncludes(new TextDecoder().decode(got.stderr), "listening on");
});

Deno.test("listen --output x.jsonl with a file x.json in the working directory starts (no parent to make)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-files-" });
  await Deno.writeTextFile(`${dir}/x.json`, "");
  const got = await new Deno.Command(ENTRY[0]!, {
    args: [
      ...ENTRY.slice(1),
      "listen",
      "--conf",
      consumer,
      "--output",
      "x.jsonl",
      "--timeout",
      "0.5",
    ],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(got.code, 0, new TextDecoder().decode(got.stderr));
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["x.json", "x.jsonl"]);
});

Deno.test("listen --conf: no binding given uses the config's [[bindings]]; --queue-name Q declares as [queues.Q] says; flags beat the config", async () => {
  const queue = `busmsg-test-conf-${crypto.randomUUID().slice(0, 8)}`;
  const conf = await tlsConfig("consumer", [
    `topic_prefix = "${PREFIX}"`,
    "[[bindings]]",
    `queue = "${queue}"`,
    'exchange = "amq.topic"',
    `routing_keys = ["${PREFIX}.logging.stats.debug.conf.#", "${PREFIX}.logging.stats.debug.x"]`,
    `[queues.${JSON.stringify(queue)}]`,
    "durable = true",
    "auto_delete = false",
    "exclusive = false",
    `[queues.${JSON.stringify(queue)}.arguments]`,
    'x-queue-type = "classic"',
    "x-max-length = 1000",
  ]);
  try {
    const got = await busmsg(["listen", "--conf", conf, "--queue-name", queue, "--timeout", "0.5"]);
    assertEquals(got.code, 0, got.stderr);
    assertIncludes(
      got.stderr,
      `for ${PREFIX}.logging.stats.debug.conf.#, ${PREFIX}.logging.stats.debug.x (queue "${queue}"`,
    );
    const row = (await rabbitmqctl("list_queues", "-p", "/pubsub", "name", "type", "arguments"))
      .split("\n").find((l) => l.startsWith(`${queue}\t`));
    assertIncludes(row ?? "", "\tclassic\t");
    assertIncludes(row ?? "", "x-max-length");
    const bound =
      (await rabbitmqctl("list_bindings", "-p", "/pubsub", "destination_name", "routing_key"))
        .split("\n").filter((l) => l.startsWith(`${queue}\t${PREFIX}`)).sort();
    assertEquals(bound, [
      `${queue}\t${PREFIX}.logging.stats.debug.conf.#`,
      `${queue}\t${PREFIX}.logging.stats.debug.x`,
    ]);
    // A flag beats the config: asked for quorum, the classic queue is named with its fix.
    const flag = await busmsg([
      "listen",
      "--conf",
      conf,
      "--queue-name",
      queue,
      "--queue-type",
      "quorum",
    ]);
    assertEquals(flag.code, 2, flag.stderr);
    assertIncludes(flag.stderr, `queue "${queue}" `);
  } finally {
    await rabbitmqctl("delete_queue", "-p", "/pubsub", queue).catch(() => {});
  }
});

Deno.test("listen --conf: a typo in [[bindings]] or [queues.Q] is an error naming the key", async () => {
  const conf = await tlsConfig("consumer", ["[queues.q]", "durabel = true"]);
  const got = await busmsg(["listen", "--conf", conf, "--queue-name", "q"]);
  assertEquals(got.code, 2);
  assertIncludes(
    got.stderr,
    'unknown configuration key "queues.q.durabel" (did you mean "queues.q.durable"?)',
  );
});

Deno.test("listen: a SIGHUP while it is still reading its config (before the output exists) does not end it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-files-" });
  const fifo = `${dir}/consumer.toml`;
  await new Deno.Command("mkfifo", { args: [fifo] }).output();
  const child = new Deno.Command(ENTRY[0]!, {
    args: [
      ...ENTRY.slice(1),
      "listen",
      "--conf",
      fifo,
      "--output",
      `${dir}/out.jsonl`,
      "--timeout",
      "0.5",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Blocked opening the FIFO: the program runs, its config is not read yet.
  await new Promise((r) => setTimeout(r, 3000));
  child.kill("SIGHUP");
  await new Promise((r) => setTimeout(r, 300));
  await Deno.writeTextFile(fifo, await Deno.readTextFile(consumer));
  const got = await child.output();
  assertEquals([got.code, got.signal], [0, null], new TextDecoder().decode(got.stderr));
});
