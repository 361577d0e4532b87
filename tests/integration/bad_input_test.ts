/** Bad input never crashes and never half-publishes: exit 2, file, line and field named. */
import { assert, assertEquals, assertIncludes, assertNotIncludes } from "../support/assert.ts";
import { PLAIN_URL, Reader } from "../support/broker.ts";
import { busmsg, ENTRY, ROOT, runCommand, spoolLines, writeConfig } from "../support/run.ts";

const CORPUS = `${ROOT}tests/corpus`;
const EXPECTED: Record<string, string> = {
  "invalid-json": "2: json: invalid JSON",
  "blank-line": "2: line: is blank",
  "body-not-object": "2: body: must be a JSON object",
  "missing-topic": "2: topic: is required",
  "topic-too-long": "2: topic: routing key (topic with its prefix) is longer than 255 bytes",
  "header-wrong-type": "2: headers.sent-at: must be a string",
  "float-severity":
    "2: headers.fedora_messaging_severity: must be one of the integers 10, 20, 30, 40",
  "priority-out-of-range": "2: priority: must be an integer 0..255",
  "id-not-string": "2: id: must be a string",
  "schema-violation": "2: body.log_date: must be a calendar date YYYY-MM-DD",
  "headers-not-object": "2: headers: must be a JSON object",
  "not-an-object": "2: line: must be a JSON object",
  "number-out-of-range": "2: body.n: number out of range: JSON has no Infinity",
  "lone-surrogate": "2: body.s: contains a lone surrogate (\\ud800), which UTF-8 cannot carry",
  "id-null": "2: id: must be a string, got null",
  "headers-null": "2: headers: must be a JSON object, got null",
  "header-key-too-long": "2: headers.t: key longer than 255 bytes",
};

function assertNoCrash(stderr: string) {
  assertNotIncludes(stderr, "    at ", "no stack trace");
  assertNotIncludes(stderr, "Uncaught");
  for (const line of stderr.trim().split("\n")) {
    assert(line.startsWith("busmsg: "), `plain line: ${line}`);
  }
}

async function assertRefused(path: string, part: string, reader: Reader) {
  const run = await busmsg(["publish", "--url", PLAIN_URL, path]);
  assertEquals(run.code, 2, `${path}: ${run.stderr}`);
  assertEquals(run.stdout, "");
  assertIncludes(run.stderr, part);
  assertNoCrash(run.stderr);
  assertEquals(await reader.settle(100), [], `${path}: nothing published`);
}

Deno.test("the bad-input corpus: each file exits 2 naming file, line 2 and field; nothing published", async () => {
  const names = [...Deno.readDirSync(CORPUS)].map((e) => e.name).filter((n) => n.endsWith(".jsonl"))
    .sort();
  assertEquals(names.map((n) => n.replace(".jsonl", "")), Object.keys(EXPECTED).sort());
  const reader = await Reader.open(["corpus.#", "logging.stats.#"]);
  try {
    for (const name of names) {
      const file = `${CORPUS}/${name}`;
      await assertRefused(file, `busmsg: ${file}:${EXPECTED[name.replace(".jsonl", "")]}`, reader);
    }
  } finally {
    await reader.close();
  }
});

Deno.test("bytes that are not UTF-8, a 10 MB line, a missing file, a directory, an unreadable file", async () => {
  const dir = await Deno.makeTempDir();
  const valid = new TextEncoder().encode('{"topic": "corpus.ok", "body": {}}\n');
  const latin1 = `${dir}/latin1.jsonl`;
  Deno.writeFileSync(
    latin1,
    new Uint8Array([
      ...valid,
      ...new TextEncoder().encode('{"topic": "corpus.x", "body": {"n": "caf'),
      0xe9,
      0x22,
      0x7d,
      0x7d,
      0x0a,
    ]),
  );
  const huge = `${dir}/huge.jsonl`;
  Deno.writeTextFileSync(
    huge,
    `{"topic": "corpus.ok", "body": {}}\n{"topic": "corpus.x", "body": {"a": "${
      "x".repeat(10_000_000)
    }"}}\n`,
  );
  let unreadable = `${dir}/unreadable.jsonl`;
  Deno.writeFileSync(unreadable, valid);
  Deno.chmodSync(unreadable, 0);
  // Root reads any file: a file whose read fails (EIO) stands in for it there.
  if (Deno.uid() === 0) unreadable = "/proc/self/mem";
  const reader = await Reader.open(["corpus.#"]);
  try {
    await assertRefused(latin1, `busmsg: ${latin1}:2: line: line is not valid UTF-8`, reader);
    await assertRefused(huge, `busmsg: ${huge}:2: line: line is longer than 1048576 bytes`, reader);
    await assertRefused(
      `${dir}/missing.jsonl`,
      `busmsg: ${dir}/missing.jsonl: cannot open: no such file`,
      reader,
    );
    await assertRefused(dir, `busmsg: ${dir}: is a directory`, reader);
    await assertRefused(unreadable, `busmsg: ${unreadable}: cannot`, reader);
  } finally {
    await reader.close();
  }
});

