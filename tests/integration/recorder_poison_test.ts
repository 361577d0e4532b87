/**
 * The recorder against messages built to stop it (#18): poison headers, bodies that are no
 * fedora-messaging message, dead letters, header values JSON cannot hold, a quorum queue that
 * replaces a classic one. Every message acknowledged is kept somewhere: the day file or the
 * side file beside it.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { drainQueue, durableQueue, PLAIN_URL, rabbitmqctl, tlsConfig } from "../support/broker.ts";
import { busmsg } from "../support/run.ts";
import { background, linesOf, publishDebug } from "../support/listener.ts";
import { PREFIX } from "../support/example_sandbox.ts";
import { deepTable, field, properties, rawPublish, table } from "../support/raw_publish.ts";
import amqp from "amqplib";
import { Buffer } from "node:buffer";

const consumer = await tlsConfig("consumer", [`topic_prefix = "${PREFIX}"`]);
const logging = await tlsConfig("logging", [`topic_prefix = "${PREFIX}"`]);
const KEY = `${PREFIX}.logging.stats.debug.recorder`;
const enc = new TextEncoder();

const queueName = (what: string) => `busmsg-test-${what}-${crypto.randomUUID().slice(0, 8)}`;
const ids = (lines: string[]) => lines.map((l) => JSON.parse(l).id as string);
const recording = (queue: string, ...more: string[]) => [
  "listen",
  "--conf",
  consumer,
  "--queue-name",
  queue,
  ...more,
];

const publish = (n: number, tag: string) => publishDebug(logging, n, tag);

/** A message with the standard headers and `body` as its bytes, published raw. */
function plain(id: string, body: string | Uint8Array, extra: Uint8Array = new Uint8Array()) {
  const headers = table([
    ["fedora_messaging_schema", field.string("base.message")],
    ["fedora_messaging_severity", field.int(20)],
    ["sent-at", field.string("2026-12-06T00:00:00+00:00")],
  ]);
  const all = new Uint8Array(headers.length + extra.length);
  all.set(headers);
  all.set(extra, headers.length);
  return rawPublish(KEY, properties(all, id), typeof body === "string" ? enc.encode(body) : body);
}

/** Deletes the queue and its dead letters. */
async function cleanUp(queue: string) {
  for (const q of [queue, `${queue}.dead-letters`]) {
    await rabbitmqctl("delete_queue", "-p", "/pubsub", q).catch(() => {});
  }
}

