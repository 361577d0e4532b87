/**
 * The spool: messages that could not be delivered for a reason that may pass wait here, one
 * file per message, until a later run (or `busmsg flush`) sends them. The layout of DIR:
 *
 *   TIME-SEQ-UUID.msg       waiting: one spool line (see record.ts), mode 0600
 *   .tmp-TIME-SEQ-UUID.msg  being written; renamed when durable, removed on failure, and
 *                           removed by a later run when older than an hour (a killed writer)
 *   NAME.refused            refused for good by the broker (403, 406, nack): kept, not sent
 *   NAME.bad                not a valid message, or not a regular file: kept, not sent
 *   NAME.reason             next to a .refused or .bad file: why, one line
 *   .lock                   flock'ed while a process sends from the spool
 *   .unreachable-HOST-PORT  the fail-fast state of one broker (see failfast.ts)
 *
 * TIME is milliseconds since the epoch (14 digits), so names sort oldest first; the UUID makes
 * names unique across hosts and PID namespaces sharing one spool.
 */
import { ioReason } from "../errors.ts";
import type { Defaults, Message } from "../message/message.ts";
import { type Destination, fromSpoolLine, toSpoolLine } from "./record.ts";
import { checkSpoolDir } from "./safety.ts";
import { makeLockFile } from "./lock.ts";
import {
  SYSTEM_SPOOL,
  type SystemSpool,
  systemSpools,
  USERS_SUBDIR,
  userSpoolDir,
  type UserSpoolLookup,
} from "./users.ts";

/** Where the spool lives and whether it is in use. */
export interface SpoolOptions {
  /** The directory, or undefined when there is none: `--no-spool`, or see `problem`. */
  dir: string | undefined;
  /** Why there is no spool although one was wanted (e.g. no HOME to put it in). */
  problem?: string;
}

const WAITING = ".msg";
const TMP = ".tmp-";
const REASON = ".reason";
/** Why a file was moved aside: the suffix it gets. */
export type AsideKind = "refused" | "bad";
const STALE_TMP_MS = 60 * 60 * 1000;
/** Files made durable at once (open files held), and fsyncs in flight at once. */
const CHUNK = 256;
const SYNCS = 32;
const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
let sequence = 0;

/**
 * `/var/spool/busmsg` for root or the directory's owner; for any other user, its directory
 * under `/var/spool/busmsg/users` (see users.ts). Where that tree is installed, a user without
 * a directory there has no spool: never one under its home. Only where the tree is not
 * installed (a developer's machine) is a per-user state directory used; never a shared
 * directory such as /tmp: with neither XDG_STATE_HOME nor HOME there is none.
 */
export function defaultSpoolDir(
  env: (name: string) => string | undefined,
  uid: number,
  systemOwner: () => number | undefined,
  lookup: (uid: number, preferred: string | undefined) => UserSpoolLookup = userSpoolDir,
): SpoolOptions {
  if (uid === 0 || systemOwner() === uid) return { dir: SYSTEM_SPOOL };
  const mine = lookup(uid, env("USER") || env("LOGNAME"));
  if (mine.tree) {
    if (mine.dir) return { dir: mine.dir };
    return {
      dir: undefined,
      problem: `no spool directory: none under ${SYSTEM_SPOOL}/${USERS_SUBDIR} is owned by ` +
        `this user (uid ${uid}); the admin adds one with a tmpfiles.d line (see the README), ` +
        "or give --spool-dir or BUSMSG_SPOOL_DIR",
    };
  }
  const state = env("XDG_STATE_HOME") || (env("HOME") ? `${env("HOME")}/.local/state` : "");
  if (!state) {
    return {
      dir: undefined,
      problem: "no spool directory: neither HOME nor XDG_STATE_HOME is set " +
        "(give --spool-dir or BUSMSG_SPOOL_DIR)",
    };
  }
  return { dir: `${state}/busmsg/spool` };
}

function systemOwner(): number | undefined {
  try {
    return Deno.statSync(SYSTEM_SPOOL).uid ?? undefined;
  } catch {
    return undefined; // Not there, or not ours to see.
  }
}

