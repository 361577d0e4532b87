/** Large inputs and live pipes: memory-bounded batches, lines published as they arrive. */
import { assert, assertEquals, assertIncludes, assertNotIncludes } from "../support/assert.ts";
import { PLAIN_URL, Reader } from "../support/broker.ts";
import { busmsg, ENTRY, publishedIds, spawnBusmsg, spoolLines } from "../support/run.ts";

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

Deno.test("publish --stream: a first line that comes after --timeout is delivered, not spooled (waiting for input is not the broker's lack of progress)", async () => {
  const spoolDir = await Deno.makeTempDir();
  const reader = await Reader.open(["late.#"]);
  const child = spawnBusmsg(["publish", "--stream", "--timeout", "1", "--url", PLAIN_URL, "-"], {
    BUSMSG_SPOOL_DIR: spoolDir,
  }, "piped");
  const writer = child.stdin.getWriter();
  try {
    // Start-up, connecting, then more than the timeout with nothing to send.
    await new Promise((r) => setTimeout(r, 2500));
    await writer.write(new TextEncoder().encode('{"topic": "late.1", "body": {"n": 1}}\n'));
    await writer.close();
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assertNotIncludes(stderr, "spooled");
    assertEquals(await spoolLines(spoolDir), []);
    assertEquals((await reader.take(1)).map((m) => m.routingKey), ["late.1"]);
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

Deno.test("a large file that grows while being sent: exactly what was checked goes out, exit 0", async () => {
  const n = 25_000; // more than are kept, so the file is read twice
  const file = `${await Deno.makeTempDir()}/f.jsonl`;
  await Deno.writeTextFile(
    file,
    Array.from({ length: n }, (_, i) => JSON.stringify({ topic: "grow.x", body: { i } })).join(
      "\n",
    ) +
      "\n",
  );
  const reader = await Reader.open(["grow.#"]);
  try {
    const child = spawnBusmsg(["publish", "--url", PLAIN_URL, file], {
      BUSMSG_SPOOL_DIR: await Deno.makeTempDir(),
    });
    const stderr = new Response(child.stderr).text();
    const out = child.stdout.getReader();
    const first = await out.read();
    assert(!first.done, "the first round went out");
    // Sending has begun: a bad line and a good one appended now were never checked.
    await Deno.writeTextFile(file, 'not json\n{"topic": "grow.x", "body": {"i": -1}}\n', {
      append: true,
    });
    let stdout = new TextDecoder().decode(first.value);
    for (let r = await out.read(); !r.done; r = await out.read()) {
      stdout += new TextDecoder().decode(r.value);
    }
    const status = await child.status;
    assertEquals(
      [status.code, await stderr],
      [0, `busmsg: ${file}: grew after it was read; what was added was not published\n`],
    );
    assertEquals(publishedIds(stdout).length, n);
    await reader.take(n, 30_000);
    const got = await reader.settle(300);
    assertEquals(got.length, n);
    assert(got.every((m, i) => m.text === `{"i": ${i}}`), "the checked lines, in order");
  } finally {
    await reader.close();
  }
});

Deno.test("publish - killed while reading stdin leaves no temporary file behind", async () => {
  const tmp = await Deno.makeTempDir();
  const child = spawnBusmsg(["publish", "--url", PLAIN_URL, "-"], { TMPDIR: tmp }, "piped");
  const writer = child.stdin.getWriter();
  // Over 4 MiB: an input that large is kept in a temporary file, not in memory.
  await writer.write(new TextEncoder().encode('{"topic": "kill.x", "body": {}}\n'.repeat(150_000)));
  // The copy is open (its name says where it was) before it is looked for on disk.
  let copy: string | undefined;
  for (let tries = 0; copy === undefined && tries < 200; tries++) {
    await new Promise((r) => setTimeout(r, 50));
    for (const fd of Deno.readDirSync(`/proc/${child.pid}/fd`)) {
      const target = Deno.readLinkSync(`/proc/${child.pid}/fd/${fd.name}`);
      if (target.startsWith(tmp)) copy = target;
    }
  }
  assert(copy !== undefined, "the copy of stdin is open");
  assertEquals([...Deno.readDirSync(tmp)], [], `already gone from disk: ${copy}`);
  child.kill("SIGKILL");
  await child.status;
  await writer.close().catch(() => {});
  await child.stdout.cancel();
  await child.stderr.cancel();
  assertEquals([...Deno.readDirSync(tmp)], []);
});

Deno.test("no temporary directory: a small input is kept in memory and sent; a large one is one line naming it, exit 1, nothing sent", async () => {
  const dir = await Deno.makeTempDir();
  const small = `${dir}/one.jsonl`;
  await Deno.writeTextFile(small, '{"topic": "notmp.small", "body": {}}\n');
  const large = `${dir}/large.jsonl`;
  await Deno.writeTextFile(large, '{"topic": "notmp.large", "body": {}}\n'.repeat(150_000));
  const reader = await Reader.open(["notmp.#"]);
  try {
    const env = { TMPDIR: `${dir}/missing` };
    const ok = await busmsg(["publish", "--url", PLAIN_URL, small], { env });
    assertEquals([ok.code, ok.stderr, ok.stdout.split("\n").length], [0, "", 2], ok.stdout);
    assertEquals((await reader.take(1)).map((m) => m.routingKey), ["notmp.small"]);
    const run = await busmsg(["publish", "--url", PLAIN_URL, large], { env });
    assertEquals([run.code, run.stdout, run.stderr], [
      1,
      "",
      `busmsg: ${large}: cannot copy to a temporary file in ${dir}/missing: no such file\n`,
    ]);
    assertEquals((await reader.settle(200)).map((m) => m.routingKey), ["notmp.small"], run.stderr);
  } finally {
    await reader.close();
  }
});

Deno.test("SIGTERM while publish - still reads its pipe: the whole lines read are spooled, the cut one is not, exit 0", async () => {
  const spoolDir = await Deno.makeTempDir();
  const reader = await Reader.open(["sigread.#"]);
  const child = spawnBusmsg(
    ["publish", "--url", PLAIN_URL, "-"],
    { BUSMSG_SPOOL_DIR: spoolDir },
    "piped",
  );
  const writer = child.stdin.getWriter();
  try {
    const lines = Array.from(
      { length: 10 },
      (_, i) => `{"topic": "sigread.x", "body": {"i": ${i}}}\n`,
    );
    // Ten whole lines and the start of an eleventh; the pipe stays open (a slow producer).
    await writer.write(new TextEncoder().encode(lines.join("") + '{"topic": "sigread.x", "bo'));
    await new Promise((r) => setTimeout(r, 2000));
    child.kill("SIGTERM");
    const [status, out, err] = await Promise.all([
      child.status,
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    assertEquals([status.code, out], [0, ""], err);
    assertIncludes(err, "10 of 10 message(s) spooled");
    assertIncludes(err, "interrupted by SIGTERM");
    const spooled = await spoolLines(spoolDir);
    assertEquals(spooled.map((l) => JSON.parse(l).body.i), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assertEquals(await reader.settle(300), []);
  } finally {
    await writer.close().catch(() => {});
    await reader.close();
  }
});
