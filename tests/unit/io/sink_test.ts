import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import { fileSink } from "../../../lib/io/sink.ts";
import { UsageError } from "../../../lib/errors.ts";

Deno.test("file sink: one file a day by the clock (UTC), parents made; reopen after a move", async () => {
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
  assertEquals(await Deno.readTextFile(`${day}.1`), "b\nc\nd\n", "the open file until SIGHUP");
  sink.reopen();
  sink.write("e\n");
  assertEquals(await Deno.readTextFile(day), "e\n");
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
