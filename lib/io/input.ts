/**
 * Dump-line input from files or stdin, read as a stream in batches of lines, so that a large
 * file never sits in memory whole. Each line is decoded as strict UTF-8 on its own, so a bad
 * byte is reported with its line number.
 */
import { DeliveryError, EXIT, ioReason, UsageError } from "../errors.ts";
import { note } from "./output.ts";
import { utf8Length } from "../text/utf8.ts";
import { MAX_LINE_BYTES } from "../text/line_limit.ts";

/** One input line: its text, or why it could not be read. */
export interface Line {
  number: number;
  text?: string;
  error?: string;
}

/** Longer lines are refused: the limit the recorder writes to (../text/line_limit.ts). */
export { MAX_LINE_BYTES };

/**
 * At a terminal, says on stderr that stdin is being read: `busmsg publish -` typed by hand
 * would otherwise look like a hang.
 */
export function sayReadingStdin(what: string): void {
  if (Deno.stdin.isTerminal()) note(`reading ${what} from the terminal; Ctrl-D ends`);
}

/** The name used in messages for an input path (`-` is stdin). */
export function inputName(path: string): string {
  return path === "-" ? "<stdin>" : path;
}

/** Stdin can be read only once: `-` named twice is a usage error. */
export function stdinOnce(command: string, paths: string[]): void {
  if (paths.filter((p) => p === "-").length > 1) {
    throw new UsageError(`${command}: - (stdin) is given more than once`);
  }
}

/** An input kept privately: two readers of exactly the same bytes, each from the start. */
export interface PrivateCopy {
  /** One for the check, one for the send. */
  readers: [ReadableStream<Uint8Array>, ReadableStream<Uint8Array>];
  /** How many bytes were kept. */
  bytes: number;
  /** Releases what is still open (a reader read to its end has released itself). */
  close(): void;
}

/**
 * Keeps `path` (or stdin for `-`) privately, so that what is sent after the check is exactly
 * what was checked, whatever happens to the input meanwhile: in memory up to `inMemory` bytes
 * (no temporary file, so a full /tmp cannot stop a small publish), else in a temporary file
 * that is unlinked (its directory removed) before the first byte is written: only the open
 * handles keep it, so a kill leaves nothing behind.
 */
export async function privateCopy(
  path: string,
  inMemory: number,
  interrupted?: Promise<unknown>,
): Promise<PrivateCopy> {
  const source = (await openInput(path)).getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let cut = false;
  // A signal ends the input at its last complete line: what was read is not lost.
  const stop = interrupted?.then(() => {
    cut = true;
    source.cancel().catch(() => {});
    return { done: true } as const;
  });
  const read = async (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    try {
      return await (stop ? Promise.race([source.read(), stop]) : source.read());
    } catch (e) {
      if (cut) return { done: true };
      throw new UsageError(`${inputName(path)}: cannot read: ${ioReason(e)}`);
    }
  };
  for (let r = await read(); !r.done; r = await read()) {
    chunks.push(r.value);
    bytes += r.value.length;
    if (bytes > inMemory) return await spill(path, source, read, chunks, bytes, () => cut);
  }
  if (cut) bytes = cutAtLastLine(chunks, bytes);
  const blob = new Blob(chunks as BlobPart[]);
  return { readers: [blob.stream(), blob.stream()], bytes, close: () => {} };
}

/** Drops the bytes after the last newline (a line cut short); returns the length left. */
function cutAtLastLine(chunks: Uint8Array[], bytes: number): number {
  while (chunks.length > 0) {
    const last = chunks[chunks.length - 1]!;
    const newline = last.lastIndexOf(0x0a);
    bytes -= last.length;
    if (newline >= 0) {
      chunks[chunks.length - 1] = last.subarray(0, newline + 1);
      return bytes + newline + 1;
    }
    chunks.pop();
  }
  return 0;
}

