/**
 * The spool's lock: an exclusive `flock` on `DIR/.lock`, held while sending from the spool, so
 * two processes never send the same file. The kernel drops it when a process dies.
 *
 * In another user's spool (root flushing a user's directory) the lock file is the owner's:
 * root never creates a file there (the user could have put a symlink in its place), it opens
 * the one the owner's busmsg made when it spooled (see {@link makeLockFile}), only when it is a
 * regular file, read-write so that a FIFO swapped in cannot block the open, and checks that it
 * opened what it looked at.
 */

const LOCK = ".lock";

/**
 * Makes this user's lock file in its own spool when missing, so that root's flush can take
 * the same lock without creating anything in a directory it does not own.
 */
export async function makeLockFile(dir: string): Promise<void> {
  const file = await Deno.open(`${dir}/${LOCK}`, { create: true, write: true, mode: 0o600 });
  file.close();
}

/** The owner's lock file of another user's spool, opened safely; or why it cannot be. */
async function openForeignLock(dir: string): Promise<Deno.FsFile | string> {
  const path = `${dir}/${LOCK}`;
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return `${path} is missing (its owner's busmsg makes it when it spools)`;
    }
    throw e;
  }
  if (!info.isFile) return `${path} is not a regular file (not followed)`;
  const file = await Deno.open(path, { read: true, write: true });
  const opened = await file.stat();
  if (opened.ino !== info.ino || opened.dev !== info.dev || !opened.isFile) {
    file.close();
    return `${path} was replaced while opened`;
  }
  return file;
}

/** A lock that is held until released. */
export interface SpoolLock {
  release(): void;
}

/**
 * Takes the lock, waiting at most until `deadline`; undefined when another process holds it
 * that long (it is sending: nothing for us to do). An attempt given up is not left pending:
 * should it still succeed later, the lock is released at once, so no lock outlives its use.
 */
export async function lockSpool(
  dir: string,
  deadline: number,
  foreign = false,
): Promise<SpoolLock | undefined> {
  const opened = foreign
    ? await openForeignLock(dir)
    : await Deno.open(`${dir}/${LOCK}`, { create: true, write: true, mode: 0o600 });
  if (typeof opened === "string") throw new Error(`spool ${dir}: cannot lock: ${opened}`);
  const file = opened;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    try {
      file.unlockSync();
    } catch {
      // Not locked (the attempt failed): closing is all there is to do.
    }
    file.close();
  };
  const locking = file.lock(true).then(() => true, () => false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gaveUp = new Promise<false>((resolve) =>
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))
  );
  const locked = await Promise.race([locking, gaveUp]);
  clearTimeout(timer);
  if (locked) return { release };
  locking.then(release);
  return undefined;
}
