/** Large inputs and live pipes: memory-bounded batches, lines published as they arrive. */
import { assert, assertEquals, assertIncludes, assertNotIncludes } from "../assert.ts";
import { busmsg, ENTRY, PLAIN_URL, publishedIds, Reader, spawnBusmsg } from "../helpers.ts";

Deno.test("publish --stream: each line goes out as it arrives; bad lines skipped, exit 2 at the end", async () => {
  const spoolDir = await Deno.makeTempDir();
  const reader = await Reader.open(["live.#"]);
  const child = spawnBusmsg(["publish", "--stream", "--url", PLAIN_URL, "-"], {
    BUSMSG_SPOOL_DIR: spoolDir,
  }, "piped");
  const writer = child.stdin.getWriter();
  const line = (s: string) => writer.write(new TextEncoder().encode(s + "\n"));
  try {
    await line('{"topic": "live.1", "body": {"n": 1}}');
    // Arrives while the pipe is still open: not held until the end of input.
    const first = await reader.take(1, 10_000);
    assertEquals(first.map((m) => m.routingKey), ["live.1"]);
    await line("not json");
    await line('{"topic": "live.2", "body": {"n": 2}}');
    await writer.close();
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 2, stderr);
    assertIncludes(stderr, "<stdin>:2: json: invalid JSON");
    assertIncludes(stderr, "1 bad line(s) skipped");
    const got = await reader.take(2);
    assertEquals(got.map((m) => m.text), ['{"n": 1}', '{"n": 2}']);
    assertEquals(publishedIds(new TextDecoder().decode(out.stdout)).length, 2);
  } finally {
    await reader.close();
  }
});

Deno.test("a 25,000-line stdin (read twice, in rounds) arrives whole and in order", async () => {
  const n = 25_000;
  const lines = Array.from(
    { length: n },
    (_, i) => JSON.stringify({ topic: "large.x", body: { i } }),
  );
  const reader = await Reader.open(["large.#"]);
  try {
    const run = await busmsg(["publish", "--url", PLAIN_URL, "-"], {
      stdin: lines.join("\n") + "\n",
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(publishedIds(run.stdout).length, n);
    const got = await reader.take(n, 30_000);
    assertEquals(got.length, n);
    assertEquals(got[n - 1]?.text, `{"i": ${n - 1}}`);
    assert(got.every((m, i) => m.text === `{"i": ${i}}`), "in order");
  } finally {
    await reader.close();
  }
});

Deno.test("progress: a live line on a terminal, none for cron (no terminal) or with NO_COLOR", async () => {
  const file = `${await Deno.makeTempDir()}/v.jsonl`;
  await Deno.writeTextFile(file, '{"topic": "x", "body": {}}\n'.repeat(400_000));
  const cmd = [...ENTRY, "validate", file].join(" ");
  // script(1) gives the command a terminal; its output is what the terminal showed.
  const tty = async (env: Record<string, string>) => {
    const out = await new Deno.Command("script", {
      args: ["-qec", cmd, "/dev/null"],
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: Deno.env.get("HOME") ?? "/tmp",
        ...env,
      },
      stdout: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout);
  };
  const shown = await tty({ TERM: "xterm" });
  assertIncludes(shown, "\r\x1b[K");
  assertIncludes(shown, "validating: ");
  assertIncludes(shown, "400000 line(s) valid");
  assertNotIncludes(await tty({ TERM: "xterm", NO_COLOR: "1" }), "\x1b[K");
  assertNotIncludes(await tty({ TERM: "dumb" }), "\x1b[K");
  const plain = await busmsg(["validate", file]);
  assertNotIncludes(plain.stderr, "\x1b[K");
});

Deno.test("a reader that goes away (| head -1) stops neither delivery nor the exit code", async () => {
  const n = 10_000;
  const file = `${await Deno.makeTempDir()}/ids.jsonl`;
  await Deno.writeTextFile(
    file,
    Array.from({ length: n }, (_, i) => JSON.stringify({ topic: "gone.x", body: { i } })).join(
      "\n",
    ) + "\n",
  );
  const reader = await Reader.open(["gone.#"]);
  try {
    const child = spawnBusmsg(["publish", "--url", PLAIN_URL, file], {
      BUSMSG_SPOOL_DIR: await Deno.makeTempDir(),
    });
    const out = child.stdout.getReader();
    const first = await out.read();
    assert(!first.done, "the first ids came");
    await out.cancel();
    const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
    assertEquals(status.code, 0, stderr);
    assertEquals((await reader.take(n, 20_000)).length, n);
  } finally {
    await reader.close();
  }
});
