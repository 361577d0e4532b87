import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import { fileSink, movedAway } from "../../../lib/io/sink.ts";
import { rejectsPath } from "../../../lib/io/side_file.ts";
import { UsageError } from "../../../lib/errors.ts";

Deno.test("file sink: one file a day by the clock (UTC), parents made; the path followed after a move, SIGHUP or not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-sink-" });
  let now = new Date("2026-11-27T23:59:59Z");
  const sink = fileSink(`${dir}/%Y/sync-%F.jsonl`, () => now);
  sink.write("a\n");
  now = new Date("2026-11-28T00:00:00Z");
  sink.write("b\n");
  sink.write("c\n");
  const day = `${dir}/2026/sync-2026-11-28.jsonl`;
  assertEquals(await Deno.readTextFile(`${dir}/2026/sync-2026-11-27.jsonl`), "a\n");
  assertEquals(await Deno.readTextFile(day), "b\nc\n");
  await Deno.rename(day, `${day}.1`);
  sink.write("d\n");
  assertEquals(await Deno.readTextFile(`${day}.1`), "b\nc\n", "moved away: not written to");
  assertEquals(await Deno.readTextFile(day), "d\n");
  sink.reopen();
  sink.write("e\n");
  assertEquals(await Deno.readTextFile(day), "d\ne\n");
  sink.close();
  assertEquals((await Deno.stat(day)).mode! & 0o777, 0o640);
});

Deno.test("file sink: a path that cannot work is a usage error before anything is consumed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-sink-" });
  await Deno.writeTextFile(`${dir}/file`, "");
  assertThrows(
    () => fileSink(`${dir}/file/x.jsonl`),
    UsageError,
    `--output: ${dir}/file/x.jsonl: cannot open for writing`,
  );
  const e = assertThrows(() => fileSink(`${dir}/%Q.jsonl`), UsageError);
  assert(
    e.message.startsWith(`--output: unknown field "%Q" in "${dir}/%Q.jsonl" (known: `),
    e.message,
  );
});

Deno.test("file sink: a FIFO or device is refused before opening (open would block forever)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-sink-" });
  const fifo = `${dir}/fifo`;
  await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assertThrows(() => fileSink("/dev/null"), UsageError, "a device or socket, not a regular file");
  assertThrows(
    () => fileSink(fifo),
    UsageError,
    `--output: ${fifo}: cannot open for writing: a FIFO, not a regular file`,
  );
  // A day file that turns out to be a FIFO later: the write fails (exit 1), it never blocks.
  let now = new Date("2026-11-27T12:00:00Z");
  const sink = fileSink(`${dir}/%F`, () => now);
  sink.write("a\n");
  now = new Date("2026-11-28T12:00:00Z");
  await new Deno.Command("mkfifo", { args: [`${dir}/2026-11-28`] }).output();
  const error = assertThrows(() => sink.write("b\n"), Error);
  assertEquals(
    error.message,
    `${dir}/2026-11-28: cannot open for writing: a FIFO, not a regular file`,
  );
  sink.close();
});

Deno.test("file sink: a deleted day file is never written to again: the line goes to the path anew", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-sink-" });
  const sink = fileSink(`${dir}/sync.jsonl`);
  sink.write("a\n");
  await Deno.remove(`${dir}/sync.jsonl`);
  sink.write("b\n");
  assertEquals(await Deno.readTextFile(`${dir}/sync.jsonl`), "b\n");
  sink.close();
});

Deno.test("file sink: movedAway tells kept, moved and deleted apart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-sink-" });
  const path = `${dir}/f`;
  const f = await Deno.open(path, { create: true, append: true });
  assertEquals(movedAway(f, path), undefined);
  await Deno.rename(path, `${path}.1`);
  assertEquals(movedAway(f, path), "moved");
  await Deno.writeTextFile(path, "other");
  assertEquals(movedAway(f, path), "moved");
  await Deno.remove(`${path}.1`);
  assertEquals(movedAway(f, path), "deleted");
  f.close();
});