/** The spool directory from flag, environment or default; undefined with `--no-spool`. */
export function resolveSpool(
  flags: { "spool-dir"?: string | undefined; "no-spool"?: boolean | undefined },
  env: (name: string) => string | undefined,
): SpoolOptions {
  if (flags["no-spool"]) return { dir: undefined };
  const given = flags["spool-dir"] ?? env("BUSMSG_SPOOL_DIR");
  if (given) return { dir: given };
  return defaultSpoolDir(env, Deno.uid() ?? 0, systemOwner);
}

/**
 * Creates the spool directory when missing (mode 0700) and checks it against the ownership
 * rule; returns why it may not be used, or undefined.
 */
export async function makeSpoolDir(dir: string): Promise<string | undefined> {
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    return `${dir}: cannot create: ${ioReason(e)}`;
  }
  const check = await checkSpoolDir(dir);
  return check.ok ? undefined : check.reason;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await Deno.open(dir);
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Already gone.
  }
}

function newName(): string {
  const time = String(Date.now()).padStart(14, "0");
  return `${time}-${String(sequence++).padStart(6, "0")}-${crypto.randomUUID()}${WAITING}`;
}

/** One message to spool and where it was going. */
export interface SpoolEntry {
  message: Message;
  destination: Destination;
}

/** Which entries were spooled (durably), and why the others were not. */
export interface SpoolWrite {
  written: boolean[];
  error?: string;
}

interface Pending {
  index: number;
  tmp: string;
  path: string;
  file: Deno.FsFile;
  synced: boolean;
}

async function syncAll(pending: Pending[], onError: (e: unknown) => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const p = pending[next++]!;
      try {
        await p.file.syncData();
        p.synced = true;
      } catch (e) {
        onError(e);
      } finally {
        p.file.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SYNCS, pending.length) }, worker));
}

/**
 * Writes each entry to its own spool file, durably: all files written, their data synced in
 * parallel (the file system commits many at once), renamed into place, and the directory
 * synced once. Never throws: says which entries are spooled; a file that is not durable is
 * removed again, so what is reported spooled is exactly what a later flush will send. The
 * directory must exist (see {@link makeSpoolDir}).
 */
export async function spoolMessages(dir: string, entries: SpoolEntry[]): Promise<SpoolWrite> {
  const written = entries.map(() => false);
  let error: string | undefined;
  const fail = (e: unknown) => error ??= ioReason(e);
  // The lock file root's flush takes in this user's spool (it never makes one there itself);
  // one that cannot be made stops no message from being spooled.
  await makeLockFile(dir).catch(() => {});
  const renamed: { index: number; path: string }[] = [];
  for (let at = 0; at < entries.length && error === undefined; at += CHUNK) {
    const pending: Pending[] = [];
    for (let index = at; index < Math.min(at + CHUNK, entries.length); index++) {
      const entry = entries[index]!;
      const name = newName();
      const tmp = `${dir}/${TMP}${name}`;
      let file: Deno.FsFile;
      try {
        // Synchronous: thousands of small files, where a thread hop per call costs more.
        file = Deno.openSync(tmp, { write: true, createNew: true, mode: 0o600 });
      } catch (e) {
        fail(e);
        break;
      }
      try {
        let bytes = encoder.encode(toSpoolLine(entry.message, entry.destination) + "\n");
        while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
      } catch (e) {
        fail(e);
        file.close();
        removeQuietly(tmp);
        break;
      }
      pending.push({ index, tmp, path: `${dir}/${name}`, file, synced: false });
    }
    await syncAll(pending, fail);
    for (const p of pending) {
      if (p.synced) {
        try {
          Deno.renameSync(p.tmp, p.path);
          renamed.push(p);
          continue;
        } catch (e) {
          fail(e);
        }
      }
      removeQuietly(p.tmp);
    }
  }
  try {
    if (renamed.length > 0) await syncDir(dir);
    for (const r of renamed) written[r.index] = true;
  } catch (e) {
    // Not durable: taken back rather than claimed spooled (and sent later a second time).
    fail(e);
    for (const r of renamed) removeQuietly(r.path);
  }
  return error === undefined
    ? { written }
    : { written, error: `spool ${dir}: cannot write: ${error}` };
}

/**
 * Spooled files waiting to be sent, oldest first. A missing spool directory is empty. Every
 * `*.msg` entry is listed, whatever its type: one that is not a regular file (a symlink, a
 * FIFO, a directory) is no message, and must be counted and moved aside, not passed over.
 */
