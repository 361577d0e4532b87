/**
 * Writing to stdout and stderr: data on stdout, one `busmsg:` line per message on stderr,
 * and every known secret scrubbed from both before it leaves the process.
 */
import { clearProgressLine } from "./progress.ts";

const encoder = new TextEncoder();
const secrets = new Set<string>();

/** Remembers a secret (e.g. the URL's password) so no output ever shows it. */
export function addSecret(secret: string | undefined): void {
  if (secret && secret.length >= 1) secrets.add(secret);
}

/** The text with every remembered secret replaced by `***`. */
function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("***");
  for (const s of secrets) out = out.split(encodeURIComponent(s)).join("***");
  return out;
}

function writeAll(fd: { writeSync(p: Uint8Array): number }, text: string): void {
  clearProgressLine();
  let bytes = encoder.encode(redact(text));
  try {
    while (bytes.length > 0) bytes = bytes.subarray(fd.writeSync(bytes));
  } catch (e) {
    // A reader that went away (`busmsg publish ... | head -1`) must not stop delivery or
    // spooling half-way: what it would have read is lost, the messages are not.
    if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
  }
}

/** Writes data to stdout as is (callers add newlines). */
export function out(text: string): void {
  if (text) writeAll(Deno.stdout, text);
}

/** Writes one diagnostic line to stderr, prefixed `busmsg: `. */
export function say(line: string): void {
  writeAll(Deno.stderr, `busmsg: ${line}\n`);
}

let quiet = false;

/** `--quiet`: from now on only errors are said; notes and warnings are not. */
export function beQuiet(): void {
  quiet = true;
}

/** A diagnostic line that is not an error (a warning, a summary): not said with `--quiet`. */
export function note(line: string): void {
  if (!quiet) say(line);
}