Deno.test("file sink: the side file sits beside the day file, written and synced", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-sink-" });
  const sink = fileSink(`${dir}/sync-%Y.jsonl`, () => new Date("2026-01-02T00:00:00Z"));
  assertEquals(sink.writeAside("{}\n"), `${dir}/sync-2026.rejects.jsonl`);
  assertEquals(await Deno.readTextFile(`${dir}/sync-2026.rejects.jsonl`), "{}\n");
  assertEquals(rejectsPath("/x/day.json"), "/x/day.rejects.jsonl");
  assertEquals(rejectsPath("/x/day.log"), "/x/day.log.rejects.jsonl");
  sink.close();
});

Deno.test("file sink: root writing into a directory another user owns (the recorder's) is refused, before anything is consumed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-sink-" });
  const own = Deno.uid()!;
  // Run as root, the directory is given to another user; otherwise this user plays "another".
  const other = own === 0 ? 65534 : own;
  if (own === 0) await Deno.chown(dir, other, other);
  const e = assertThrows(() => fileSink(`${dir}/sync-%F.jsonl`, undefined, 0), UsageError);
  assertEquals(
    e.message,
    `--output: ${dir}/sync-${new Date().toISOString().slice(0, 10)}.jsonl: cannot open for ` +
      `writing: ${dir} belongs to uid ${other}, and files root creates there would be root's, ` +
      `which that user could not write; run as the directory's owner ` +
      `(sudo -u '#${other}' busmsg listen ...)`,
  );
  assertEquals([...Deno.readDirSync(dir)], [], "no file made");
  // The directory's owner, or root in its own directory, writes as before.
  const sink = fileSink(`${dir}/sync.jsonl`, undefined, other);
  sink.write("a\n");
  sink.close();
  await Deno.chown(dir, 0, 0).catch(() => {});
  if (own === 0) fileSink(`${dir}/sync.jsonl`, undefined, 0).close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name:
    "file sink: root writing into its own directory that others may write to is refused (a symlink there would take root's lines anywhere)",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "busmsg-sink-" });
    const victim = await Deno.makeTempFile({ prefix: "busmsg-victim-" });
    await Deno.writeTextFile(victim, "root's\n");
    // Another user's symlink where the day's file goes, in a directory anyone may write to.
    await Deno.chmod(dir, 0o777);
    await Deno.symlink(victim, `${dir}/out.jsonl`);
    await new Deno.Command("chown", { args: ["-h", "65534:65534", `${dir}/out.jsonl`] }).output();
    for (const mode of [0o777, 0o1777]) {
      await Deno.chmod(dir, mode);
      const e = assertThrows(() => fileSink(`${dir}/out.jsonl`, undefined, 0), UsageError);
      assertEquals(
        e.message,
        `--output: ${dir}/out.jsonl: cannot open for writing: ${dir} can be written by users ` +
          `other than root (mode ${mode.toString(8)}), who could put a symlink where root's ` +
          "file goes; write into a directory only root can write, or run as the user the " +
          "directory is for",
      );
    }
    // Group-writable by another group too; by root's own group, or not at all, it writes.
    await Deno.chmod(dir, 0o770);
    await Deno.chown(dir, 0, 65534);
    assertThrows(() => fileSink(`${dir}/out.jsonl`, undefined, 0), UsageError);
    assertEquals(await Deno.readTextFile(victim), "root's\n");
    await Deno.remove(`${dir}/out.jsonl`);
    for (const [mode, gid] of [[0o770, 0], [0o755, 65534]] as const) {
      await Deno.chmod(dir, mode);
      await Deno.chown(dir, 0, gid);
      const sink = fileSink(`${dir}/out.jsonl`, undefined, 0);
      sink.write("a\n");
      sink.close();
    }
    assertEquals(await Deno.readTextFile(`${dir}/out.jsonl`), "a\na\n");
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(victim);
  },
});
