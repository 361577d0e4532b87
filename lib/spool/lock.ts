/**
 * The spool's lock: an exclusive `flock` on `DIR/.lock`, held while sending from the spool, so
 * two processes never send the same file. The kernel drops it when a process dies.
 */

/** A lock that is held until released. */
export interface SpoolLock {
  release(): void;
}

/**
 * Takes the lock, waiting at most until `deadline`; undefined when another process holds it
 * that long (it is sending: nothing for us to do). An attempt given up is not left pending:
 * should it still succeed later, the lock is released at once, so no lock outlives its use.
 */
export async function lockSpool(dir: string, deadline: number): Promise<SpoolLock | undefined> {
  const file = await Deno.open(`${dir}/.lock`, { create: true, write: true, mode: 0o600 });
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
