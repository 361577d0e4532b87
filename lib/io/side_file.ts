/**
 * The side file beside a recorder's day file: one JSON line for every message the recorder
 * acknowledged but could not record as a dump line (not a fedora-messaging message, or a dead
 * letter), so that nothing it acknowledges is kept nowhere. Each line is appended and synced
 * before the message is acknowledged.
 */
import { ioReason } from "../errors.ts";
import { readLineBatches } from "./input.ts";

const encoder = new TextEncoder();

/** The side file of a day file: `sync-2026-12-06.jsonl` → `sync-2026-12-06.rejects.jsonl`. */
export function rejectsPath(path: string): string {
  const stem = path.replace(/\.(jsonl|json)$/, "");
  return `${stem}.rejects.jsonl`;
}

/**
 * What logrotate appends to a file it rotates: `.1`, `.1.gz`, `.gz`, or with `dateext`
 * (Fedora's default) `-20261207` and `-20261207.gz`.
 */
const ROTATED = /(?:\.\d+|-\d{8})?(?:\.gz)?$/;

/** True for a side file's name (so that `report` does not read one as a day file). */
export function isRejectsPath(path: string): boolean {
  return new RegExp(`\\.rejects\\.jsonl${ROTATED.source}`).test(path);
}

/**
 * The side files of the day file `path` (itself plain or rotated) that exist in its directory,
 * under any name logrotate may have given them: a day and its side file may have been rotated
 * on different nights, so a `dateext` date is not assumed to be the same.
 */
export async function sideFilesOf(path: string): Promise<string[]> {
  const base = path.replace(ROTATED, "");
  const side = rejectsPath(base);
  const slash = side.lastIndexOf("/");
  const dir = slash < 0 ? "." : side.slice(0, slash) || "/";
  const name = side.slice(slash + 1);
  const wanted = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}${ROTATED.source}`);
  const found: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (wanted.test(e.name)) found.push(slash < 0 ? e.name : `${side.slice(0, slash)}/${e.name}`);
    }
  } catch { /* no directory to read: no side file */ }
  return found.sort();
}

/**
 * Appends one line (newline included) to `path` and syncs it; a partial write is cut off
 * again. Opened for each line: rare, and always the file the path names now.
 */
export function appendSynced(path: string, line: string): void {
  let file: Deno.FsFile | undefined;
  let size: number | undefined;
  try {
    // A FIFO planted under the name would block the open for ever.
    const info = Deno.statSync(path).isFile ? undefined : "not a regular file";
    if (info) throw new Error(info);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new Error(`${path}: cannot write: ${ioReason(e)}`);
    }
  }
  try {
    file = Deno.openSync(path, { append: true, create: true, mode: 0o640 });
    size = file.statSync().size;
    let bytes = encoder.encode(line);
    while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
    file.syncDataSync();
  } catch (e) {
    try {
      if (file && size !== undefined) file.truncateSync(size);
    } catch { /* not a regular file */ }
    throw new Error(`${path}: cannot write: ${ioReason(e)}`);
  } finally {
    file?.close();
  }
}

/** The side files found for a report's inputs, with their entries in the report's time. */
export interface KeptAside {
  count: number;
  files: string[];
}

/**
 * The side files that go with `inputs` (day files, plain or gzip; side files given among them
 * count too), and how many of their entries have a `time` that `wanted` accepts. A side file
 * that is missing counts nothing; one that cannot be read is said by the caller's reader.
 */
export async function keptAside(
  inputs: string[],
  wanted: (timeMs: number) => boolean,
  open: (path: string) => Promise<ReadableStream<Uint8Array>>,
): Promise<KeptAside> {
  const candidates = new Set<string>();
  for (const input of inputs) {
    if (input === "-") continue;
    if (isRejectsPath(input)) {
      candidates.add(input);
      continue;
    }
    // sync-D.jsonl.gz, sync-D.jsonl.1, sync-D.jsonl-20261207.gz (logrotate) have
    // sync-D.rejects.jsonl, rotated by the same rules.
    for (const side of await sideFilesOf(input)) candidates.add(side);
  }
  const found: KeptAside = { count: 0, files: [] };
  for (const path of candidates) {
    try {
      if (!(await Deno.stat(path)).isFile) continue;
    } catch {
      continue;
    }
    let n = 0;
    // Streamed line by line, as day files are: any publisher can make it hold huge lines.
    for await (const batch of readLineBatches(path, await open(path))) {
      for (const line of batch) {
        if (line.text?.trim() === "") continue;
        let time = NaN;
        try {
          if (line.text !== undefined) time = Date.parse(JSON.parse(line.text).time);
        } catch { /* a damaged line still stands for a message kept aside */ }
        if (Number.isNaN(time) || wanted(time)) n++;
      }
    }
    if (n > 0) {
      found.count += n;
      found.files.push(path);
    }
  }
  return found;
}