function sideLines(path: string): Array<Record<string, unknown>> {
  try {
    return Deno.readTextFileSync(path).split("\n").filter(Boolean).map((l) => JSON.parse(l));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

Deno.test("recorder on a quorum queue: poison messages ahead of good ones go to the side file; good ones recorded once; nothing left, no loop", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-poison-" });
  const queue = queueName("poison");
  const file = `${dir}/sync.jsonl`;
  const side = `${dir}/sync.rejects.jsonl`;
  const args = recording(queue, "--output", file);
  try {
    // Declares the queue (quorum, with its dead letters), then stops: what follows waits.
    let recorder = await background(args);
    recorder.child.kill("SIGTERM");
    assertEquals((await recorder.done()).code, 0);
    const poison: Array<[string, string | Uint8Array, Uint8Array?]> = [
      ["deep-3000", '{"a": 1}', table([["deep", field.table(deepTable(3000))]])],
      ["deep-15000", '{"a": 1}', table([["deep", field.table(deepTable(15000))]])],
      ["nan", '{"a": NaN}'],
      ["infinity", '{"a": Infinity}'],
      ["body-70-deep", "[".repeat(0) + '{"a": ' + "[".repeat(70) + "]".repeat(70) + "}"],
      ["not-json", "hello"],
      ["latin-1", Uint8Array.of(0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d)],
      ["array", "[1, 2]"],
      ["lone-surrogate", '{"a": "\\ud800"}'],
    ];
    for (const [id, body, extra] of poison) await plain(id, body, extra);
    const good = await publish(3, "after the poison");
    recorder = await background(args);
    assertEquals(ids(await linesOf(file, 3)), good);
    const kept = await (async () => {
      const end = Date.now() + 10_000;
      while (sideLines(side).length < poison.length && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return sideLines(side);
    })();
    recorder.child.kill("SIGTERM");
    const got = await recorder.done();
    assertEquals(got.code, 0, got.stderr);
    assertEquals(kept.map((k) => k["id"]), poison.map(([id]) => id), got.stderr);
    for (const [k, [, body]] of kept.map((k, i) => [k, poison[i]!] as const)) {
      const raw = typeof body === "string" ? enc.encode(body) : body;
      assertEquals(
        Uint8Array.from(atob(k["body_base64"] as string), (c) => c.charCodeAt(0)),
        raw,
      );
      assertEquals([k["kind"], k["routing_key"]], ["unparsable", KEY]);
      assert(typeof k["reason"] === "string" && typeof k["time"] === "string");
    }
    assertIncludes(String(kept[1]!["header_problem"]), "nested deeper than 64 levels");
    assertEquals(ids(await linesOf(file, 3, 0)), good, "good ones once");
    assert(!got.stderr.includes("connection lost"), got.stderr);
    assertEquals(await drainQueue(queue, false), [], "nothing left unacknowledged");
    assertEquals(await drainQueue(`${queue}.dead-letters`, false), []);
  } finally {
    await cleanUp(queue);
  }
});

Deno.test("recorder: a message returned --delivery-limit times is dead-lettered by the broker, then drained: a good message into the day file (report counts it); the redelivery names the message", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-poison-" });
  const queue = queueName("dead");
  const file = `${dir}/sync.jsonl`;
  const args = recording(queue, "--output", file, "--delivery-limit", "2");
  try {
    let recorder = await background(args);
    recorder.child.kill("SIGTERM");
    assertEquals((await recorder.done()).code, 0);
    const [victim] = await publish(1, "returned");
    // What a crashing recorder does to it: taken, never acknowledged, the connection gone.
    const returned: number[] = [];
    for (let i = 0; i < 3; i++) {
      const conn = await amqp.connect(PLAIN_URL);
      const ch = await conn.createChannel();
      const m = await ch.get(queue, { noAck: false });
      if (m) returned.push(i);
      await conn.close();
    }
    assertEquals(returned, [0, 1, 2], "delivered three times, never acknowledged");
    // Delivered once more: the broker's limit (2 returns) is passed the third time.
    const good = await publish(1, "good");
    recorder = await background(args);
    // A good message that was dead-lettered is still an event: recorded in the day file, where
    // report counts it (base64 in the side file, it was out of report's reach).
    const lines = await linesOf(file, 2);
    recorder.child.kill("SIGTERM");
    const got = await recorder.done();
    assertEquals(got.code, 0, got.stderr);
    assertEquals(ids(lines).sort(), [victim!, ...good].sort(), got.stderr);
    const dead = JSON.parse(lines.find((l) => JSON.parse(l).id === victim)!);
    assertEquals([dead.topic, dead.body.tag], ["logging.stats.debug.recorder", "returned"]);
    assertIncludes(JSON.stringify(dead.headers["x-death"]), "delivery_limit");
    assertEquals(sideLines(`${dir}/sync.rejects.jsonl`), []);
    assertIncludes(
      got.stderr,
      `message ${victim} on ${KEY}: dead-lettered by the broker (delivery_limit in queue ${queue}`,
    );
    assertIncludes(got.stderr, "; recorded\n");
    assertEquals(await drainQueue(queue, false), []);
    assertEquals(await drainQueue(`${queue}.dead-letters`, false), []);
  } finally {
    await cleanUp(queue);
  }
});

Deno.test("recorder: a delivery that comes back unacknowledged is named (id, routing key) before it is handled", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-poison-" });
  const queue = queueName("again");
  const args = recording(queue, "--output", `${dir}/sync.jsonl`);
  try {
    let recorder = await background(args);
    recorder.child.kill("SIGTERM");
    await recorder.done();
    const [id] = await publish(1, "again");
    const conn = await amqp.connect(PLAIN_URL);
    const ch = await conn.createChannel();
    assert(await ch.get(queue, { noAck: false }));
    await conn.close();
    recorder = await background(args);
    await recorder.said(`message ${id} on ${KEY} delivered again (returned 1 time(s)`);
    recorder.child.kill("SIGTERM");
    assertEquals((await recorder.done()).code, 0);
  } finally {
    await cleanUp(queue);
  }
});

