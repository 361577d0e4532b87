/** The spool: nothing lost when the broker is away, nothing sent twice when it is back. */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { PLAIN_PORT, PLAIN_URL, Reader } from "../support/broker.ts";
import { relay } from "../support/faults.ts";
import { busmsg, publishedIds, spawnBusmsg, spoolLines } from "../support/run.ts";

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

Deno.test("the drain's first round has its own --timeout: a slow connect does not fail it (a slow, healthy broker)", async () => {
  const spoolDir = await Deno.makeTempDir();
  const r = await busmsg(["publish", "--url", DOWN, "--topic", "drain.slow", "n:int=1"], {
    spoolDir,
  });
  assertEquals(r.code, 0, r.stderr);
  // Client-to-broker bytes throttled: connecting takes ~1.7 s, a one-message round ~1.4 s, each
  // within the 2.5 s bound, both together not: the drain's bound must start after connecting.
  const slow = relay(PLAIN_PORT, { bytesPerSecond: 250 });
  const reader = await Reader.open(["drain.#"]);
  try {
    const url = `amqp://busmsg-test:test-secret@127.0.0.1:${slow.port}/%2Fpubsub`;
    const run = await busmsg(
      ["publish", "--timeout", "2.5", "--url", url, "--topic", "drain.fast", "n:int=2"],
      { spoolDir },
    );
    assertEquals(run.code, 0, run.stderr);
    assertIncludes(run.stderr, `spool ${spoolDir}: 1 spooled message(s) sent`);
    assertEquals((await reader.take(2)).map((m) => m.routingKey), ["drain.slow", "drain.fast"]);
    assertEquals(await spoolLines(spoolDir), []);
  } finally {
    slow.close();
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

Deno.test("flush: a *.msg that is no regular file (FIFO, directory, symlink) is never followed nor sent, but moved aside and counted", async () => {
  const spoolDir = await Deno.makeTempDir();
  const elsewhere = await Deno.makeTempDir();
  await busmsg(["publish", "--url", DOWN, "--topic", "odd.ok", "a=1"], { spoolDir });
  // A valid message outside the spool: a symlink to it must not make it sent.
  const [valid] = await spoolLines(spoolDir);
  await Deno.writeTextFile(
    `${elsewhere}/planted.msg`,
    valid!.replace(/"id": *"[^"]+"/, '"id": "planted"'),
  );
  const now = String(Date.now()).padStart(14, "0");
  const fifo = `${spoolDir}/${now}-000001-fifo`;
  const dir = `${spoolDir}/${now}-000002-dir`;
  const link = `${spoolDir}/${now}-000003-link`;
  const mkfifo = await new Deno.Command("mkfifo", { args: [`${fifo}.msg`] }).output();
  assert(mkfifo.success);
  await Deno.mkdir(`${dir}.msg`);
  await Deno.symlink(`${elsewhere}/planted.msg`, `${link}.msg`);

  const before = await busmsg(["spool", "status"], { spoolDir });
  assertEquals(before.code, 1, before.stdout);
  assert(
    before.stdout.startsWith("SPOOL WARNING - 4 messages, oldest "),
    before.stdout,
  );
  assertIncludes(before.stdout, ", 3 file(s) not a valid message | messages=4 ");
  assertIncludes(before.stdout, "\ndestination (not a message): 3\n");

  const reader = await Reader.open(["odd.#"]);
  try {
    const run = await busmsg(["flush", "--url", PLAIN_URL, "--timeout", "5"], { spoolDir });
    assertEquals([run.code, run.stdout], [0, "1 sent, 0 left\n"], run.stderr);
    for (
      const [path, what] of [
        [fifo, "a FIFO (not opened)"],
        [dir, "a directory"],
        [link, "a symbolic link (not followed)"],
      ]
    ) {
      assertIncludes(
        run.stderr,
        `not a valid message, moved aside: ${path}.bad: file: is ${what}, not a regular file`,
      );
      assertEquals(
        await Deno.readTextFile(`${path}.reason`),
        `file: is ${what}, not a regular file\n`,
      );
    }
    assert((await Deno.lstat(`${fifo}.bad`)).isFifo);
    assert((await Deno.lstat(`${dir}.bad`)).isDirectory);
    assert((await Deno.lstat(`${link}.bad`)).isSymlink);
    // The planted message was not sent through the link: only the spooled one arrived.
    await reader.take(1);
    const got = await reader.settle();
    assertEquals(got.map((m) => m.properties.messageId), [JSON.parse(valid!).id]);
  } finally {
    await reader.close();
  }

  const after = await busmsg(["spool", "status"], { spoolDir });
  assertEquals(after.code, 1, after.stdout);
  const lines = after.stdout.trim().split("\n");
  assertEquals(
    lines[0],
    "SPOOL WARNING - 0 messages, 3 file(s) moved aside | messages=0 oldest=0s;;21600 moved_aside=3",
  );
  assertEquals(lines.slice(2), [
    `moved aside (bad): ${fifo}.bad: file: is a FIFO (not opened), not a regular file`,
    `moved aside (bad): ${dir}.bad: file: is a directory, not a regular file`,
    `moved aside (bad): ${link}.bad: file: is a symbolic link (not followed), not a regular file`,
  ]);
});

Deno.test("flush: a file that is no message and cannot be moved aside is left, said and counted: exit 1", async () => {
  const spoolDir = await Deno.makeTempDir();
  const stuck = `${spoolDir}/${String(Date.now()).padStart(14, "0")}-000001-stuck`;
  await Deno.mkdir(`${stuck}.msg`);
  // A directory is never renamed over a directory that is not empty.
  await Deno.mkdir(`${stuck}.bad/x`, { recursive: true });
  const run = await busmsg(["flush", "--url", PLAIN_URL, "--timeout", "5"], { spoolDir });
  assertEquals([run.code, run.stdout], [1, "0 sent, 1 left\n"], run.stderr);
  const [said, left] = run.stderr.trim().split("\n");
  assert(
    said!.startsWith(`busmsg: spool ${spoolDir}: not a valid message, cannot move it aside (`),
    said,
  );
  assert(said!.endsWith(`): ${stuck}.msg`), said);
  assertEquals(left, `busmsg: spool ${spoolDir}: 0 spooled message(s) sent, 1 left`);
  const status = await busmsg(["spool", "status"], { spoolDir });
  assertEquals(status.code, 1, status.stdout);
  assertIncludes(status.stdout, "1 file(s) not a valid message");
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

Deno.test("a spooled message keeps its exchange and full routing key, whatever prefix the flush runs with", async () => {
  const spoolDir = await Deno.makeTempDir();
  const stg = await busmsg([
    "publish",
    "--url",
    DOWN,
    "--topic-prefix",
    "org.fedoraproject.stg",
    "--topic",
    "dest.x",
    "a=1",
  ], { spoolDir });
  assertEquals(stg.code, 0, stg.stderr);
  const direct = await busmsg([
    "publish",
    "--url",
    DOWN,
    "--exchange",
    "amq.direct",
    "--topic",
    "dest.direct",
    "a=2",
  ], { spoolDir });
  assertEquals(direct.code, 0, direct.stderr);
  const [first, second] = (await spoolLines(spoolDir)).map((l) => JSON.parse(l).id);
  const prod = ["--topic-prefix", "org.fedoraproject.prod"];
  const dry = await busmsg(["flush", "--dry-run", "--url", PLAIN_URL, ...prod], { spoolDir });
  assertEquals(dry.code, 0, dry.stderr);
  const shown = dry.stdout.trim().split("\n").map((l) => l.split(" ").slice(0, 3));
  assertEquals(shown, [
    [first, "org.fedoraproject.stg.dest.x", "amq.topic"],
    [second, "dest.direct", "amq.direct"],
  ]);
  const topic = await Reader.open(["#.dest.x", "dest.x"]);
  const byKey = await Reader.open(["dest.direct"], "amq.direct");
  try {
    const run = await busmsg(["flush", "--url", PLAIN_URL, ...prod], { spoolDir });
    assertEquals([run.code, run.stdout], [0, "2 sent, 0 left\n"], run.stderr);
    const [x] = await topic.take(1);
    assertEquals([x?.exchange, x?.routingKey], ["amq.topic", "org.fedoraproject.stg.dest.x"]);
    const [d] = await byKey.take(1);
    assertEquals([d?.exchange, d?.routingKey, d?.text], [
      "amq.direct",
      "dest.direct",
      '{"a": "2"}',
    ]);
    assertEquals((await topic.settle(300)).length, 1);
  } finally {
    await topic.close();
    await byKey.close();
  }
});

Deno.test("a spool path that cannot be used does not block delivery: one warning, exit 0", async () => {
  const notADir = `${await Deno.makeTempDir()}/file`;
  await Deno.writeTextFile(notADir, "");
  const reader = await Reader.open(["unusable.#"]);
  try {
    const run = await busmsg(["publish", "--url", PLAIN_URL, "--topic", "unusable.x", "a=1"], {
      spoolDir: notADir,
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(publishedIds(run.stdout).length, 1);
    assertEquals(run.stderr, `busmsg: spool ${notADir}: not used: ${notADir} is not a directory\n`);
    assertEquals((await reader.take(1)).length, 1);
  } finally {
    await reader.close();
  }
});

Deno.test("spool file names are unique across hosts and PID namespaces (a UUID in each)", async () => {
  const spoolDir = await Deno.makeTempDir();
  const lines = '{"topic": "names.x", "body": {}}\n'.repeat(3);
  const run = await busmsg(["publish", "--url", DOWN, "-"], { spoolDir, stdin: lines });
  assertEquals(run.code, 0, run.stderr);
  const names = [...Deno.readDirSync(spoolDir)].map((e) => e.name).filter((n) =>
    !n.startsWith(".")
  );
  assertEquals(names.length, 3);
  for (const name of names) {
    assert(
      /^\d{14}-\d{6}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}\.msg$/.test(
        name,
      ),
      name,
    );
  }
});

Deno.test("temporary files left by a killed writer are removed once stale; a fresh one is left alone", async () => {
  const spoolDir = await Deno.makeTempDir();
  await busmsg(["publish", "--url", DOWN, "--topic", "stale.x", "a=1"], { spoolDir });
  const stale = `${spoolDir}/.tmp-00000000000001-000000-killed.msg`;
  const fresh = `${spoolDir}/.tmp-99999999999999-000000-writing.msg`;
  await Deno.writeTextFile(stale, '{"topic": "half');
  await Deno.writeTextFile(fresh, '{"topic": "half');
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  await Deno.utime(stale, twoHoursAgo, twoHoursAgo);
  const run = await busmsg(["flush", "--url", PLAIN_URL], { spoolDir });
  assertEquals([run.code, run.stdout], [0, "1 sent, 0 left\n"], run.stderr);
  const names = [...Deno.readDirSync(spoolDir)].map((e) => e.name).filter((n) =>
    n.startsWith(".tmp")
  );
  assertEquals(names, [".tmp-99999999999999-000000-writing.msg"]);
});

/** Holds the spool's lock from this process, as another busmsg would. */
async function holdLock(dir: string): Promise<() => void> {
  const file = await Deno.open(`${dir}/.lock`, { create: true, write: true });
  await file.lock(true);
  return () => {
    file.unlockSync();
    file.close();
  };
}

Deno.test("flush finding the spool busy says so: exit 0, or 75 with --strict; nothing sent", async () => {
  const spoolDir = await Deno.makeTempDir();
  await busmsg(["publish", "--url", DOWN, "--topic", "busy.x", "a=1"], { spoolDir });
  const release = await holdLock(spoolDir);
  try {
    const run = await busmsg(["flush", "--url", PLAIN_URL, "--timeout", "3"], { spoolDir });
    assertEquals(run.code, 0, run.stderr);
    // README: flush prints "N sent, M left" always.
    assertEquals(run.stdout, "0 sent, 1 left\n");
    assertEquals(
      run.stderr,
      `busmsg: spool ${spoolDir}: busy: another busmsg process is sending from it; nothing done\n`,
    );
    const strict = await busmsg(["flush", "--strict", "--url", PLAIN_URL, "--timeout", "3"], {
      spoolDir,
    });
    assertEquals(strict.code, 75, strict.stderr);
    assertEquals((await spoolLines(spoolDir)).length, 1);
  } finally {
    release();
  }
});

Deno.test("a stream that found the spool locked never holds the lock later: cron's flush still works", async () => {
  const spoolDir = await Deno.makeTempDir();
  await busmsg(["publish", "--url", DOWN, "--topic", "leak.old", "a=1"], { spoolDir });
  const reader = await Reader.open(["leak.#"]);
  const release = await holdLock(spoolDir);
  const child = spawnBusmsg(["publish", "--stream", "--url", PLAIN_URL, "-"], {
    BUSMSG_SPOOL_DIR: spoolDir,
  }, "piped");
  const writer = child.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode('{"topic": "leak.new", "body": {}}\n'));
    // The stream is publishing: its attempt at the lock was given up.
    assertEquals((await reader.take(1, 10_000)).map((m) => m.routingKey), ["leak.new"]);
    release();
    // The stream's given-up attempt may take the lock for a moment: it must let it go.
    let flush = await busmsg(["flush", "--url", PLAIN_URL, "--timeout", "3"], { spoolDir });
    for (let i = 0; i < 5 && flush.stdout === ""; i++) {
      await new Promise((r) => setTimeout(r, 500));
      flush = await busmsg(["flush", "--url", PLAIN_URL, "--timeout", "3"], { spoolDir });
    }
    assertEquals([flush.code, flush.stdout], [0, "1 sent, 0 left\n"], flush.stderr);
    assertEquals((await reader.take(2)).map((m) => m.routingKey), ["leak.new", "leak.old"]);
  } finally {
    await writer.close();
    await child.output();
    await reader.close();
  }
});

Deno.test("a flush killed mid-way sends again at most the unconfirmed messages (each file deleted at its confirm)", async () => {
  const spoolDir = await Deno.makeTempDir();
  const n = 5000;
  const lines = Array.from(
    { length: n },
    (_, i) =>
      JSON.stringify({ id: `kill-${i}`, topic: "killflush.x", body: { i, pad: "x".repeat(200) } }),
  );
  const spooled = await busmsg(["publish", "--url", DOWN, "-"], {
    spoolDir,
    stdin: lines.join("\n") + "\n",
  });
  assertEquals(spooled.code, 0, spooled.stderr);
  const reader = await Reader.open(["killflush.#"]);
  // Throttled, so the kill lands mid-round (about 0.5 kB per message).
  const slow = relay(PLAIN_PORT, { bytesPerSecond: 250_000 });
  try {
    const url = PLAIN_URL.replace(`:${PLAIN_PORT}/`, `:${slow.port}/`);
    const child = spawnBusmsg(["flush", "--url", url, "--timeout", "60"], {
      BUSMSG_SPOOL_DIR: spoolDir,
    });
    await reader.take(600, 30_000);
    child.kill("SIGKILL");
    await child.output();
    slow.close();
    const arrived = (await reader.settle(500)).map((m) => String(m.properties["messageId"]));
    const waiting = (await spoolLines(spoolDir)).map((l) => JSON.parse(l).id as string);
    const both = waiting.filter((id) => new Set(arrived).has(id));
    assert(
      arrived.length >= 600 && waiting.length > 0,
      `${arrived.length} arrived, ${waiting.length} waiting`,
    );
    assertEquals(new Set([...arrived, ...waiting]).size, n, "none lost");
    console.log(
      `kill -9 during flush: ${both.length} of ${arrived.length} sent would be sent again`,
    );
    assert(
      // Deleted only after a whole round of 2,000, every message that arrived would be.
      both.length < arrived.length / 2,
      `${both.length} of ${arrived.length} arrived messages would be sent again`,
    );
  } finally {
    slow.close();
    await reader.close();
  }
});

/** A 64 KiB tmpfs mounted for the test, or undefined where mounting is not allowed. */
async function tinyDisk(): Promise<{ dir: string; unmount: () => Promise<void> } | undefined> {
  const dir = await Deno.makeTempDir();
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", dir],
    stderr: "null",
  }).output().catch(() => undefined);
  if (!mount?.success) return undefined;
  return {
    dir,
    unmount: async () => {
      await new Deno.Command("umount", { args: [dir] }).output();
    },
  };
}

Deno.test("a full disk: the report and exit code say exactly what was spooled; no temporary file stays", async (t) => {
  const disk = await tinyDisk();
  if (!disk) {
    await t.step({ name: "(mounting a tmpfs is not allowed here)", ignore: true, fn: () => {} });
    return;
  }
  try {
    const lines = Array.from(
      { length: 500 },
      (_, i) => JSON.stringify({ topic: "full.x", body: { i, pad: "x".repeat(100) } }),
    );
    const run = await busmsg(["publish", "--url", DOWN, "-"], {
      spoolDir: disk.dir,
      stdin: lines.join("\n") + "\n",
    });
    const spooled = await spoolLines(disk.dir);
    assert(spooled.length > 0 && spooled.length < 500, `${spooled.length} spooled`);
    assertEquals(run.code, 111, run.stderr);
    assertIncludes(run.stderr, `spool ${disk.dir}: cannot write: `);
    // The ones not spooled are named, first of all the line after the last one spooled.
    assertIncludes(
      run.stderr,
      `${500 - spooled.length} of 500 message(s) not published (<stdin>:${spooled.length + 1}, `,
    );
    assertIncludes(
      run.stderr,
      `warning: ${spooled.length} of 500 message(s) spooled in ${disk.dir}`,
    );
    const names = [...Deno.readDirSync(disk.dir)].map((e) => e.name);
    assertEquals(names.filter((n) => n.startsWith(".tmp")), []);
    // The spooled ones are exactly the first ones, whole.
    assertEquals(spooled.map((l) => JSON.parse(l).body.i), spooled.map((_, i) => i));
  } finally {
    await disk.unmount();
  }
});