/** The rest of an input too large to keep in memory, with what was read of it, into a file. */
async function spill(
  path: string,
  source: ReadableStreamDefaultReader<Uint8Array>,
  read: () => Promise<ReadableStreamReadResult<Uint8Array>>,
  chunks: Uint8Array[],
  bytes: number,
  wasCut: () => boolean,
): Promise<PrivateCopy> {
  // Exit 1: nothing was sent, but the input is not to blame.
  const cannotCopy = (e: unknown) =>
    new DeliveryError(
      `${inputName(path)}: cannot copy to a temporary file in ${
        Deno.env.get("TMPDIR") || "/tmp"
      }: ${ioReason(e)}`,
      EXIT.FAILURE,
      false,
    );
  let writer: Deno.FsFile;
  let files: [Deno.FsFile, Deno.FsFile];
  try {
    const dir = await Deno.makeTempDir({ prefix: "busmsg-" });
    try {
      const file = `${dir}/input`;
      writer = await Deno.open(file, { write: true, createNew: true, mode: 0o600 });
      files = [await Deno.open(file), await Deno.open(file)];
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  } catch (e) {
    await source.cancel();
    throw cannotCopy(e);
  }
  // Bytes written, and where the last whole line of them ends.
  let written = 0, lineEnd = 0;
  try {
    const write = async (chunk: Uint8Array) => {
      const newline = chunk.lastIndexOf(0x0a);
      if (newline >= 0) lineEnd = written + newline + 1;
      written += chunk.length;
      try {
        while (chunk.length > 0) chunk = chunk.subarray(await writer.write(chunk));
      } catch (e) {
        throw cannotCopy(e);
      }
    };
    for (const chunk of chunks.splice(0)) await write(chunk);
    for (let r = await read(); !r.done; r = await read()) {
      bytes += r.value.length;
      await write(r.value);
    }
    // Cut short by a signal: the line being read when it came is not kept.
    if (wasCut()) await writer.truncate(bytes = lineEnd);
  } catch (e) {
    await source.cancel().catch(() => {});
    for (const f of files) f.close();
    throw e;
  } finally {
    writer.close();
  }
  return {
    readers: [files[0].readable, files[1].readable],
    bytes,
    close: () => {
      for (const f of files) {
        try {
          f.close();
        } catch {
          // Already closed by its reader.
        }
      }
    },
  };
}

async function openInput(path: string): Promise<ReadableStream<Uint8Array>> {
  if (path === "-") return Deno.stdin.readable;
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new UsageError(`${path}: is a directory`);
    return (await Deno.open(path)).readable;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: cannot open: ${ioReason(e)}`);
  }
}

function concat(parts: Uint8Array[], last: Uint8Array): Uint8Array {
  if (parts.length === 0) return last;
  const total = parts.reduce((n, p) => n + p.length, last.length);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  out.set(last, at);
  return out;
}

/**
 * Reads `path` (or stdin for `-`) and yields its lines in batches, in order; `opened`, when
 * given, is read instead (`path` then only names it).
 */
export async function* readLineBatches(
  path: string,
  opened?: ReadableStream<Uint8Array>,
): AsyncGenerator<Line[]> {
  const stream = opened ?? await openInput(path);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let carry: Uint8Array[] = [];
  let carryLength = 0;
  let number = 0;
  const one = (bytes: Uint8Array, tooLong: boolean): Line => {
    number++;
    if (tooLong) return { number, error: `line is longer than ${MAX_LINE_BYTES} bytes` };
    try {
      return { number, text: decoder.decode(bytes) };
    } catch {
      return { number, error: "line is not valid UTF-8" };
    }
  };
  // Whole lines in one decode; only a region with a bad byte or a huge line goes line by line.
  const many = (region: Uint8Array, batch: Line[]) => {
    let texts: string[] | undefined;
    try {
      texts = decoder.decode(region).split("\n");
    } catch {
      // Found below, line by line.
    }
    if (
      texts && texts.every((t) => t.length * 3 <= MAX_LINE_BYTES || utf8Length(t) <= MAX_LINE_BYTES)
    ) {
      for (const text of texts) batch.push({ number: ++number, text });
      return;
    }
    let start = 0;
    for (;;) {
      const nl = region.indexOf(10, start);
      const piece = region.subarray(start, nl < 0 ? region.length : nl);
      batch.push(one(piece, piece.length > MAX_LINE_BYTES));
      if (nl < 0) return;
      start = nl + 1;
    }
  };
  const keep = (piece: Uint8Array) => {
    // At most one byte past the limit: enough to know the line is too long.
    if (carryLength > MAX_LINE_BYTES) return;
    const kept = piece.subarray(0, MAX_LINE_BYTES + 1 - carryLength);
    carry.push(kept.slice());
    carryLength += kept.length;
  };
  try {
    for await (const chunk of stream) {
      const last = chunk.lastIndexOf(10);
      if (last < 0) {
        keep(chunk);
        continue;
      }
      const batch: Line[] = [];
      let start = 0;
      if (carryLength > 0) {
        const first = chunk.indexOf(10);
        const piece = chunk.subarray(0, first);
        const tooLong = carryLength + piece.length > MAX_LINE_BYTES;
        batch.push(one(tooLong ? piece.subarray(0, 0) : concat(carry, piece), tooLong));
        carry = [];
        carryLength = 0;
        start = first + 1;
      }
      if (start <= last) many(chunk.subarray(start, last), batch);
      keep(chunk.subarray(last + 1));
      if (carryLength === 0) carry = [];
      yield batch;
    }
  } catch (e) {
    throw new UsageError(`${inputName(path)}: cannot read: ${ioReason(e)}`);
  }
  if (carryLength > 0) yield [one(concat(carry, new Uint8Array()), carryLength > MAX_LINE_BYTES)];
}