Deno.test("recorder: an existing classic queue of the same name is one line naming the fix, exit 2; --queue-type classic uses it", async () => {
  const queue = queueName("classic");
  try {
    await durableQueue(queue, `${PREFIX}.logging.stats.#`);
    const refused = await busmsg(recording(queue, "--timeout", "1"));
    assertEquals(refused.code, 2, refused.stderr);
    assertEquals(refused.stderr.trim().split("\n").length, 1, refused.stderr);
    assertIncludes(refused.stderr, `queue "${queue}" is a classic queue, not a quorum queue`);
    assertIncludes(refused.stderr, `rabbitmqctl delete_queue ${queue}`);
    assertIncludes(refused.stderr, "--queue-type classic");
    const listener = await background(recording(queue, "--queue-type", "classic", "--count", "1"));
    const sent = await publish(1, "classic");
    const got = await listener.done();
    assertEquals([got.code, ids(got.stdout.trim().split("\n"))], [0, sent], got.stderr);
  } finally {
    await cleanUp(queue);
  }
});

Deno.test("recorder: header values are recorded as sent (64-bit integers exact, decimals, timestamps, byte arrays), and the line says where JSON could not hold them", async () => {
  const queue = queueName("exact");
  try {
    const listener = await background(recording(queue, "--count", "1", "--timeout", "20"));
    await plain(
      "exact",
      '{"a": 1}',
      table([
        ["big", field.long(2n ** 62n)],
        ["odd", field.long(2n ** 53n + 1n)],
        ["neg", field.long(-(2n ** 63n))],
        ["price", field.decimal(2, 1234)],
        ["when", field.timestamp(1765000000n)],
        ["text", field.bytes(enc.encode("héllo"))],
        ["raw", field.bytes(Uint8Array.of(0xff, 0x00, 0xe9))],
      ]),
    );
    const got = await listener.done();
    assertEquals(got.code, 0, got.stderr);
    const line = got.stdout.trim();
    assertIncludes(line, '"big": 4611686018427387904');
    assertIncludes(line, '"odd": 9007199254740993');
    assertIncludes(line, '"neg": -9223372036854775808');
    assertIncludes(line, '"price": 12.34');
    assertIncludes(line, '"when": "2025-12-06T05:46:40+00:00"');
    assertIncludes(line, '"text": "héllo"');
    assertIncludes(line, '"raw": "/wDp"');
    assert(!line.includes('"!"'), line);
    const notes = JSON.parse(line)["header_notes"];
    assertEquals(Object.keys(notes).sort(), ["headers.raw", "headers.when"]);
  } finally {
    await cleanUp(queue);
  }
});

Deno.test("recorder: a quorum queue is read one delivery at a time (a crash counts against the message being handled, not the ones behind it); classic, 100", async () => {
  for (const [type, expected] of [["quorum", "1"], ["classic", "100"]] as const) {
    const queue = queueName(`prefetch-${type}`);
    try {
      const recorder = await background(recording(queue, "--queue-type", type));
      const rows =
        (await rabbitmqctl("list_consumers", "-p", "/pubsub", "queue_name", "prefetch_count"))
          .split("\n").filter((l) => l.startsWith(`${queue}\t`));
      recorder.child.kill("SIGTERM");
      assertEquals((await recorder.done()).code, 0);
      assertEquals(rows, [`${queue}\t${expected}`]);
    } finally {
      await cleanUp(queue);
    }
  }
});

