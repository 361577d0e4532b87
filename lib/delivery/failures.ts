/**
 * Failures said once per reason: the messages a run could neither deliver nor spool, counted
 * by reason across its batches, one stderr line per reason (with the inputs they came from),
 * and the exit code that matters most to a script.
 */
import { type DeliveryError, EXIT } from "../errors.ts";
import { say } from "../io/output.ts";
import type { Delivery } from "./session.ts";

// When several reasons apply, the one a script most needs to hear wins.
const RANK: Record<number, number> = { [EXIT.REFUSED]: 3, [EXIT.FAILURE]: 2, [EXIT.CONNECT]: 1 };

/** Inputs named per reason in a failure line, at most. */
const NAMED = 10;

/** Reports failures on stderr (one line per reason) and returns the worst exit code. */
export function reportFailures(deliveries: Delivery[]): number {
  const tally = new Tally();
  for (const d of deliveries) if (!d.outcome.ok) tally.add(d.outcome.error);
  return tally.report(deliveries.length, "not published");
}

/** Counts failures by reason across batches, for one line per reason at the end. */
export class Tally {
  readonly byReason = new Map<
    string,
    { error: DeliveryError; count: number; origins: string[] }
  >();
  add(error: DeliveryError, count = 1, origin?: string): void {
    let entry = this.byReason.get(error.message);
    if (!entry) this.byReason.set(error.message, entry = { error, count: 0, origins: [] });
    entry.count += count;
    if (origin !== undefined && entry.origins.length <= NAMED) entry.origins.push(origin);
  }
  /** Says one line per reason; returns the worst exit code (0 when none). */
  report(total: number, what: string): number {
    let code: number = EXIT.OK;
    for (const { error, count, origins } of this.byReason.values()) {
      const named = origins.length === 0
        ? ""
        : ` (${origins.slice(0, NAMED).join(", ")}${origins.length > NAMED ? ", ..." : ""})`;
      say(`${count} of ${total} message(s) ${what}${named}: ${error.message}`);
      if ((RANK[error.exitCode] ?? 0) > (RANK[code] ?? 0)) code = error.exitCode;
    }
    return code;
  }
}
