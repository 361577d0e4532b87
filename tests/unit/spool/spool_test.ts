import { assertEquals } from "../../support/assert.ts";
import { fromSpoolLine, toSpoolLine } from "../../../lib/spool/record.ts";
import { ownershipProblem } from "../../../lib/spool/safety.ts";
import {
  defaultSpoolDir,
  MAX_SPOOL_FILE_BYTES,
  openWithin,
  readRegularFile,
  readSpoolFile,
  summarizeSpool,
} from "../../../lib/spool/spool.ts";
import { systemSpools, userSpoolDir } from "../../../lib/spool/users.ts";
import { complete } from "../../../lib/message/message.ts";

const defaults = { sentAt: "2026-11-28T00:00:00+00:00", newId: () => "new", topicPrefix: "" };

Deno.test("a spool line is a dump line with its destination first, read back whole", () => {
  const message = complete({ topic: "a.b", body: { x: 1 }, id: "id1" }, defaults);
  const line = toSpoolLine(message, {
    exchange: "amq.topic",
    routingKey: "org.fedoraproject.stg.a.b",
  });
  assertEquals(
    line.slice(0, 96),
    '{"busmsg_destination": {"exchange": "amq.topic", "routing_key": "org.fedoraproject.stg.a.b"}, "b',
  );
  const back = fromSpoolLine(line, { ...defaults, topicPrefix: "org.fedoraproject.prod" });
  assertEquals(back.message, message);
  assertEquals(back.destination, {
    exchange: "amq.topic",
    routingKey: "org.fedoraproject.stg.a.b",
  });
});

Deno.test("a spool line without a destination (older busmsg) has none; a malformed one is a problem", () => {
  const old = fromSpoolLine('{"topic": "a.b", "body": {}, "id": "i"}', defaults);
  assertEquals([old.message?.topic, old.destination], ["a.b", undefined]);
  const bad = fromSpoolLine(
    '{"busmsg_destination": {"exchange": 1}, "topic": "a.b", "body": {}}',
    defaults,
  );
  assertEquals(bad.problems?.[0]?.field, "busmsg_destination");
});

Deno.test("ownership rule: owner this user or root; not writable by group or others, but a sticky parent may be", () => {
  assertEquals(ownershipProblem("/s", { uid: 1000, mode: 0o40700 }, 1000, false), undefined);
  assertEquals(ownershipProblem("/s", { uid: 0, mode: 0o40755 }, 1000, false), undefined);
  assertEquals(
    ownershipProblem("/s", { uid: 1001, mode: 0o40700 }, 1000, false),
    "/s is owned by uid 1001, not by this user (uid 1000) or root",
  );
  assertEquals(
    ownershipProblem("/s", { uid: 1000, mode: 0o40770 }, 1000, false),
    "/s is writable by group or others (mode 0770)",
  );
  assertEquals(ownershipProblem("/tmp", { uid: 0, mode: 0o41777 }, 1000, true), undefined);
  assertEquals(
    ownershipProblem("/tmp", { uid: 0, mode: 0o41777 }, 1000, false),
    "/tmp is writable by group or others (mode 1777)",
  );
});

Deno.test("the default spool never falls back to a shared directory", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const nobody = () => undefined;
  const noTree = () => ({ tree: false as const });
  assertEquals(defaultSpoolDir(env({}), 0, nobody, noTree), { dir: "/var/spool/busmsg" });
  assertEquals(defaultSpoolDir(env({}), 1000, () => 1000, noTree), { dir: "/var/spool/busmsg" });
  assertEquals(defaultSpoolDir(env({ HOME: "/home/u" }), 1000, () => 0, noTree), {
    dir: "/home/u/.local/state/busmsg/spool",
  });
  assertEquals(
    defaultSpoolDir(env({ XDG_STATE_HOME: "/st", HOME: "/h" }), 1000, nobody, noTree),
    { dir: "/st/busmsg/spool" },
  );
  const none = defaultSpoolDir(env({}), 1000, nobody, noTree);
  assertEquals(none.dir, undefined);
  assertEquals(
    none.problem,
    "no spool directory: neither HOME nor XDG_STATE_HOME is set (give --spool-dir or BUSMSG_SPOOL_DIR)",
  );
});

Deno.test("where the system spool tree is installed, a user's spool is its directory there, never its home", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const asked: [number, string | undefined][] = [];
  const tree = (uid: number, preferred: string | undefined) => {
    asked.push([uid, preferred]);
    return uid === 994
      ? { tree: true as const, dir: "/var/spool/busmsg/users/countme" }
      : { tree: true as const };
  };
  assertEquals(
    defaultSpoolDir(env({ HOME: "/srv/countme", USER: "countme" }), 994, () => 0, tree),
    {
      dir: "/var/spool/busmsg/users/countme",
    },
  );
  assertEquals(asked, [[994, "countme"]]);
  const none = defaultSpoolDir(env({ HOME: "/home/u", LOGNAME: "u" }), 1000, () => 0, tree);
  assertEquals(none.dir, undefined);
  assertEquals(
    none.problem,
    "no spool directory: none under /var/spool/busmsg/users is owned by this user (uid 1000); " +
      "the admin adds one with a tmpfiles.d line (see the README), or give --spool-dir or " +
      "BUSMSG_SPOOL_DIR",
  );
});