export async function listSpool(dir: string): Promise<string[]> {
  return (await listEntries(dir, Infinity)).waiting;
}

/** The spool's entries as one listing sees them (see {@link listEntries}). */
interface Listing {
  /** Waiting files, oldest first. */
  waiting: string[];
  /** Files moved aside, oldest first. */
  aside: { path: string; kind: AsideKind }[];
  /** Whether the listing got to its end before the deadline. */
  all: boolean;
}

/**
 * The waiting and moved-aside files listed before `deadline` (see {@link listSpool}), in one
 * pass: a directory of hundreds of thousands of entries takes seconds to list.
 */
async function listEntries(dir: string, deadline: number): Promise<Listing> {
  const waiting: string[] = [];
  const aside: Listing["aside"] = [];
  let all = true;
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (Date.now() >= deadline) {
        all = false;
        break;
      }
      const name = entry.name;
      if (name.endsWith(WAITING) && !name.startsWith(".")) waiting.push(`${dir}/${name}`);
      const kind = name.endsWith(".refused") ? "refused" : name.endsWith(".bad") ? "bad" : "";
      // Whatever its type: a symlink or a FIFO moved aside needs a person as much as a file.
      if (kind) aside.push({ path: `${dir}/${name}`, kind });
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { waiting: [], aside: [], all: true };
    throw new Error(`spool ${dir}: cannot list: ${ioReason(e)}`);
  }
  const byPath = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;
  waiting.sort(byPath);
  aside.sort((a, b) => byPath(a.path, b.path));
  return { waiting, aside, all };
}

/** When a spool file was written (ms since the epoch), from its name. */
export function spooledAt(path: string): number | undefined {
  const time = Number(path.slice(path.lastIndexOf("/") + 1).slice(0, 14));
  return Number.isFinite(time) ? time : undefined;
}

/** What an entry is, when it is not a regular file. */
function notRegular(info: Deno.FileInfo): string | undefined {
  if (info.isFile) return undefined;
  const what = info.isSymlink
    ? "a symbolic link (not followed)"
    : info.isDirectory
    ? "a directory"
    : info.isFifo
    ? "a FIFO (not opened)"
    : info.isSocket
    ? "a socket"
    : "a device";
  return `is ${what}, not a regular file`;
}

/**
 * The largest spool file read: well above any message busmsg spools (a dump line is at most
 * 1 MiB, a command line's words at most the kernel's argument space, 2 MiB by default), and
 * RabbitMQ 4's default `max_message_size`. A larger file (a user's sparse 3 GiB `.msg`, which
 * costs that user no disk) is no message and is never read into memory by root's flush or
 * `spool status`.
 */
export const MAX_SPOOL_FILE_BYTES = 16 * 1024 * 1024;

function tooLarge(size: number, max: number): string {
  return `is ${size} bytes, more than a spooled message can be (${max})`;
}

/**
 * How long root waits for a user's file to open. Opening a regular file takes microseconds; only
 * a FIFO the user swapped in after the look (whose open waits for a writer) takes longer.
 */
export const FOREIGN_OPEN_MS = 1000;

/**
 * Opens `path` read-only, or says why not within `waitMs`. The open is never read-write: the
 * units give root CAP_DAC_READ_SEARCH (read any file) and the status unit a read-only spool, so
 * a read-write open of a user's file fails there. A FIFO's read-only open blocks (in a thread of
 * the runtime's pool, not the event loop) until someone opens it for writing: past `waitMs` it is
 * left behind (closed if it ever opens) and the file reported; the process exits at its end
 * whatever that thread waits for.
 */