Deno.test("recorder: a message without an id, not a fedora-messaging message, is named 'message without an id' (not 'message undefined') and kept aside", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-poison-" });
  const queue = queueName("no-id");
  const file = `${dir}/sync.jsonl`;
  const args = recording(queue, "--output", file);
  try {
    let recorder = await background(args);
    recorder.child.kill("SIGTERM");
    assertEquals((await recorder.done()).code, 0);
    const conn = await amqp.connect(PLAIN_URL);
    const ch = await conn.createConfirmChannel();
    ch.publish("amq.topic", KEY, Buffer.from("not json"));
    await ch.waitForConfirms();
    await conn.close();
    recorder = await background(args);
    const end = Date.now() + 10_000;
    while (sideLines(`${dir}/sync.rejects.jsonl`).length < 1 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
    }
    recorder.child.kill("SIGTERM");
    const got = await recorder.done();
    assertEquals(got.code, 0, got.stderr);
    assertEquals(sideLines(`${dir}/sync.rejects.jsonl`).length, 1, got.stderr);
    assertIncludes(got.stderr, `message without an id on ${KEY}: not recorded: `);
    assert(!got.stderr.includes("undefined"), got.stderr);
  } finally {
    await cleanUp(queue);
  }
});

Deno.test("listen --queue-name without --output leaves the dead letters in their queue for the recorder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-dead-" });
  const queue = queueName("dl-stdout");
  const dead = `${queue}.dead-letters`;
  try {
    // The recorder declares the queue and its dead letters, then stops.
    const recorder = await background(recording(queue, "--output", `${dir}/sync.jsonl`));
    recorder.child.kill("SIGTERM");
    assertEquals((await recorder.done()).code, 0);
    const conn = await amqp.connect(PLAIN_URL);
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(dead, Buffer.from('{"a": 1}'), { messageId: "a-dead-letter" });
    await ch.waitForConfirms();
    await conn.close();
    const watcher = await background(recording(queue, "--timeout", "2"));
    const got = await watcher.done();
    assertEquals(got.code, 0, got.stderr);
    assertEquals(got.stdout, "");
    assertIncludes(got.stderr, `dead letters of "${queue}" were left in "${dead}"`);
    assert(!got.stderr.includes("kept aside"), got.stderr);
    assertEquals(await drainQueue(dead, false), ["a-dead-letter"], "still there");
  } finally {
    await cleanUp(queue);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recorder: a leading U+FEFF stays in header keys, values, ids and bodies; a content_type that is not UTF-8 loses nothing else", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-bom-" });
  const queue = queueName("bom");
  const file = `${dir}/sync.jsonl`, side = `${dir}/sync.rejects.jsonl`;
  const args = recording(queue, "--output", file);
  try {
    let recorder = await background(args);
    recorder.child.kill("SIGTERM");
    assertEquals((await recorder.done()).code, 0);
    const headers = table([
      ["fedora_messaging_schema", field.string("base.message")],
      ["fedora_messaging_severity", field.int(20)],
      ["sent-at", field.string("2026-12-06T00:00:00+00:00")],
      ["a", field.string("plain")],
      ["\ufeffa", field.string("\ufeffbom")],
    ]);
    const body = '{"host": "\ufeffh"}';
    await rawPublish(
      KEY,
      properties(headers, "\ufeffbom-id", Uint8Array.of(0xff)),
      enc.encode(body),
    );
    await rawPublish(KEY, properties(headers, "bom-body"), enc.encode("\ufeff" + body));
    recorder = await background(args);
    const [line] = await linesOf(file, 1);
    const kept = await (async () => {
      const end = Date.now() + 10_000;
      while (sideLines(side).length < 1 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return sideLines(side);
    })();
    recorder.child.kill("SIGTERM");
    assertEquals((await recorder.done()).code, 0);
    const got = JSON.parse(line!);
    assertEquals(got.id, "\ufeffbom-id");
    assertEquals([got.headers["a"], got.headers["\ufeffa"]], ["plain", "\ufeffbom"]);
    assertEquals(got.body, { host: "\ufeffh" });
    assertEquals(got.header_notes, {
      "properties.contentType": "property not UTF-8: base64 of the bytes as sent",
    });
    // A body that starts with a BOM is not JSON (Python's json refuses it too): kept aside whole.
    assertEquals(kept.map((k) => [k["id"], k["kind"]]), [["bom-body", "unparsable"]]);
    assertEquals(atob(kept[0]!["body_base64"] as string).startsWith("\xef\xbb\xbf{"), true);
    assertEquals((kept[0]!["headers"] as Record<string, string>)["\ufeffa"], "\ufeffbom");
  } finally {
    await cleanUp(queue);
    await Deno.remove(dir, { recursive: true });
  }
});
