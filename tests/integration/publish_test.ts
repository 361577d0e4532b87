import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { SEED_FRAMES, SEED_LINE } from "../support/fixtures.ts";
import { PLAIN_PORT, PLAIN_URL, Reader, tlsConfig } from "../support/broker.ts";
import { recording, relay } from "../support/faults.ts";
import {
  busmsg,
  ENTRY,
  publishedIds,
  runCommand,
  spoolLines,
  writeConfig,
} from "../support/run.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("the seed's test message goes on the wire byte for byte as the Python client sends it", async () => {
  const seen = recording();
  const hop = relay(PLAIN_PORT, { tap: seen.tap });
  const reader = await Reader.open(["test"]);
  try {
    const url = PLAIN_URL.replace(`:${PLAIN_PORT}/`, `:${hop.port}/`);
    const run = await busmsg(["publish", "--url", url, "-"], { stdin: SEED_LINE + "\n" });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout, "6f4dfec9-80d7-49e6-80e0-f2357b63422c test\n");
    const wire = hex(seen.bytes("up"));
    // Channel 1, method frame type 1, header frame type 2, body frame type 3.
    assertIncludes(
      wire,
      "010001" + SEED_FRAMES.publish + "020001" + SEED_FRAMES.header + "030001" + SEED_FRAMES.body,
    );
    const [m] = await reader.take(1);
    assert(m, "the message arrived");
    assertEquals(m.text, '{"test_key1": "test_value1"}');
  } finally {
    hop.close();
    await reader.close();
  }
});

Deno.test("a topic prefix from the config changes only the routing key", async () => {
  const conf = await writeConfig([
    `amqp_url = "${PLAIN_URL}"`,
    'topic_prefix = "org.fedoraproject.stg"',
  ]);
  const reader = await Reader.open(["org.fedoraproject.stg.test"]);
  try {
    const run = await busmsg(["publish", "--conf", conf, "-"], { stdin: SEED_LINE + "\n" });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout, "6f4dfec9-80d7-49e6-80e0-f2357b63422c org.fedoraproject.stg.test\n");
    const [m] = await reader.take(1);
    assertEquals(m?.routingKey, "org.fedoraproject.stg.test");
    assertEquals(m?.text, '{"test_key1": "test_value1"}');
  } finally {
    await reader.close();
  }
});

Deno.test("over TLS with a client certificate and EXTERNAL, every property and header arrives", async () => {
  const conf = await tlsConfig("logging", ['topic_prefix = "org.fedoraproject.prod"']);
  const reader = await Reader.open(["org.fedoraproject.prod.logging.stats.#"]);
  try {
    const run = await busmsg([
      "publish",
      "--conf",
      conf,
      "--topic",
      "logging.stats.debug.wire",
      "--severity",
      "10",
      "--priority",
      "3",
      "host=log01.example.org",
      'quote="a\\b"\ttab\nnewline é 😀',
      "n:int=42",
      "f:float=2",
      "ok:bool=yes",
      'j:json={"a": [1, 2.50]}',
    ]);
    assertEquals(run.code, 0, run.stderr);
    const [id, key] = run.stdout.trim().split(" ");
    assertEquals(key, "org.fedoraproject.prod.logging.stats.debug.wire");
    const [m] = await reader.take(1);
    assert(m, "the message arrived");
    assertEquals(m.routingKey, "org.fedoraproject.prod.logging.stats.debug.wire");
    assertEquals(m.exchange, "amq.topic");
    assertEquals(
      m.text,
      '{"host": "log01.example.org", "quote": "\\"a\\\\b\\"\\ttab\\nnewline \\u00e9 \\ud83d\\ude00", ' +
        '"n": 42, "f": 2.0, "ok": true, "j": {"a": [1, 2.5]}}',
    );
    const p = m.properties;
    assertEquals(p["contentType"], "application/json");
    assertEquals(p["contentEncoding"], "utf-8");
    assertEquals(p["deliveryMode"], 2);
    assertEquals(p["priority"], 3);
    assertEquals(p["messageId"], id);
    for (
      const absent of [
        "timestamp",
        "appId",
        "userId",
        "type",
        "correlationId",
        "replyTo",
        "expiration",
      ]
    ) {
      assertEquals(p[absent], undefined, absent);
    }
    const headers = p["headers"] as Record<string, unknown>;
    assertEquals(Object.keys(headers), [
      "fedora_messaging_severity",
      "fedora_messaging_schema",
      "fedora_messaging_schema_package",
      "sent-at",
      "priority",
    ]);
    assertEquals(headers["fedora_messaging_severity"], 10);
    assertEquals(headers["fedora_messaging_schema"], "base.message");
    assertEquals(headers["priority"], 3);
    const sentAt = String(headers["sent-at"]);
    assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/.test(sentAt), sentAt);
    assert(Math.abs(Date.parse(sentAt) - Date.now()) < 60_000, "sent-at is now");
  } finally {
    await reader.close();
  }
});

