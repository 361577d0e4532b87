/**
 * The recorder against messages built to stop it (#18): poison headers, bodies that are no
 * fedora-messaging message, dead letters, header values JSON cannot hold, a quorum queue that
 * replaces a classic one. Every message acknowledged is kept somewhere: the day file or the
 * side file beside it.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { drainQueue, durableQueue, PLAIN_URL, tlsConfig } from "../support/broker.ts";
import { busmsg } from "../support/run.ts";
import { background, linesOf } from "../support/listener.ts";
import { PREFIX } from "../support/example_sandbox.ts";
import { deepTable, field, properties, rawPublish, table } from "../support/raw_publish.ts";
import amqp from "amqplib";

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

async function publish(n: number, tag: string): Promise<string[]> {
  const lines = Array.from(
    { length: n },
    (_, i) =>
      JSON.stringify({ topic: "logging.stats.debug.recorder", body: { host: "log01", tag, i } }),
  );
  const sent = await busmsg(["publish", "--conf", logging, "-"], { stdin: lines.join("\n") });
  assertEquals(sent.code, 0, sent.stderr);
  return sent.stdout.trim().split("\n").map((l) => l.split(" ")[0]!);
}

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
  await drainQueue(queue).catch(() => {});
  await drainQueue(`${queue}.dead-letters`).catch(() => {});
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