export async function openWithin(path: string, waitMs: number): Promise<Deno.FsFile | string> {
  const opening = Deno.open(path, { read: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), waitMs));
  try {
    const first = await Promise.race([opening, late]);
    if (first !== "late") return first;
    opening.then((f) => f.close(), () => {});
    // Said as what is there now: a FIFO, or (a slow disk) the file itself.
    const now = await Deno.lstat(path).catch(() => undefined);
    const what = now?.isFifo ? "replaced by a FIFO, not a regular file" : "not opened";
    return `did not open within ${waitMs} ms: ${what}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The bytes of a regular file in the spool (at most `max`), or why it cannot be read: never
 * follows a symlink nor opens a FIFO knowingly. The look before the open leaves a moment in which
 * the entry could be swapped: in this user's own spool only it may write (safety.ts); in a user's
 * spool read by root, a FIFO swapped in holds the open at most {@link FOREIGN_OPEN_MS}. The open
 * file is checked to be the one looked at.
 */
export async function readRegularFile(
  path: string,
  max = MAX_SPOOL_FILE_BYTES,
): Promise<Uint8Array | string> {
  let info: Deno.FileInfo;
  let file: Deno.FsFile;
  try {
    info = await Deno.lstat(path);
    const problem = notRegular(info);
    if (problem) return problem;
    if (info.size > max) return tooLarge(info.size, max);
    // Root may be reading a user's spool, where the user may swap a FIFO in after the look: for
    // any file there, root's own `.reason` files too, so whoever owns the file.
    const opened = Deno.uid() === 0
      ? await openWithin(path, FOREIGN_OPEN_MS)
      : await Deno.open(path, { read: true });
    if (typeof opened === "string") return opened;
    file = opened;
  } catch (e) {
    return `cannot read: ${ioReason(e)}`;
  }
  try {
    const opened = await file.stat();
    if (opened.ino !== info.ino || opened.dev !== info.dev) return "was replaced while read";
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(64 * 1024);
    let total = 0;
    for (let n; (n = await file.read(buffer)) !== null;) {
      // Grown since the look: read no further than the limit.
      total += n;
      if (total > max) return tooLarge(Math.max(total, (await file.stat()).size), max);
      chunks.push(buffer.slice(0, n));
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return bytes;
  } catch (e) {
    return `cannot read: ${ioReason(e)}`;
  } finally {
    file.close();
  }
}

/** A spool file read back (see {@link fromSpoolLine}). */
export async function readSpoolFile(path: string, defaults: Defaults) {
  const bytes = await readRegularFile(path);
  if (typeof bytes === "string") return { problems: [{ field: "file", message: bytes }] };
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    // Never sent with U+FFFD in place of what was written.
    return { problems: [{ field: "file", message: "is not valid UTF-8" }] };
  }
  return fromSpoolLine(text.replace(/\n$/, ""), defaults);
}

/** One waiting message, for `spool status` and `flush --dry-run`. */
export interface WaitingEntry {
  path: string;
  /** Since it was spooled, in ms. */
  ageMs: number;
  /** Where it goes; undefined when the file is not a message. */
  destination: Destination | undefined;
  /** The message id, when the file is a message. */
  id: string | undefined;
  /** The message's topic (without prefix), when the file is a message. */
  topic: string | undefined;
}

/**
 * The waiting messages, oldest first, each read for its destination; `fallback` says where a
 * message without one (spooled by an older busmsg) goes.
 */
export async function waitingEntries(
  dir: string,
  defaults: Defaults,
  fallback: (m: Message) => Destination,
  now = Date.now(),
): Promise<WaitingEntry[]> {
  const entries: WaitingEntry[] = [];
  for (const path of await listSpool(dir)) {
    entries.push(await waitingEntry(path, defaults, fallback, now));
  }
  return entries;
}

async function waitingEntry(
  path: string,
  defaults: Defaults,
  fallback: (m: Message) => Destination,
  now: number,
): Promise<WaitingEntry> {
  const record = await readSpoolFile(path, defaults);
  return {
    path,
    ageMs: Math.max(0, now - (spooledAt(path) ?? now)),
    destination: record.message ? record.destination ?? fallback(record.message) : undefined,
    id: record.message?.id,
    topic: record.message?.topic,
  };
}

/** A file moved aside, with why. */
export interface AsideEntry {
  path: string;
  kind: AsideKind;
  /** The reason file's line ("" when there is none). */
  reason: string;
}

/** The files moved aside with their reasons, each read if `deadline` has not passed (else ""). */
async function withReasons(found: Listing["aside"], deadline: number): Promise<AsideEntry[]> {
  const entries: AsideEntry[] = [];
  for (let at = 0; at < found.length; at += CHUNK) {
    const chunk = found.slice(at, at + CHUNK);
    if (Date.now() >= deadline) {
      entries.push(...found.slice(at).map((f) => ({ ...f, reason: "" })));
      break;
    }
    entries.push(
      ...await Promise.all(chunk.map(async ({ path, kind }) => {
        // No reason file (moved aside by an older busmsg), or one that is no file: none.
        const bytes = await readRegularFile(reasonPath(path));
        const reason = typeof bytes === "string" ? "" : new TextDecoder().decode(bytes).trim();
        return { path, kind, reason };
      })),
    );
  }
  return entries;
}

function reasonPath(path: string): string {
  return path.replace(/\.(msg|refused|bad)$/, REASON);
}

/**
 * Moves a spool file aside (never deletes it): its reason is written next to it first, then it
 * is renamed `.refused` or `.bad`. Returns the new path.
 */
export async function moveAside(path: string, kind: AsideKind, reason: string): Promise<string> {
  // Made anew, never written through what is there: in a user's spool flushed by root, a
  // symlink put in its place must not make root write elsewhere.
  await Deno.remove(reasonPath(path)).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  await Deno.writeTextFile(reasonPath(path), reason.replace(/\s+/g, " ").trim() + "\n", {
    createNew: true,
    mode: 0o600,
  });
  const aside = path.replace(/\.msg$/, `.${kind}`);
  await Deno.rename(path, aside);
  return aside;
}

/** Removes temporary files that a killed writer left behind (older than an hour). */
export async function removeStaleTemporaries(dir: string, now = Date.now()): Promise<void> {
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.name.startsWith(TMP)) continue;
      const path = `${dir}/${entry.name}`;
      const info = await Deno.lstat(path);
      if (info.isFile && now - (info.mtime?.getTime() ?? now) > STALE_TMP_MS) removeQuietly(path);
    }
  } catch {
    // Best effort: the spool itself is checked and reported elsewhere.
  }
}

/** What the spool holds, for monitoring (`spool status`, `doctor`). */
export interface SpoolSummary {
  dir: string;
  /** Whether the directory exists yet. */
  exists: boolean;
  /** Why the directory may not be used (the ownership rule), if it may not. */
  unsafe?: string;
  /** Messages waiting. */
  messages: number;
  /** How long the oldest waiting message has waited, in ms. */
  oldestAgeMs?: number;
  /** Waiting files that are not valid messages (not even regular files, maybe): flush moves them aside. */
  notMessages: number;
  /** Waiting messages per destination ("EXCHANGE ROUTING_KEY"), most first. */
  destinations: [string, number][];
  /** Files moved aside (refused for good, or not valid messages): someone must look at them. */
  movedAside: AsideEntry[];
  /**
   * Set when counting stopped at its deadline: `listedAll` false when the directory was not
   * listed to its end (every count is then a lower bound, the oldest age too), `unread` the
   * waiting files listed but not read (their destinations and validity unknown).
   */
  stopped?: { listedAll: boolean; unread: number };
}

/** Where the waiting files not read before the deadline are counted among the destinations. */
const NOT_READ = "(not read in time)";

/**
 * Counts what the spool holds without changing it. A message spooled by an older busmsg,
 * without its destination, is counted under its topic. `uid`: who may own the directory
 * besides root (this user; for root, a user's directory's owner, see users.ts). Nothing is
 * started after `deadline`: what was not counted by then is said in `stopped`.
 */
export async function summarizeSpool(
  dir: string,
  now = Date.now(),
  uid: number = Deno.uid() ?? 0,
  deadline = Infinity,
): Promise<SpoolSummary> {
  const listed = await listForSummary(dir, now, uid, deadline);
  await readForSummary(listed, now, deadline);
  return listed.summary;
}

/** A spool listed for its summary, its files not read yet. */
interface Listed {
  summary: SpoolSummary;
  listing: Listing;
  /** Whether the directory may be used: one that may not is CRITICAL for that, not UNKNOWN. */
  usable: boolean;
}

/**
 * The first half of {@link summarizeSpool}: the count and the oldest age, from the names
 * (TIME-SEQ-UUID.msg), so exact once the directory is listed to its end.
 */
async function listForSummary(
  dir: string,
  now: number,
  uid: number,
  deadline: number,
): Promise<Listed> {
  const check = await checkSpoolDir(dir, uid);
  const summary: SpoolSummary = {
    dir,
    exists: check.ok ? check.exists : true,
    messages: 0,
    notMessages: 0,
    destinations: [],
    movedAside: [],
  };
  if (!check.ok) summary.unsafe = check.reason;
  let listing: Listing = { waiting: [], aside: [], all: true };
  try {
    listing = await listEntries(dir, deadline);
  } catch (e) {
    if (check.ok) throw e;
  }
  summary.messages = listing.waiting.length;
  // The first name that carries a time: one that does not (a user's "+x.msg") sorts anywhere
  // and would hide the oldest age behind a 0.
  const oldest = listing.waiting.find((p) => spooledAt(p) !== undefined);
  if (listing.waiting.length > 0) {
    summary.oldestAgeMs = Math.max(0, now - (oldest ? spooledAt(oldest)! : now));
  }
  return { summary, listing, usable: check.ok };
}

/**
 * The second half of {@link summarizeSpool}: each waiting file read for its destination, oldest
 * first, and each file moved aside for its reason, until `deadline`.
 */
async function readForSummary(listed: Listed, now: number, deadline: number): Promise<void> {
  const { summary, listing } = listed;
  const defaults = { sentAt: "", newId: () => "", topicPrefix: "" };
  const fallback = (m: Message) => ({ exchange: "?", routingKey: m.topic });
  const waiting: WaitingEntry[] = [];
  try {
    for (const path of listing.waiting) {
      if (Date.now() >= deadline) break;
      waiting.push(await waitingEntry(path, defaults, fallback, now));
    }
    summary.movedAside = await withReasons(listing.aside, deadline);
  } catch (e) {
    if (listed.usable) throw e;
  }
  summary.notMessages = waiting.filter((w) => w.destination === undefined).length;
  const unread = listing.waiting.length - waiting.length;
  if (unread > 0 || !listing.all) summary.stopped = { listedAll: listing.all, unread };
  const counts = new Map<string, number>();
  for (const { destination: to } of waiting) {
    const key = to ? `${to.exchange} ${to.routingKey}` : "(not a message)";
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (unread > 0) counts.set(NOT_READ, unread);
  summary.destinations = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** One spool of the system tree and what it holds. */
export interface SpoolCount {
  spool: SystemSpool;
  summary: SpoolSummary;
}

/**
 * What every spool of the system tree holds (root's and each user's, see {@link systemSpools}),
 * each as {@link summarizeSpool} counts it, and all of them added up (`dir` is root's). A
 * user's directory that may not be used makes the total unsafe, naming it.
 */
export async function summarizeSystemSpools(
  root = SYSTEM_SPOOL,
  now = Date.now(),
  deadline = Infinity,
): Promise<{ total: SpoolSummary; each: SpoolCount[] }> {
  const each: SpoolCount[] = [];
  const toRead: Listed[] = [];
  // Every spool listed before any file is read: reading a large root spool must not spend the
  // budget the users' listings need (a spool not listed would be a lower bound, a WARNING).
  for (const spool of await systemSpools(root)) {
    if (spool.problem) {
      each.push({
        spool,
        summary: {
          dir: spool.dir,
          exists: true,
          unsafe: spool.problem,
          messages: 0,
          notMessages: 0,
          destinations: [],
          movedAside: [],
        },
      });
      continue;
    }
    const listed = await listForSummary(spool.dir, now, spool.uid, deadline);
    toRead.push(listed);
    each.push({ spool, summary: listed.summary });
  }
  for (const listed of toRead) await readForSummary(listed, now, deadline);
  const [first, ...others] = each.map((c) => c.summary);
  const total: SpoolSummary = { ...first!, destinations: [...first!.destinations] };
  const counts = new Map(total.destinations);
  for (const s of others) {
    total.messages += s.messages;
    total.notMessages += s.notMessages;
    total.movedAside = [...total.movedAside, ...s.movedAside];
    if (total.unsafe === undefined && s.unsafe !== undefined) total.unsafe = s.unsafe;
    if (s.oldestAgeMs !== undefined && !(s.oldestAgeMs <= (total.oldestAgeMs ?? -1))) {
      total.oldestAgeMs = s.oldestAgeMs;
    }
    for (const [to, n] of s.destinations) counts.set(to, (counts.get(to) ?? 0) + n);
    if (s.stopped) {
      total.stopped = {
        listedAll: (total.stopped?.listedAll ?? true) && s.stopped.listedAll,
        unread: (total.stopped?.unread ?? 0) + s.stopped.unread,
      };
    }
  }
  total.destinations = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { total, each };
}