Deno.test("the broker's topic permission is met: a topic outside it is refused with exit 121", async () => {
  const conf = await tlsConfig("logging");
  const reader = await Reader.open(["#"]);
  try {
    const run = await busmsg(["publish", "--conf", conf, "--topic", "buildsys.test", "a=1"]);
    assertEquals(run.code, 121, run.stderr);
    assertEquals(run.stdout, "");
    assertIncludes(run.stderr, "busmsg: ");
    assertIncludes(run.stderr, "ACCESS_REFUSED");
    assertIncludes(run.stderr, "buildsys.test");
    assertEquals(run.stderr.trim().split("\n").length, 1, run.stderr);
    assertEquals(await reader.settle(), []);
  } finally {
    await reader.close();
  }
});

Deno.test("many lines from stdin arrive in order on one connection, ids as printed", async () => {
  const reader = await Reader.open(["batch.#"]);
  try {
    const lines = Array.from(
      { length: 500 },
      (_, i) => JSON.stringify({ topic: `batch.${i}`, body: { i } }),
    );
    const run = await busmsg(["publish", "--url", PLAIN_URL, "-"], {
      stdin: lines.join("\n") + "\n",
    });
    assertEquals(run.code, 0, run.stderr);
    const ids = publishedIds(run.stdout);
    assertEquals(ids.length, 500);
    const got = await reader.take(500);
    assertEquals(got.length, 500);
    assertEquals(got.map((m) => m.properties["messageId"]), ids);
    assertEquals(got.map((m) => m.routingKey), lines.map((_, i) => `batch.${i}`));
    assertEquals(got[7]?.text, '{"i": 7}');
  } finally {
    await reader.close();
  }
});

