/** The spool: nothing lost when the broker is away, nothing sent twice when it is back. */
import { assert, assertEquals, assertIncludes } from "../assert.ts";
import { busmsg, PLAIN_URL, publishedIds, Reader, spoolLines } from "../helpers.ts";

const DOWN = "amqp://127.0.0.1:1/%2Fpubsub";

Deno.test("broker down: the message is spooled whole (id, sent-at), exit 0 with one warning", async () => {
  const spoolDir = await Deno.makeTempDir();
  const run = await busmsg(["publish", "--url", DOWN, "--topic", "spool.one", "a=1"], { spoolDir });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.stdout, "");
  assertEquals(run.stderr.trim().split("\n").length, 1);
  assertIncludes(run.stderr, `busmsg: warning: 1 of 1 message(s) spooled in ${spoolDir}`);
  assertIncludes(run.stderr, "ECONNREFUSED");
  const [line] = await spoolLines(spoolDir);
  const m = JSON.parse(line!);
  assertEquals(m.topic, "spool.one");
  assertEquals(m.body, { a: "1" });
  assert(/^[0-9a-f-]{36}$/.test(m.id), m.id);
  assert(/\+00:00$/.test(m.headers["sent-at"]));
  // Files are private to the user and no temporary file is left behind (besides the lock and
  // the fail-fast state).
  const names = [...Deno.readDirSync(spoolDir)].map((e) => e.name).filter((n) =>
    !n.startsWith(".lock") && !n.startsWith(".unreachable-")
  );
  assertEquals(names.length, 1);
  assertEquals(Deno.statSync(`${spoolDir}/${names[0]}`).mode! & 0o777, 0o600);
});

Deno.test("--strict makes spooling exit 75; --no-spool makes it exit 111 and keeps nothing", async () => {
  const spoolDir = await Deno.makeTempDir();
  const strict = await busmsg(["publish", "--strict", "--url", DOWN, "--topic", "x", "a=1"], {
    spoolDir,
  });
  assertEquals(strict.code, 75);
  assertEquals((await spoolLines(spoolDir)).length, 1);
  const none = await Deno.makeTempDir();
  const off = await busmsg(["publish", "--no-spool", "--url", DOWN, "--topic", "x", "a=1"], {
    spoolDir: none,
  });
  assertEquals(off.code, 111);
  assertIncludes(off.stderr, "1 of 1 message(s) not published");
  assertEquals(await spoolLines(none), []);
});

Deno.test("neither delivery nor spooling works: exit 111, both reasons said", async () => {
  const run = await busmsg(["publish", "--url", DOWN, "--topic", "x", "a=1"], {
    spoolDir: "/proc/busmsg-no-such-dir",
  });
  assertEquals(run.code, 111);
  assertIncludes(run.stderr, "spool /proc/busmsg-no-such-dir: not used: ");
  assertIncludes(run.stderr, "not published");
});

Deno.test("refusals that waiting cannot fix are never spooled", async () => {
  const spoolDir = await Deno.makeTempDir();
  const bad = await busmsg(["publish", "--url", DOWN, "--topic", "x", "n:int=x"], { spoolDir });
  assertEquals(bad.code, 2);
  const vhost = await busmsg([
    "publish",
    "--url",
    PLAIN_URL.replace("%2Fpubsub", "%2Fnope"),
    "--topic",
    "x",
    "a=1",
  ], {
    spoolDir,
  });
  assertEquals(vhost.code, 121, vhost.stderr);
  assertIncludes(vhost.stderr, 'vhost "/nope"');
  assertEquals(await spoolLines(spoolDir), []);
});