Deno.test("bad KEY:TYPE=VALUE arguments: exit 2, the field named, nothing published", async () => {
  const reader = await Reader.open(["corpus.#"]);
  try {
    for (
      const [word, part] of [
        ["n:int=1.5", 'field "n": not an integer'],
        ["f:float=abc", 'field "f": not a finite number'],
        ["b:bool=perhaps", 'field "b": not a boolean'],
        ["j:json={oops", 'field "j": not valid JSON'],
        ["f:float=1e400", 'field "f": not a finite number, got "1e400"'],
        ['j:json={"a": [-1e999]}', "corpus.args: body.j.a[0]: number out of range"],
        ['j:json="\\udc00"', "corpus.args: body.j: contains a lone surrogate (\\udc00)"],
      ]
    ) {
      const run = await busmsg([
        "publish",
        "--url",
        PLAIN_URL,
        "--topic",
        "corpus.args",
        "ok=1",
        word!,
      ]);
      assertEquals(run.code, 2, run.stderr);
      assertIncludes(run.stderr, part!);
      assertNoCrash(run.stderr);
    }
    assertEquals(await reader.settle(200), []);
  } finally {
    await reader.close();
  }
});

const OK_LINE = '{"topic": "corpus.ok", "body": {"a": 1}}';

/** Writes lines to a fresh file and returns its path. */
async function inputFile(lines: string[]): Promise<string> {
  const path = `${await Deno.makeTempDir()}/input.jsonl`;
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

Deno.test("nesting past the depth limit is refused in the first pass, never a crash half-way", async () => {
  const deep = (n: number, inner = "1") => "[".repeat(n) + inner + "]".repeat(n);
  const body = await inputFile([
    ...Array.from({ length: 2001 }, () => OK_LINE),
    `{"topic": "corpus.x", "body": {"h": ${deep(100_000)}}}`,
  ]);
  const headers = await inputFile([
    OK_LINE,
    `{"topic": "corpus.x", "body": {}, "headers": {"h": ${deep(10_000)}}}`,
    `{"topic": "corpus.x", "body": {"f": ${deep(100_000, "1.5")}}}`,
    `{"topic": "corpus.x", "body": {"h": ${deep(63)}}}`,
    `{"topic": "corpus.x", "body": {"h": ${deep(64)}}}`,
  ]);
  const reader = await Reader.open(["corpus.#"]);
  try {
    await assertRefused(
      body,
      `busmsg: ${body}:2002: body.h: objects and arrays nested deeper than 64 levels`,
      reader,
    );
    const run = await busmsg(["validate", headers]);
    assertEquals(run.code, 2, run.stderr);
    assertEquals(
      run.stdout,
      `${headers}:2: headers.h: objects and arrays nested deeper than 64 levels\n` +
        `${headers}:3: json: invalid JSON: objects and arrays nested too deeply\n` +
        `${headers}:5: body.h: objects and arrays nested deeper than 64 levels\n`,
    );
    assertNoCrash(run.stderr);
  } finally {
    await reader.close();
  }
});

Deno.test("headers AMQP cannot carry fail validate and publish alike: exit 2, nothing sent or spooled", async () => {
  const big = await inputFile([
    OK_LINE,
    JSON.stringify({ topic: "corpus.x", body: {}, headers: { h: "v".repeat(70_000) } }),
  ]);
  const spoolDir = await Deno.makeTempDir();
  const reader = await Reader.open(["corpus.#"]);
  try {
    const part =
      `${big}:2: headers: too large for AMQP: 70188 bytes encoded, amqplib's limit is 65536`;
    const validate = await busmsg(["validate", big]);
    assertEquals([validate.code, validate.stdout], [2, part + "\n"]);
    const run = await busmsg(["publish", "--url", PLAIN_URL, big], { spoolDir });
    assertEquals(run.code, 2, run.stderr);
    assertIncludes(run.stderr, `busmsg: ${part}`);
    assertEquals(await reader.settle(100), []);
    assertEquals([...Deno.readDirSync(spoolDir)], []);
    // A table of exactly amqplib's 65536 bytes is encoded and sent.
    const fits = await inputFile([
      JSON.stringify({ topic: "corpus.x", body: {}, headers: { h: "v".repeat(70_000 - 4652) } }),
    ]);
    const sent = await busmsg(["publish", "--url", PLAIN_URL, fits], { spoolDir });
    assertEquals(sent.code, 0, sent.stderr);
    assertEquals((await reader.take(1)).length, 1);
  } finally {
    await reader.close();
  }
});

Deno.test("the header frame limit is exact: a frame of frameMax bytes arrives, one byte more is refused", async () => {
  const url = `${PLAIN_URL}?frameMax=8192`;
  const conf = await writeConfig([`amqp_url = "${url}"`]);
  const line = (n: number) =>
    JSON.stringify({ topic: "corpus.frame", body: {}, headers: { h: "v".repeat(n) } });
  // The size the check computes for a line too large by some bytes tells the exact fit.
  // (RabbitMQ itself takes 8 bytes more than the spec's frame_max; busmsg keeps to the spec.)
  const probe = await busmsg(["validate", "--conf", conf, await inputFile([line(9000)])]);
  const size = Number(
    /header frame would be (\d+) bytes, the frame size is 8192/.exec(
      probe.stdout,
    )?.[1],
  );
  assert(size > 8192, probe.stdout);
  const fits = await inputFile([line(9000 - (size - 8192))]);
  const over = await inputFile([OK_LINE, line(9001 - (size - 8192))]);
  const reader = await Reader.open(["corpus.#"]);
  try {
    assertEquals((await busmsg(["validate", "--conf", conf, fits])).code, 0);
    const sent = await busmsg(["publish", "--url", url, fits]);
    assertEquals(sent.code, 0, sent.stderr);
    assertEquals((await reader.take(1)).length, 1, "the broker took a frame of exactly 8192");
    const refused = await busmsg(["publish", "--url", url, over]);
    assertEquals(refused.code, 2, refused.stderr);
    assertIncludes(refused.stderr, `busmsg: ${over}:2: headers: too large for AMQP`);
    assertEquals((await reader.settle(100)).length, 1, "nothing more arrived");
  } finally {
    await reader.close();
  }
});

Deno.test("a spool file that is not UTF-8 is moved aside, never sent with U+FFFD", async () => {
  const spoolDir = await Deno.makeTempDir();
  const name = `${spoolDir}/00000000000001-1-000000.msg`;
  const bytes = [
    ...new TextEncoder().encode('{"topic": "corpus.latin1", "body": {"n": "caf'),
    0xe9,
    ...new TextEncoder().encode('"}}\n'),
  ];
  await Deno.writeFile(name, new Uint8Array(bytes));
  const reader = await Reader.open(["corpus.#"]);
  try {
    const run = await busmsg(["flush", "--url", PLAIN_URL], { spoolDir });
    assertIncludes(run.stderr, `not a valid message, moved aside: ${name.replace(".msg", ".bad")}`);
    assertEquals(await reader.settle(200), []);
    assertEquals(await Deno.readFile(name.replace(".msg", ".bad")), new Uint8Array(bytes));
  } finally {
    await reader.close();
  }
});

Deno.test("a lone surrogate with the broker down is refused, not spooled", async () => {
  const spoolDir = await Deno.makeTempDir();
  const path = await inputFile([OK_LINE, '{"topic": "corpus.x", "body": {"s": "a\\udfffb"}}']);
  const run = await busmsg(["publish", "--url", "amqp://127.0.0.1:1/", path], { spoolDir });
  assertEquals(run.code, 2, run.stderr);
  assertIncludes(run.stderr, `${path}:2: body.s: contains a lone surrogate (\\udfff)`);
  assertEquals([...Deno.readDirSync(spoolDir)], []);
});

Deno.test("a URL query the AMQP client cannot use: exit 2 naming the parameter, nothing sent or spooled", async () => {
  const spoolDir = await Deno.makeTempDir();
  const conf = await writeConfig([`amqp_url = "${PLAIN_URL}?frameMax=abc"`]);
  const reader = await Reader.open(["corpus.#"]);
  try {
    for (
      const [args, part] of [
        [["--conf", conf], `${conf}: amqp_url: query parameter "frameMax" must be`],
        [
          ["--url", `${PLAIN_URL}?heartbeat_interval=5`],
          '--url: unknown query parameter "heartbeat_interval"',
        ],
      ] as const
    ) {
      const run = await busmsg(["publish", ...args, "--topic", "corpus.q", "a=1"], { spoolDir });
      assertEquals(run.code, 2, run.stderr);
      assertIncludes(run.stderr, `busmsg: ${part}`);
      assertNoCrash(run.stderr);
    }
    assertEquals(await reader.settle(100), []);
    assertEquals([...Deno.readDirSync(spoolDir)], []);
  } finally {
    await reader.close();
  }
});

Deno.test("a topic with a control character: exit 2, named quoted (no forged line), nothing sent", async () => {
  const reader = await Reader.open(["ctl.#", "logging.stats.#"]);
  try {
    for (
      const [topic, said] of [
        [
          "ctl.t\nbusmsg: fake line",
          '"ctl.t\\nbusmsg: fake line": topic: contains the control character U+000A',
        ],
        [
          "logging.stats.x\x1b]0;PWNED\x07",
          '"logging.stats.x\\u001b]0;PWNED\\u0007": topic: contains the control character U+001B',
        ],
      ]
    ) {
      const run = await busmsg(["publish", "--url", PLAIN_URL, "--topic", topic!, "a=1"]);
      assertEquals([run.code, run.stdout, run.stderr], [2, "", `busmsg: ${said}\n`]);
    }
    const file = await inputFile([OK_LINE, JSON.stringify({ topic: "ctl.\x9bx", body: {} })]);
    const published = await busmsg(["publish", "--url", PLAIN_URL, file]);
    assertEquals(published.code, 2, published.stderr);
    assertEquals(
      published.stderr,
      `busmsg: ${file}:2: topic: contains the control character U+009B\n` +
        "busmsg: 1 bad line(s); nothing was published\n",
    );
    const validated = await busmsg(["validate", file]);
    assertEquals(validated.code, 2);
    assertEquals(validated.stdout, `${file}:2: topic: contains the control character U+009B\n`);
    assertEquals(await reader.settle(200), []);
  } finally {
    await reader.close();
  }
});

Deno.test("stdin named twice is a usage error for publish and validate", async () => {
  const publish = await busmsg(["publish", "--url", PLAIN_URL, "-", "-"], {
    stdin: OK_LINE + "\n",
  });
  assertEquals([publish.code, publish.stdout, publish.stderr], [
    2,
    "",
    "busmsg: publish: - (stdin) is given more than once\n",
  ]);
  const validate = await busmsg(["validate", "-", "-"], { stdin: OK_LINE + "\n" });
  assertEquals([validate.code, validate.stdout, validate.stderr], [
    2,
    "",
    "busmsg: validate: - (stdin) is given more than once\n",
  ]);
});

Deno.test("command-line text that is not UTF-8 (U+FFFD once Deno decodes it) is refused, nothing sent", async () => {
  const reader = await Reader.open(["corpus.#", "logging.stats.#"]);
  try {
    // Only a shell can hand over bytes that are not UTF-8.
    const run = (args: string[], bad: string) =>
      runCommand("bash", ["-c", `exec "$@" "$(printf '${bad}')"`, "bash", ...ENTRY, ...args], {
        env: { NO_COLOR: "1", BUSMSG_SPOOL_DIR: SPOOL },
      });
    const SPOOL = await Deno.makeTempDir();
    const field = await run(["publish", "--url", PLAIN_URL, "--topic", "corpus.args"], "a=\\377");
    assertEquals([field.code, field.stdout, field.stderr], [
      2,
      "",
      'busmsg: "a=\ufffd": not valid UTF-8 (contains U+FFFD)\n',
    ]);
    const topic = await run(["publish", "--url", PLAIN_URL, "a=1", "--topic"], "corpus.\\377");
    assertEquals([topic.code, topic.stderr], [
      2,
      "busmsg: --topic: not valid UTF-8 (contains U+FFFD)\n",
    ]);
    const reason = await run(
      [
        "sync-event",
        "host.skip",
        "--url",
        PLAIN_URL,
        "--run-id",
        "r",
        "--synced-host",
        "h",
        "--reason",
      ],
      "disk \\376full",
    );
    assertEquals([reason.code, reason.stdout, reason.stderr], [
      2,
      "",
      "busmsg: --reason: not valid UTF-8 (contains U+FFFD)\n",
    ]);
    assertEquals(await reader.settle(200), []);
    assertEquals(await spoolLines(SPOOL), []);
  } finally {
    await reader.close();
  }
});

Deno.test("an environment variable busmsg reads that is not UTF-8 is one line, exit 2, nothing sent", async () => {
  const reader = await Reader.open(["corpus.#"]);
  try {
    const run = await runCommand(
      "bash",
      [
        "-c",
        `BUSMSG_SPOOL_DIR="$(printf '/tmp/busmsg-env-\\377')" exec "$@"`,
        "bash",
        ...ENTRY,
        "publish",
        "--url",
        PLAIN_URL,
        "--topic",
        "corpus.env",
        "a=1",
      ],
      { env: { NO_COLOR: "1" } },
    );
    assertEquals([run.code, run.stdout], [2, ""], run.stderr);
    assertEquals(run.stderr.trim().split("\n").length, 1, run.stderr);
    assertIncludes(run.stderr, "environment variable was not valid unicode");
    assertEquals(await reader.settle(200), []);
  } finally {
    await reader.close();
  }
});