Deno.test("a file with one bad line publishes nothing and names the line and field", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/in.jsonl`;
  await Deno.writeTextFile(
    file,
    [
      '{"topic": "half.1", "body": {}}',
      '{"topic": "half.2", "body": [], "headers": {"fedora_messaging_severity": 20.0}}',
      '{"topic": "half.3", "body": {}}',
      "",
    ].join("\n") + "\n",
  );
  const reader = await Reader.open(["half.#"]);
  try {
    const run = await busmsg(["publish", "--url", PLAIN_URL, file]);
    assertEquals(run.code, 2);
    assertEquals(run.stdout, "");
    assertIncludes(run.stderr, `busmsg: ${file}:2: body: must be a JSON object`);
    assertIncludes(run.stderr, `busmsg: ${file}:4: line: is blank`);
    assertIncludes(run.stderr, "nothing was published");
    assertEquals(await reader.settle(), []);
  } finally {
    await reader.close();
  }
});

Deno.test("a logging.stats line that fails its schema publishes nothing", async () => {
  const run = await busmsg(["publish", "--url", PLAIN_URL, "-"], {
    stdin:
      '{"topic": "logging.stats.sync.host.skip", "body": {"host": "h", "run_id": "r", "synced_host": "p"}}\n',
  });
  assertEquals(run.code, 2);
  assertIncludes(
    run.stderr,
    "<stdin>:1: body.reason: is required for logging.stats.sync.host.skip",
  );
});

Deno.test("usage: help on stdout with exit 0; unknown command, option or bad field exit 2", async () => {
  const help = await busmsg(["publish", "--help"]);
  assertEquals(help.code, 0);
  assertIncludes(help.stdout, "busmsg publish");
  const top = await busmsg(["--help"]);
  assertEquals(top.code, 0);
  assertIncludes(top.stdout, "sync-event");
  for (
    const [args, part] of [
      [["frobnicate"], 'unknown command "frobnicate"'],
      [["publish", "--bogus", "x"], "publish: unknown option --bogus"],
      [
        ["publish", "--dry-run", "--topic", "t", "n:int=abc"],
        'field "n": not an integer, got "abc"',
      ],
      [["publish", "--dry-run", "--topic", "t", "noequals"], "expected KEY[:TYPE]=VALUE"],
      [["publish", "--dry-run", "--topic", "t", "--severity", "25"], "--severity"],
      [
        ["publish", "--url", "http://x/", "--topic", "t"],
        "--url: must start with amqp:// or amqps://",
      ],
    ] as [string[], string][]
  ) {
    const run = await busmsg(args);
    assertEquals(run.code, 2, args.join(" "));
    assertIncludes(run.stderr, part);
    assertEquals(run.stderr.trim().split("\n").length, 1, run.stderr);
  }
});

Deno.test("--dry-run prints record-style dump lines and connects to nothing", async () => {
  const run = await busmsg([
    "publish",
    "--dry-run",
    "--url",
    "amqp://u:canary-pw@127.0.0.1:1/%2F",
    "-",
  ], {
    stdin: SEED_LINE + "\n",
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(
    run.stdout,
    '{"body": {"test_key1": "test_value1"}, "headers": {"fedora_messaging_schema": "base.message", ' +
      '"fedora_messaging_schema_package": "fedora_messaging", "fedora_messaging_severity": 20, "priority": 0, ' +
      '"sent-at": "2021-07-21T12:23:12+00:00"}, "id": "6f4dfec9-80d7-49e6-80e0-f2357b63422c", "priority": 0, ' +
      '"queue": null, "topic": "test"}\n',
  );
  assertIncludes(run.stderr, "amqp://u:***@127.0.0.1:1/%2F");
  assert(!run.stderr.includes("canary-pw"));
});

Deno.test("an amqp_url with pika's parameters (shared with fedora-messaging) publishes, warning once per unused one", async () => {
  const conf = await writeConfig([
    `amqp_url = "${PLAIN_URL}?connection_attempts=3&retry_delay=5&frame_max=131072"`,
  ]);
  const reader = await Reader.open(["pika.params"]);
  try {
    const run = await busmsg(["publish", "--conf", conf, "--topic", "pika.params", "a=1"]);
    assertEquals(run.code, 0, run.stderr);
    const warnings = run.stderr.split("\n").filter((l) => l.includes("is pika's"));
    assertEquals(warnings.length, 2, run.stderr);
    assertIncludes(warnings[0]!, `${conf}: amqp_url parameter "connection_attempts"`);
    const [m] = await reader.take(1);
    assertEquals([m?.routingKey, m?.text], ["pika.params", '{"a": "1"}']);
  } finally {
    await reader.close();
  }
});

Deno.test("a stdout that cannot be written (full disk): delivered, said once on stderr, exit 0", async () => {
  const reader = await Reader.open(["full.#"]);
  try {
    const spoolDir = await Deno.makeTempDir();
    const file = `${spoolDir}.jsonl`;
    await Deno.writeTextFile(
      file,
      '{"topic": "full.a", "body": {"i": 1}}\n{"topic": "full.b", "body": {"i": 2}}\n',
    );
    const run = await runCommand(
      "bash",
      ["-c", 'exec "$@" >/dev/full', "bash", ...ENTRY, "publish", "--url", PLAIN_URL, file],
      { env: { NO_COLOR: "1", BUSMSG_SPOOL_DIR: spoolDir } },
    );
    assertEquals([run.code, run.stderr], [
      0,
      "busmsg: cannot write to stdout: No space left on device\n",
    ]);
    const got = await reader.take(2);
    assertEquals(got.map((m) => [m.routingKey, m.text]), [["full.a", '{"i": 1}'], [
      "full.b",
      '{"i": 2}',
    ]]);
    assertEquals(await spoolLines(spoolDir), []);
  } finally {
    await reader.close();
  }
});