Deno.test("the next successful publish drains the spool first, oldest first, ids and sent-at kept", async () => {
  const spoolDir = await Deno.makeTempDir();
  for (const n of [1, 2, 3]) {
    const r = await busmsg(["publish", "--url", DOWN, "--topic", "drain.old", `n:int=${n}`], {
      spoolDir,
    });
    assertEquals(r.code, 0, r.stderr);
  }
  const spooled = (await spoolLines(spoolDir)).map((l) => JSON.parse(l));
  const reader = await Reader.open(["drain.#"]);
  try {
    const run = await busmsg(["publish", "--url", PLAIN_URL, "--topic", "drain.new", "n:int=4"], {
      spoolDir,
    });
    assertEquals(run.code, 0, run.stderr);
    assertIncludes(run.stderr, `spool ${spoolDir}: 3 spooled message(s) sent`);
    const got = await reader.take(4);
    assertEquals(got.map((m) => m.text), ['{"n": 1}', '{"n": 2}', '{"n": 3}', '{"n": 4}']);
    assertEquals(got.slice(0, 3).map((m) => m.properties["messageId"]), spooled.map((m) => m.id));
    assertEquals(
      got.slice(0, 3).map((m) => (m.properties["headers"] as Record<string, unknown>)["sent-at"]),
      spooled.map((m) => m.headers["sent-at"]),
    );
    assertEquals(publishedIds(run.stdout).length, 1);
    assertEquals(await spoolLines(spoolDir), []);
  } finally {
    await reader.close();
  }
});

Deno.test("flush: a file that is not a message is moved aside and reported, never deleted", async () => {
  const spoolDir = await Deno.makeTempDir();
  await busmsg(["publish", "--url", DOWN, "--topic", "aside.ok", "a=1"], { spoolDir });
  await Deno.writeTextFile(`${spoolDir}/00000000000001-1-000000.msg`, "this is not json\n");
  const reader = await Reader.open(["aside.#"]);
  try {
    const run = await busmsg(["flush", "--url", PLAIN_URL], { spoolDir });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout, "1 sent, 0 left\n");
    assertIncludes(
      run.stderr,
      `not a valid message, moved aside: ${spoolDir}/00000000000001-1-000000.bad`,
    );
    assertEquals(
      Deno.readTextFileSync(`${spoolDir}/00000000000001-1-000000.bad`),
      "this is not json\n",
    );
    assertEquals((await reader.take(1)).length, 1);
  } finally {
    await reader.close();
  }
});

Deno.test("two flushes at once never send a message twice", async () => {
  const spoolDir = await Deno.makeTempDir();
  const lines = Array.from(
    { length: 300 },
    (_, i) => JSON.stringify({ topic: "twice.x", body: { i } }),
  ).join("\n");
  const r = await busmsg(["publish", "--url", DOWN, "-"], { spoolDir, stdin: lines + "\n" });
  assertEquals(r.code, 0, r.stderr);
  assertEquals((await spoolLines(spoolDir)).length, 300);
  const reader = await Reader.open(["twice.#"]);
  try {
    const [a, b] = await Promise.all([
      busmsg(["flush", "--url", PLAIN_URL], { spoolDir }),
      busmsg(["flush", "--url", PLAIN_URL], { spoolDir }),
    ]);
    assertEquals([a.code, b.code], [0, 0], a.stderr + b.stderr);
    const got = await reader.take(300);
    await reader.settle(300);
    const ids = got.map((m) => m.properties["messageId"]);
    assertEquals(ids.length, 300);
    assertEquals(new Set(ids).size, 300);
    assertEquals(await spoolLines(spoolDir), []);
  } finally {
    await reader.close();
  }
});

Deno.test("flush with the broker still down leaves everything: exit 111", async () => {
  const spoolDir = await Deno.makeTempDir();
  await busmsg(["publish", "--url", DOWN, "--topic", "x", "a=1"], { spoolDir });
  const run = await busmsg(["flush", "--url", DOWN], { spoolDir });
  assertEquals(run.code, 111);
  assertEquals((await spoolLines(spoolDir)).length, 1);
  const empty = await busmsg(["flush", "--url", DOWN], { spoolDir: await Deno.makeTempDir() });
  assertEquals([empty.code, empty.stdout], [0, "0 sent, 0 left\n"]);
});

Deno.test("sync-event spools too: a sync run is never broken by the bus", async () => {
  const spoolDir = await Deno.makeTempDir();
  const run = await busmsg([
    "sync-event",
    "host.start",
    "--url",
    DOWN,
    "--run-id",
    "r",
    "--synced-host",
    "p",
  ], {
    spoolDir,
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(JSON.parse((await spoolLines(spoolDir))[0]!).topic, "logging.stats.sync.host.start");
});
