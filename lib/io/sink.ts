/**
 * Where `listen` writes its lines: stdout, or a file whose path may hold strftime fields (one
 * file a day), reopened on SIGHUP (logrotate). Each line is written whole and handed to the
 * disk before the caller acknowledges its message, so a crash loses nothing and leaves no
 * half line.
 */
import { ioReason, UsageError } from "../errors.ts";
import { strftime } from "../text/strftime.ts";
import { appendSynced, rejectsPath } from "./side_file.ts";
import { watchStdoutReader } from "./stdout_reader.ts";

const encoder = new TextEncoder();

/** A place lines go to, one whole line at a time. */
export interface LineSink {
  /**
   * Writes one line (newline included) and makes sure it is kept. False when the reader is
   * gone (a closed pipe); throws when the line could not be written.
   */
  write(line: string): boolean;
  /**
   * Writes one line to the side file beside the output (see side_file.ts), synced; returns
   * where it went ("stderr" when the output is stdout). Throws when it could not be written.
   */
  writeAside(line: string): string;
  /** Closes the file so that the next line opens its path anew (SIGHUP). */
  reopen(): void;
  /** Calls `gone` once the reader is gone while no line is being written (stdout only). */
  whenReaderGone(gone: () => void): void;
  close(): void;
}

function writeAll(file: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
}

/** Lines to stdout; a reader that went away (`listen | head -1`) ends the writing. */
export function stdoutSink(): LineSink {
  let unwatch = () => {};
  return {
    write(line) {
      try {
        writeAll(Deno.stdout, encoder.encode(line));
        return true;
      } catch (e) {
        if (e instanceof Deno.errors.BrokenPipe) return false;
        throw new Error(`cannot write to stdout: ${ioReason(e)}`);
      }
    },
    // No file to put it beside: the journal (stderr) keeps it.
    writeAside(line) {
      writeAll(Deno.stderr, encoder.encode(`busmsg: kept aside: ${line}`));
      return "stderr";
    },
    reopen() {},
    whenReaderGone(gone) {
      unwatch();
      unwatch = watchStdoutReader(gone);
    },
    close: () => unwatch(),
  };
}

/**
 * Only a regular file (or a path not there yet) may be opened: opening a FIFO with no reader
 * blocks forever, beyond any timeout or signal, and a device is not a log.
 */
function refuseSpecial(at: string): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(at);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (!info.isFile) {
    const what = info.isDirectory ? "a directory" : info.isFifo ? "a FIFO" : "a device or socket";
    throw new Error(`${what}, not a regular file`);
  }
}

/**
 * Whether the open file `f` is still the file `path` names: undefined when it is, "moved" when
 * the path names another file (or none) but `f` still has a name somewhere, "deleted" when `f`
 * has no name left (what was written to it is gone with it).
 */
export function movedAway(f: Deno.FsFile, path: string): "moved" | "deleted" | undefined {
  const own = f.statSync();
  let named: Deno.FileInfo | undefined;
  try {
    named = Deno.statSync(path);
  } catch { /* not there any more */ }
  if (named && named.dev === own.dev && named.ino === own.ino) return undefined;
  return (own.nlink ?? 0) > 0 ? "moved" : "deleted";
}

/**
 * Root writing into a directory another user owns, or that others may write to, is refused: the day and side files root
 * would create there are root's, and their directory's owner (the recorder, as `busmsg`) could
 * no longer write them. Giving them away with chown is no fix: the owner of the directory can
 * swap the new file for a symlink before the chown.
 */
function refuseForeignDir(dir: string, uid: number): void {
  if (uid !== 0) return;
  const info = Deno.statSync(dir);
  const owner = info.uid;
  if (owner !== null && owner !== 0) {
    throw new Error(
      `${dir} belongs to uid ${owner}, and files root creates there would be root's, which that ` +
        `user could not write; run as the directory's owner (sudo -u '#${owner}' busmsg listen ...)`,
    );
  }
  // Root's own directory that others may write to (a sticky bit does not stop them creating):
  // any of them can put a symlink where the day's file goes, and root would append the bus's
  // lines to whatever file it names.
  const mode = info.mode ?? 0;
  if ((mode & 0o002) !== 0 || ((mode & 0o020) !== 0 && info.gid !== 0)) {
    throw new Error(
      `${dir} can be written by users other than root (mode ${(mode & 0o7777).toString(8)}), ` +
        "who could put a symlink where root's file goes; write into a directory only root can " +
        "write, or run as the user the directory is for",
    );
  }
}

/**
 * Lines appended to the file `pattern` names at the time of writing (strftime fields, UTC),
 * each synced to disk. The first file is opened at once, so a path that cannot work is
 * reported before anything is consumed. `uid` is the user running it (see refuseForeignDir).
 */
export function fileSink(
  pattern: string,
  now: () => Date = () => new Date(),
  uid: number = Deno.uid() ?? 0,
): LineSink {
  let file: Deno.FsFile | undefined;
  let path: string | undefined;
  const open = (at: string) => {
    try {
      // Only the file's own parent is made: a name without a slash is a file in the cwd.
      const slash = at.lastIndexOf("/");
      const dir = slash < 0 ? "" : at.slice(0, slash);
      if (dir) Deno.mkdirSync(dir, { recursive: true, mode: 0o750 });
      refuseForeignDir(dir || ".", uid);
      refuseSpecial(at);
      file = Deno.openSync(at, { append: true, create: true, mode: 0o640 });
      path = at;
    } catch (e) {
      throw new Error(`${at}: cannot open for writing: ${ioReason(e)}`);
    }
    return file;
  };
  const close = () => {
    try {
      file?.close();
    } catch { /* already closed */ }
    file = undefined;
    path = undefined;
  };
  try {
    open(strftime(pattern, now()));
  } catch (e) {
    // Before anything is consumed, a path that cannot work is a usage error.
    throw new UsageError(`--output: ${(e as Error).message}`);
  }
  const append = (f: Deno.FsFile, at: string, line: string) => {
    let size: number | undefined;
    try {
      size = f.statSync().size;
      writeAll(f, encoder.encode(line));
      f.syncDataSync();
    } catch (e) {
      // A partial write (disk full) is cut off again: the file never ends in half a line.
      try {
        if (size !== undefined) f.truncateSync(size);
      } catch { /* not a regular file */ }
      throw new Error(`${at}: cannot write: ${ioReason(e)}`);
    }
  };
  return {
    write(line) {
      const at = strftime(pattern, now());
      // Moved or deleted since the last line (logrotate without a SIGHUP): the path anew.
      if (at !== path || (file && movedAway(file, at) !== undefined)) close();
      // Twice at most: a path that keeps changing under us is reported by the next line.
      for (let attempt = 0; attempt < 2; attempt++) {
        const f = file ?? open(at);
        append(f, at, line);
        const moved = movedAway(f, at);
        if (moved === undefined) return true;
        // The path no longer names this file (deleted, compressed or moved without SIGHUP):
        // the next line opens the path anew. Still linked somewhere, the file keeps this line;
        // deleted, it does not, and the line is written again into the new file.
        close();
        if (moved === "moved") return true;
      }
      throw new Error(`${at}: deleted again as soon as written: the line is not kept`);
    },
    writeAside(line) {
      const aside = rejectsPath(strftime(pattern, now()));
      appendSynced(aside, line);
      return aside;
    },
    reopen: close,
    // A file has no reader to lose.
    whenReaderGone() {},
    close,
  };
}
