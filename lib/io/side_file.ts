/**
 * The side file beside a recorder's day file: one JSON line for every message the recorder
 * acknowledged but could not record as a dump line (not a fedora-messaging message, or a dead
 * letter), so that nothing it acknowledges is kept nowhere. Each line is appended and synced
 * before the message is acknowledged.
 */
import { ioReason } from "../errors.ts";

const encoder = new TextEncoder();

/** The side file of a day file: `sync-2026-12-06.jsonl` → `sync-2026-12-06.rejects.jsonl`. */
export function rejectsPath(path: string): string {
  const stem = path.replace(/\.(jsonl|json)$/, "");
  return `${stem}.rejects.jsonl`;
}

/** True for a side file's name (so that `report` does not read one as a day file). */
export function isRejectsPath(path: string): boolean {
  return /\.rejects\.jsonl(\.gz|\.\d+)?$/.test(path);
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
