/**
 * Writing to stdout and stderr: data on stdout exactly as given, one `busmsg:` line per
 * message on stderr with the credential of any URL in it hidden.
 */
import { clearProgressLine } from "./progress.ts";
import { ioReason } from "../errors.ts";
import { printable } from "../text/printable.ts";

const encoder = new TextEncoder();

// `scheme://user:PASSWORD@`: the password runs to the last `@` of the authority.
const URL_CREDENTIAL = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#]*@/gi;

/**
 * A diagnostic with the password of every URL in it shown as `***`: the last guard for text
 * that quotes a URL busmsg did not redact itself (e.g. a path given where a URL was meant).
 * Only inside URLs: a word elsewhere that happens to equal the password is left alone.
 */
export function redactCredentials(text: string): string {
  return text.replace(URL_CREDENTIAL, "$1***@");
}

function writeAll(fd: { writeSync(p: Uint8Array): number }, text: string): void {
  clearProgressLine();
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(fd.writeSync(bytes));
  } catch (e) {
    // A reader that went away (`busmsg publish ... | head -1`) must not stop delivery or
    // spooling half-way: what it would have read is lost, the messages are not.
    if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
  }
}

let stdoutFailed = false;

/**
 * Writes data to stdout as is, never rewritten (callers add newlines). A stdout that cannot be
 * written (a full disk) is said once and then left alone, as a closed pipe is: delivery and
 * spooling go on, and the exit code stays what they make it.
 */
export function out(text: string): void {
  if (!text || stdoutFailed) return;
  try {
    writeAll(Deno.stdout, text);
  } catch (e) {
    stdoutFailed = true;
    say(`cannot write to stdout: ${ioReason(e)}`);
  }
}

/** Journal priorities (sd-daemon(3)) of the lines said: an error, a warning. */
export const JOURNAL = { ERROR: 3, WARNING: 4 } as const;

/**
 * `<N>` when stderr is the journal (systemd sets JOURNAL_STREAM for a unit's output; with its
 * default SyslogLevelPrefix=yes the journal reads the line's priority from it), else nothing.
 */
export function journalPrefix(priority: number): string {
  try {
    return Deno.env.get("JOURNAL_STREAM") ? `<${priority}>` : "";
  } catch {
    return ""; // No permission to read the environment: plain lines.
  }
}

/**
 * Writes one diagnostic line to stderr, prefixed `busmsg: `, URL credentials hidden, control
 * characters (newlines too) shown as `\xNN`; with a
 * priority (an error, a warning), the journal is told it when stderr is the journal.
 */
export function say(line: string, priority?: number): void {
  const prefix = priority === undefined ? "" : journalPrefix(priority);
  // One line, whatever it quotes: a user's spool file named `x\n<0>busmsg: ...` must not forge
  // lines (nor, at a line start, the journal's priority) in root's stderr, mail and journal.
  writeAll(Deno.stderr, redactCredentials(`${prefix}busmsg: ${printable(line)}\n`));
}

let quiet = false;

/** `--quiet`: from now on only errors are said; notes and warnings are not. */
export function beQuiet(): void {
  quiet = true;
}

/** A diagnostic line that is not an error (a warning, a summary): not said with `--quiet`. */
export function note(line: string): void {
  if (!quiet) say(line, JOURNAL.WARNING);
}
