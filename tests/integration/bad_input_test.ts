/** Bad input never crashes and never half-publishes: exit 2, file, line and field named. */
import { assert, assertEquals, assertIncludes, assertNotIncludes } from "../assert.ts";
import { busmsg, PLAIN_URL, Reader, ROOT } from "../helpers.ts";

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
