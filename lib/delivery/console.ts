/**
 * The BusReporter that prints, which every command passes to bus/: the steps of a connection
 * on stderr as `busmsg: verbose: ...` when asked for (`--verbose` or `BUSMSG_DEBUG=1`), and
 * every line bus/ has to say as a `busmsg: ` line on stderr, even with `--quiet`.
 */
import type { BusReporter } from "../bus/reporter.ts";
import { formatStep } from "../bus/trace.ts";
import { JOURNAL, say } from "../io/output.ts";

let verbose = false;

/** Turns on verbose output for this process (`--verbose`). */
export function setVerbose(on: boolean): void {
  verbose = on;
}

/**
 * The reporter for one connection: with `step` only when verbose output is asked for (so that
 * nobody measures steps nobody reads), as the environment says now.
 */
export function consoleReporter(): BusReporter {
  // What bus/ has to say is a warning (a certificate close to expiry, a connection lost).
  const warn = (line: string) => say(line, JOURNAL.WARNING);
  if (!verbose && Deno.env.get("BUSMSG_DEBUG") !== "1") return { say: warn };
  return { step: (step) => say(`verbose: ${formatStep(step)}`), say: warn };
}
