/**
 * The recorder's day files as report reads them: plain, or compressed by logrotate
 * (`sync-2026-01-02.jsonl.gz`). gzip is recognised by its first two bytes, not the name, so a
 * piped `cat x.gz` reads as well; it is decompressed while read (DecompressionStream), so a
 * large file never sits in memory whole.
 */
import { ioReason, UsageError } from "../errors.ts";

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * The bytes of `path` (stdin for `-`), gunzipped when they are gzip. Cannot-open is a
 * UsageError naming the path; a damaged gzip fails on read, where the reader names it.
 */
export async function openDayFile(path: string): Promise<ReadableStream<Uint8Array>> {
  let raw: ReadableStream<Uint8Array>;
  if (path === "-") raw = Deno.stdin.readable;
  else {
    try {
      if ((await Deno.stat(path)).isDirectory) throw new UsageError(`${path}: is a directory`);
      raw = (await Deno.open(path)).readable;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`${path}: cannot open: ${ioReason(e)}`);
    }
  }
  return await ungzipped(raw);
}

/** `stream` as it is, or decompressed when it starts with gzip's magic bytes. */
export async function ungzipped(
  stream: ReadableStream<Uint8Array>,
): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  // The first chunk of a pipe may be one byte: read until two are known (or the end).
  const head: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < GZIP_MAGIC.length && !done) {
    const r = await reader.read();
    if (r.done) done = true;
    else {
      head.push(r.value);
      length += r.value.length;
    }
  }
  const first = head.length === 1 ? head[0]! : concat(head, length);
  const replayed = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.length > 0) controller.enqueue(first);
      if (done) controller.close();
    },
    async pull(controller) {
      const r = await reader.read();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const gzip = GZIP_MAGIC.every((b, i) => first[i] === b);
  return gzip
    ? replayed.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    )
    : replayed;
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
