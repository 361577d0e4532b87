/**
 * Whether anyone still reads stdout, found without writing to it. `listen | head -1` must end
 * when `head` does, even on a quiet bus; a write is the only way Deno itself finds a pipe's
 * reader gone, so the pipe is asked with libc's poll(2), through FFI: a pipe or socket whose
 * reader is gone reports POLLERR or POLLHUP.
 *
 * FFI can do anything, so it is given up (Deno.permissions.revokeSync) by every command before
 * any third-party code is loaded; `listen`, the one command that watches its stdout, first
 * takes poll(2) from libc, which stays callable after that.
 */

const POLLERR = 0x008;
const POLLHUP = 0x010;
/** How often the pipe is asked: the reader's going is noticed within this. */
const EVERY_MS = 200;

let asked: (() => boolean) | undefined;

/**
 * Gives up FFI for the rest of the process. With `watch` true, takes poll(2) from libc first,
 * for `watchStdoutReader`. Called once at start-up, before a
 * command is loaded. Where libc cannot be had (another C library, FFI not granted), stdout is
 * simply not watched: a gone reader is then found by the next write, as before.
 */
export function giveUpFfi(watch: boolean): void {
  if (watch && asked === undefined) asked = pollStdout();
  try {
    Deno.permissions.revokeSync({ name: "ffi" });
  } catch { /* not there to give up */ }
}

function pollStdout(): (() => boolean) | undefined {
  // Never a permission prompt (deno run without the flags, on a terminal): no FFI, no watching.
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
  let libc;
  try {
    libc = Deno.dlopen("libc.so.6", {
      poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
    });
  } catch {
    return undefined;
  }
  // struct pollfd { int fd; short events; short revents; }, in the machine's byte order: fd 1,
  // no events asked for, so only what poll always reports (an error, a hang-up) comes back.
  const pollfd = new Int32Array(2);
  const shorts = new Int16Array(pollfd.buffer);
  pollfd[0] = 1;
  return () => {
    shorts[3] = 0;
    // Timeout 0: a look, never a wait. An interrupted call (-1) is asked again next time.
    if (libc.symbols.poll(pollfd, 1n, 0) <= 0) return false;
    return (shorts[3]! & (POLLERR | POLLHUP)) !== 0;
  };
}

/**
 * Calls `gone` once stdout's reader is found gone, asking every 200 ms without keeping the
 * process alive; returns what stops the watching. Does nothing unless `giveUpFfi(true)` could
 * take poll(2).
 */
export function watchStdoutReader(gone: () => void): () => void {
  const ask = asked;
  if (ask === undefined) return () => {};
  const timer = setInterval(() => {
    if (!ask()) return;
    clearInterval(timer);
    gone();
  }, EVERY_MS);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
