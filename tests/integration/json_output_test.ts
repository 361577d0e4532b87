/**
 * `--json` and `--quiet` on the sending commands: one JSON object per message on stdout with
 * its fate (delivered, spooled, refused, failed), or nothing but errors.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { PLAIN_URL, Reader, tlsConfig } from "../support/broker.ts";
import { busmsg, spoolLines } from "../support/run.ts";

const DOWN = "amqp://127.0.0.1:1/";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The stdout of a --json run, one parsed object per line (each line must be one object). */
function objects(stdout: string): Record<string, unknown>[] {
  return stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

Deno.test("publish --json: one object per message, delivered, with the id that arrived", async () => {
  const file = `${await Deno.makeTempDir()}/m.jsonl`;
  await Deno.writeTextFile(
    file,
    '{"topic": "json.a", "body": {}}\n{"topic": "json.b", "body": {}, "id": "fixed-id"}\n',
  );
  const reader = await Reader.open(["json.#"]);
  try {
    const run = await busmsg(["publish", "--json", "--url", PLAIN_URL, file]);
    assertEquals([run.code, run.stderr], [0, ""]);
    const got = objects(run.stdout);
    const arrived = await reader.take(2);
    assertEquals(got, [
      {
        id: arrived[0]!.properties["messageId"],
        routing_key: "json.a",
        outcome: "delivered",
      },
      { id: "fixed-id", routing_key: "json.b", outcome: "delivered" },
    ]);
    assert(UUID.test(String(got[0]!["id"])));
  } finally {
    await reader.close();
  }
});

Deno.test("publish --json: spooled and failed, each with the reason", async () => {
  const spoolDir = await Deno.makeTempDir();
  const spooled = await busmsg(["publish", "--json", "--url", DOWN, "--topic", "json.s"], {
    spoolDir,
  });
  assertEquals(spooled.code, 0, spooled.stderr);
  const [s] = objects(spooled.stdout);
  assertEquals([s!["routing_key"], s!["outcome"]], ["json.s", "spooled"]);
  assertIncludes(String(s!["reason"]), "ECONNREFUSED 127.0.0.1:1");
  assertIncludes((await spoolLines(spoolDir))[0]!, `"id": "${s!["id"]}"`);

  const failed = await busmsg(["publish", "--json", "--no-spool", "--url", DOWN, "--topic", "t"]);
  assertEquals(failed.code, 111, failed.stderr);
  const [f] = objects(failed.stdout);
  assertEquals(f!["outcome"], "failed");
  assertIncludes(String(f!["reason"]), "ECONNREFUSED");
});

Deno.test("publish --json: a topic the broker refuses is refused, exit 121", async () => {
  const conf = await tlsConfig("logging");
  const run = await busmsg(["publish", "--json", "--conf", conf, "--topic", "buildsys.x", "a=1"]);
  assertEquals(run.code, 121, run.stderr);
  const [r] = objects(run.stdout);
  assertEquals([r!["routing_key"], r!["outcome"]], ["buildsys.x", "refused"]);
  assertIncludes(String(r!["reason"]), "ACCESS_REFUSED");
});

Deno.test("--quiet prints nothing but errors", async () => {
  const spoolDir = await Deno.makeTempDir();
  // Spooled is a success: not a word.
  const spooled = await busmsg(["publish", "--quiet", "--url", DOWN, "--topic", "q.s"], {
    spoolDir,
  });
  assertEquals([spooled.code, spooled.stdout, spooled.stderr], [0, "", ""]);
  assertEquals((await spoolLines(spoolDir)).length, 1);
  const reader = await Reader.open(["q.#"]);
  try {
    // The drain and the delivery: silent too.
    const sent = await busmsg(["publish", "-q", "--url", PLAIN_URL, "--topic", "q.d"], {
      spoolDir,
    });
    assertEquals([sent.code, sent.stdout, sent.stderr], [0, "", ""]);
    assertEquals((await reader.take(2)).map((m) => m.routingKey), ["q.s", "q.d"]);
  } finally {
    await reader.close();
  }
  const failed = await busmsg(["publish", "--quiet", "--no-spool", "--url", DOWN, "--topic", "t"]);
  assertEquals([failed.code, failed.stdout], [111, ""]);
  assertIncludes(failed.stderr, "busmsg: 1 of 1 message(s) not published: cannot connect");
  // sync-event start still prints its run id: that is its result, not chatter.
  const start = await busmsg(["sync-event", "start", "--quiet", "--url", DOWN], { spoolDir });
  assertEquals([start.code, start.stderr], [0, ""]);
  assert(UUID.test(start.stdout.trim()), start.stdout);
  const both = await busmsg(["publish", "--json", "--quiet", "--dry-run", "--topic", "t"]);
  assertEquals([both.code, both.stderr], [2, "busmsg: --json and --quiet do not go together\n"]);
});

Deno.test("sync-event --json: the object holds the run id; flush --json: one object per spooled message", async () => {
  const spoolDir = await Deno.makeTempDir();
  const start = await busmsg(["sync-event", "start", "--json", "--url", DOWN], { spoolDir });
  assertEquals(start.code, 0, start.stderr);
  const [s] = objects(start.stdout);
  assertEquals([s!["routing_key"], s!["outcome"]], ["logging.stats.sync.start", "spooled"]);
  assert(UUID.test(String(s!["run_id"])), start.stdout);
  const reader = await Reader.open(["logging.stats.sync.start"]);
  try {
    const flush = await busmsg(["flush", "--json", "--url", PLAIN_URL], { spoolDir });
    assertEquals(flush.code, 0, flush.stderr);
    assertEquals(objects(flush.stdout), [{
      id: s!["id"],
      routing_key: "logging.stats.sync.start",
      outcome: "delivered",
    }]);
    const [m] = await reader.take(1);
    assertEquals(JSON.parse(m!.text).run_id, s!["run_id"]);
  } finally {
    await reader.close();
  }
  const empty = await busmsg(["flush", "--json", "--url", PLAIN_URL], { spoolDir });
  assertEquals([empty.code, empty.stdout], [0, ""]);
});

Deno.test("flush with the broker down: stdout says what is left; --json one object per file looked at", async () => {
  const spoolDir = await Deno.makeTempDir();
  const ids: unknown[] = [];
  for (const n of [1, 2]) {
    const run = await busmsg(
      ["publish", "--json", "--url", DOWN, "--topic", "json.left", `n=${n}`],
      {
        spoolDir,
      },
    );
    ids.push(objects(run.stdout)[0]!["id"]);
  }
  const bad = `${spoolDir}/00000000000001-1-000000`;
  await Deno.writeTextFile(`${bad}.msg`, "not json\n");
  const refused = `cannot connect to ${DOWN}: connect ECONNREFUSED 127.0.0.1:1 ` +
    "(config: built-in defaults: no config file found)";
  const badReason = `json: invalid JSON: Unexpected token 'o', "not json" is not valid JSON`;

  const json = await busmsg(["flush", "--json", "--url", DOWN], { spoolDir });
  assertEquals(json.code, 111, json.stderr);
  assertEquals(objects(json.stdout), [
    {
      id: "-",
      routing_key: "-",
      outcome: "failed",
      reason: `not a valid message, moved aside: ${bad}.bad: ${badReason}`,
    },
    ...ids.map((id) => ({ id, routing_key: "json.left", outcome: "spooled", reason: refused })),
  ]);
  assertEquals(
    json.stderr,
    `busmsg: spool ${spoolDir}: not a valid message, moved aside: ${bad}.bad: ${badReason}\n` +
      `busmsg: ${refused}\n`,
  );

  const text = await busmsg(["flush", "--url", DOWN], { spoolDir });
  assertEquals([text.code, text.stdout, text.stderr], [
    111,
    "0 sent, 2 left\n",
    `busmsg: ${refused}\n`,
  ]);
  assertEquals((await spoolLines(spoolDir)).length, 2);
});

Deno.test("test-message --json: one object; with --roundtrip, the round-trip time in it", async () => {
  const plain = await busmsg(["test-message", "--json", "--url", PLAIN_URL]);
  assertEquals(plain.code, 0, plain.stderr);
  const [p] = objects(plain.stdout);
  assertEquals([p!["routing_key"], p!["outcome"]], [
    "logging.stats.debug.test-message",
    "delivered",
  ]);
  const round = await busmsg(["test-message", "--json", "--roundtrip", "--url", PLAIN_URL]);
  assertEquals(round.code, 0, round.stderr);
  const [r] = objects(round.stdout);
  assertEquals(r!["outcome"], "delivered");
  assert(typeof r!["round_trip_ms"] === "number", round.stdout);
});