Deno.test("the system spool tree: root's spool, then each user's directory by name; a symlink is listed with its problem", async () => {
  const root = await Deno.makeTempDir();
  assertEquals(await systemSpools(root), [{ user: "root", dir: root, uid: 0 }]);
  await Deno.mkdir(`${root}/users/countme`, { recursive: true });
  await Deno.mkdir(`${root}/users/apache`);
  await Deno.symlink("/etc", `${root}/users/evil`);
  await Deno.writeTextFile(`${root}/users/file`, "");
  const me = Deno.uid()!;
  assertEquals(await systemSpools(root), [
    { user: "root", dir: root, uid: 0 },
    { user: "apache", dir: `${root}/users/apache`, uid: me },
    { user: "countme", dir: `${root}/users/countme`, uid: me },
    {
      user: "evil",
      dir: `${root}/users/evil`,
      uid: me,
      problem: `${root}/users/evil is a symbolic link (not followed)`,
    },
    {
      user: "file",
      dir: `${root}/users/file`,
      uid: me,
      problem: `${root}/users/file is not a directory`,
    },
  ]);
  // Found by owner, the login name first; a symlink is never taken.
  assertEquals(userSpoolDir(me, "countme", root), { tree: true, dir: `${root}/users/countme` });
  assertEquals(userSpoolDir(me, undefined, root), { tree: true, dir: `${root}/users/apache` });
  assertEquals(userSpoolDir(me + 1, "x", root), { tree: true });
  assertEquals(userSpoolDir(me, "x", `${root}/nowhere`), { tree: false });
  await Deno.remove(root, { recursive: true });
});

Deno.test("a spool file larger than any message is not read (a sparse file costs its writer no disk)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/01796683385717-000000-aaaaaaaa-166d-4ecc-8196-952506e230e4.msg`;
    await Deno.writeTextFile(path, "");
    await Deno.truncate(path, MAX_SPOOL_FILE_BYTES + 1);
    // Said as a length when read, so that a failure does not print megabytes.
    const read = async (max?: number) => {
      const got = await readRegularFile(path, max);
      return typeof got === "string" ? got : `${got.length} bytes read`;
    };
    assertEquals(
      await read(),
      `is ${
        MAX_SPOOL_FILE_BYTES + 1
      } bytes, more than a spooled message can be (${MAX_SPOOL_FILE_BYTES})`,
    );
    const record = await readSpoolFile(path, defaults);
    assertEquals(record.message, undefined);
    // A file of exactly the limit is read; one byte over is not.
    await Deno.truncate(path, 10);
    assertEquals(await read(4), "is 10 bytes, more than a spooled message can be (4)");
    assertEquals(await read(10), "10 bytes read");
    const summary = await summarizeSpool(dir);
    assertEquals([summary.messages, summary.notMessages], [1, 1]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spool summary: the oldest age comes from the oldest name that carries a time, whatever sorts first", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const now = Date.parse("2026-12-08T01:00:00Z");
    const then = String(now - 7 * 3_600_000).padStart(14, "0");
    // "+" sorts before every digit: the first name listed, and no time in it.
    await Deno.writeTextFile(`${dir}/+x.msg`, "not a message\n", { mode: 0o600 });
    await Deno.writeTextFile(`${dir}/${then}-000000-x.msg`, "not a message\n", { mode: 0o600 });
    const summary = await summarizeSpool(dir, now);
    assertEquals([summary.messages, summary.oldestAgeMs], [2, 7 * 3_600_000]);
    // No name with a time: messages wait, their age unknown, said as 0 (never undefined).
    await Deno.remove(`${dir}/${then}-000000-x.msg`);
    assertEquals((await summarizeSpool(dir, now)).oldestAgeMs, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "a FIFO swapped in for a user's message holds root's read-only open only so long, said; a file opens",
  // The FIFO's open is left waiting in the runtime's pool until this test opens its other end.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const fifo = `${dir}/01796683385717-000000-aaaaaaaa-166d-4ecc-8196-952506e230e4.msg`;
      const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assertEquals(made.code, 0);
      const start = Date.now();
      const got = await openWithin(fifo, 200);
      const took = Date.now() - start;
      assertEquals(got, "did not open within 200 ms: replaced by a FIFO, not a regular file");
      assertEquals(took >= 200 && took < 2000, true, `${took} ms`);
      // The writer's end releases the open left waiting, which then closes what it opened.
      const writer = await Deno.open(fifo, { write: true });
      writer.close();
      const file = `${dir}/01796683385717-000001-aaaaaaaa-166d-4ecc-8196-952506e230e4.msg`;
      await Deno.writeTextFile(file, "x");
      const opened = await openWithin(file, 200);
      assertEquals(typeof opened === "string" ? opened : "opened", "opened");
      if (typeof opened !== "string") opened.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
