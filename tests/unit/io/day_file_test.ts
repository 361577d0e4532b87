import { assertEquals, assertRejects } from "../../support/assert.ts";
import { openDayFile, ungzipped } from "../../../lib/io/day_file.ts";
import { UsageError } from "../../../lib/errors.ts";

const text = '{"topic":"a"}\n{"topic":"b"}\n';

/** A stream of `bytes` cut into chunks of `size` bytes, as a slow pipe delivers them. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at += size));
    },
  });
}

async function gzip(s: string): Promise<Uint8Array> {
  const zipped = new Blob([s]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(zipped).arrayBuffer());
}

const read = async (s: ReadableStream<Uint8Array>) => await new Response(s).text();

Deno.test("ungzipped: gzip is known by its magic bytes, even when they come one at a time", async () => {
  const zipped = await gzip(text);
  for (const size of [1, 2, 7, zipped.length]) {
    assertEquals(await read(await ungzipped(chunked(zipped, size))), text, `chunks of ${size}`);
  }
});

Deno.test("ungzipped: plain bytes pass unchanged, including none and a lone byte", async () => {
  const plain = new TextEncoder().encode(text);
  for (const size of [1, 3, plain.length]) {
    assertEquals(await read(await ungzipped(chunked(plain, size))), text);
  }
  assertEquals(await read(await ungzipped(chunked(new Uint8Array(), 1))), "");
  assertEquals(await read(await ungzipped(chunked(new Uint8Array([0x1f]), 1))), "\x1f");
});

Deno.test("openDayFile: a .gz file reads as its plain twin; a missing one names the path", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/day.jsonl.gz`, await gzip(text));
  assertEquals(await read(await openDayFile(`${dir}/day.jsonl.gz`)), text);
  await assertRejects(
    () => openDayFile(`${dir}/none.jsonl.gz`),
    UsageError,
    `${dir}/none.jsonl.gz: cannot open: no such file`,
  );
  await assertRejects(() => openDayFile(dir), UsageError, `${dir}: is a directory`);
});
