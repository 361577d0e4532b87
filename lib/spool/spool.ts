/**
 * The spool: messages that could not be delivered for a reason that may pass wait here, one
 * file per message, until a later run (or `busmsg flush`) sends them. Each file is one dump
 * line (id and original sent-at kept), so even `fedora-messaging publish FILE` can send it.
 * Files are written atomically (temp file, fsync, rename, fsync of the directory); a flush
 * holds an exclusive lock so two processes never send the same file.
 */
import { ioReason } from "../config.ts";
import { DeliveryError, EXIT } from "../errors.ts";
import { type Message, toDumpLine } from "../message/message.ts";

/** Where the spool lives and whether it is in use. */
export interface SpoolOptions {
  /** The directory, or undefined when spooling is off (`--no-spool`). */
  dir: string | undefined;
}

const SUFFIX = ".msg";
const BAD_SUFFIX = ".bad";
const encoder = new TextEncoder();
let sequence = 0;

/** `/var/spool/busmsg` for root or the directory's owner, else a per-user state directory. */
function defaultSpoolDir(env: (name: string) => string | undefined): string {
  const system = "/var/spool/busmsg";
  const uid = Deno.uid();
  if (uid === 0) return system;
  try {
    if (Deno.statSync(system).uid === uid) return system;
  } catch {
    // Not there, or not ours to see: the per-user directory.
  }
  const state = env("XDG_STATE_HOME") || `${env("HOME") || "/tmp"}/.local/state`;
  return `${state}/busmsg/spool`;
}

/** The spool directory from flag, environment or default; undefined with `--no-spool`. */
export function resolveSpool(
  flags: { "spool-dir"?: string | undefined; "no-spool"?: boolean | undefined },
  env: (name: string) => string | undefined,
): SpoolOptions {
  if (flags["no-spool"]) return { dir: undefined };
  return { dir: flags["spool-dir"] ?? (env("BUSMSG_SPOOL_DIR") || defaultSpoolDir(env)) };
}

async function syncDir(dir: string): Promise<void> {
  const handle = await Deno.open(dir);
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/**
 * Writes each message to its own spool file, durably. Names sort oldest first. Throws a
 * DeliveryError (111) when the spool cannot be written: then the messages are not safe.
 */
export async function spoolMessages(dir: string, messages: Message[]): Promise<string[]> {
  const written: string[] = [];
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    for (const m of messages) {
      const name = `${String(Date.now()).padStart(14, "0")}-${Deno.pid}-${
        String(sequence++).padStart(6, "0")
      }${SUFFIX}`;
      const tmp = `${dir}/.tmp-${name}`;
      const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
      try {
        const bytes = encoder.encode(toDumpLine(m) + "\n");
        let at = 0;
        while (at < bytes.length) at += await file.write(bytes.subarray(at));
        await file.syncData();
      } finally {
        file.close();
      }
      await Deno.rename(tmp, `${dir}/${name}`);
      written.push(`${dir}/${name}`);
    }
    await syncDir(dir);
  } catch (e) {
    throw new DeliveryError(`spool ${dir}: cannot write: ${ioReason(e)}`, EXIT.CONNECT, false);
  }
  return written;
}

/** Spooled files, oldest first. A missing spool directory is an empty spool. */
export async function listSpool(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(SUFFIX) && !entry.name.startsWith(".")) {
        names.push(entry.name);
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw new DeliveryError(`spool ${dir}: cannot list: ${ioReason(e)}`, EXIT.FAILURE, false);
  }
  return names.sort().map((n) => `${dir}/${n}`);
}

/** Moves a file that is not a valid message aside (never deletes it); returns the new path. */
export async function moveAside(path: string): Promise<string> {
  const aside = path.replace(/\.msg$/, BAD_SUFFIX);
  await Deno.rename(path, aside);
  return aside;
}

/** An exclusive lock on the spool, held while flushing. */
export interface SpoolLock {
  release(): void;
}

/**
 * Takes the spool's lock, waiting at most until `deadline`; undefined when another process
 * holds it that long (it is flushing: nothing for us to do).
 */
export async function lockSpool(dir: string, deadline: number): Promise<SpoolLock | undefined> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const file = await Deno.open(`${dir}/.lock`, { create: true, write: true, mode: 0o600 });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gaveUp = new Promise<false>((resolve) =>
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))
  );
  const locked = await Promise.race([file.lock(true).then(() => true), gaveUp]);
  clearTimeout(timer);
  if (!locked) {
    // The pending lock call holds the file open; the process exits soon anyway.
    return undefined;
  }
  return {
    release: () => {
      try {
        file.unlockSync();
      } finally {
        file.close();
      }
    },
  };
}

/** What the spool holds, for monitoring (`spool status`, `doctor`). */
export interface SpoolSummary {
  dir: string;
  /** Owner and permission bits of the directory; undefined when it does not exist yet. */
  stat?: { uid: number | null; mode: number | null };
  /** Messages waiting. */
  messages: number;
  /** When the oldest waiting message was spooled (ms since the epoch). */
  oldest?: number;
  /** Waiting messages per destination (topic), most first. */
  destinations: [string, number][];
  /** Files moved aside (not valid messages): someone must look at them. */
  movedAside: string[];
}

/** Counts what the spool holds without changing it. Throws a DeliveryError when unreadable. */
export async function summarizeSpool(dir: string): Promise<SpoolSummary> {
  const summary: SpoolSummary = { dir, messages: 0, destinations: [], movedAside: [] };
  try {
    const info = await Deno.stat(dir);
    summary.stat = { uid: info.uid, mode: info.mode === null ? null : info.mode & 0o7777 };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return summary;
    throw new DeliveryError(`spool ${dir}: cannot read: ${ioReason(e)}`, EXIT.FAILURE, false);
  }
  const files = await listSpool(dir);
  summary.messages = files.length;
  const counts = new Map<string, number>();
  for (const file of files) {
    let topic = "(unreadable)";
    try {
      // When it was written: a file is written once, when its message is spooled.
      const written = (await Deno.stat(file)).mtime?.getTime();
      if (written !== undefined && !(written >= (summary.oldest ?? Infinity))) {
        summary.oldest = written;
      }
      const parsed = JSON.parse(await Deno.readTextFile(file));
      if (typeof parsed?.topic === "string") topic = parsed.topic;
    } catch {
      // Counted as unreadable (gone meanwhile, or not JSON); flush will move it aside.
    }
    counts.set(topic, (counts.get(topic) ?? 0) + 1);
  }
  summary.destinations = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(BAD_SUFFIX)) {
      summary.movedAside.push(`${dir}/${entry.name}`);
    }
  }
  summary.movedAside.sort();
  return summary;
}
