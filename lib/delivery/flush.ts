/**
 * Sending the spool: oldest first, each message to the exchange and routing key it was spooled
 * with, each file deleted at its confirm, what the broker refuses for good (or what is not a
 * message) moved aside with its reason; and the stderr lines that say what a flush did.
 */
import type { Config } from "../config.ts";
import { DeliveryError, ioReason } from "../errors.ts";
import { formatProblem, formatSentAt } from "../message/message.ts";
import { note, say } from "../io/output.ts";
import { lockSpool } from "../spool/lock.ts";
import {
  type AsideKind,
  listSpool,
  moveAside,
  readSpoolFile,
  removeStaleTemporaries,
} from "../spool/spool.ts";
import { userDestinationProblem } from "../spool/users.ts";
import type { BrokerSession, Deadline } from "../bus/transport.ts";
import { outcomeOf, type Reporter, undelivered } from "./outcomes.ts";
import { address, type Addressed, publishOn } from "./session.ts";
import { BATCH } from "./batches.ts";

/** A spool file moved aside during a flush. */
export interface MovedAside {
  path: string;
  kind: AsideKind;
  reason: string;
  /** Refused by root's flush, not the broker: a user's message to a destination not allowed. */
  notAllowed?: true;
}

/** What a flush of the spool did. */
export interface FlushReport {
  sent: number;
  left: number;
  movedAside: MovedAside[];
  /** Files that are not valid messages and could not be moved aside: left, counted in `left`. */
  stuck: { path: string; reason: string; notAllowed?: true }[];
  /** Why files were left, if any were. */
  error?: DeliveryError;
  /** True when another process held the lock (it is sending). */
  busy: boolean;
}

/**
 * Sends spooled messages oldest first on an open session, each to the exchange and routing
 * key it was spooled with, deleting each file as soon as its confirm arrives (a kill sends
 * again at most the unconfirmed ones). A message the broker refuses for good, or a file that
 * is not a message, is moved aside with its reason, never deleted. Rounds stop at the first
 * one that cannot finish (the broker is away or makes no progress); given the error of a
 * session that could not be opened, none is sent. Each round has its own progress bound,
 * `config.timeoutMs` from its start; `deadline` bounds only the wait for the lock (when no
 * `lockWait` is given). Every file looked at is reported. `foreign`:
 * the spool is another user's (root's flush of a user's directory; see lock.ts). `user`: whose
 * spool it is when root flushes a user's: a message goes only where that user's busmsg could
 * have sent it (see {@link userDestinationProblem}); any other is moved aside as refused.
 */
export async function flushSpool(
  session: BrokerSession | DeliveryError,
  config: Config,
  dir: string,
  deadline: Deadline,
  options: { lockWait?: Deadline; report?: Reporter; foreign?: boolean; user?: string } = {},
): Promise<FlushReport> {
  const report: FlushReport = { sent: 0, left: 0, movedAside: [], stuck: [], busy: false };
  // A broker that could not be reached sends nothing, but every file is still looked at.
  if (session instanceof DeliveryError) report.error = session;
  // The usual case, an empty spool, costs one directory read and no lock.
  if ((await listSpool(dir)).length === 0) return report;
  const lock = await lockSpool(dir, options.lockWait ?? deadline, options.foreign);
  if (!lock) return { ...report, busy: true };
  const aside = async (path: string, kind: AsideKind, reason: string, notAllowed?: true) => {
    const moved = await moveAside(path, kind, reason);
    report.movedAside.push({ path: moved, kind, reason, ...(notAllowed ? { notAllowed } : {}) });
  };
  // Moved aside before any sending, or left and said when it cannot be: what is said.
  const setAside = async (file: string, kind: AsideKind, reason: string, notAllowed?: true) => {
    try {
      await aside(file, kind, reason, notAllowed);
      return `moved aside: ${report.movedAside.at(-1)!.path}: ${reason}`;
    } catch (e) {
      // Still in the way (a directory that cannot be renamed over its .bad, say): left,
      // and said each time, never passed over.
      report.left++;
      report.stuck.push({
        path: file,
        reason: `cannot move it aside (${ioReason(e)})`,
        ...(notAllowed ? { notAllowed } : {}),
      });
      return `${report.stuck.at(-1)!.reason}: ${file}: ${reason}`;
    }
  };
  try {
    await removeStaleTemporaries(dir);
    const files = await listSpool(dir);
    const defaults = {
      sentAt: formatSentAt(new Date()),
      newId: () => crypto.randomUUID(),
      topicPrefix: config.topicPrefix,
    };
    for (let at = 0; at < files.length; at += BATCH) {
      const valid: { file: string; item: Addressed }[] = [];
      for (const file of files.slice(at, at + BATCH)) {
        const record = await readSpoolFile(file, defaults);
        if (!record.message) {
          const said = await setAside(file, "bad", record.problems.map(formatProblem).join("; "));
          // Neither delivered nor kept for delivery: failed. Its id cannot be read.
          options.report?.([{
            id: "-",
            routingKey: "-",
            outcome: "failed",
            reason: `not a valid message, ${said}`,
          }]);
        } else {
          const item = record.destination
            ? { message: record.message, ...record.destination }
            : address(record.message, config);
          const notAllowed = options.user === undefined
            ? undefined
            : userDestinationProblem(options.user, item, item.message.topic, config);
          if (notAllowed === undefined) {
            valid.push({ file, item });
            continue;
          }
          // Never sent with root's identity, whether or not a broker is there; refused for good.
          const said = await setAside(file, "refused", notAllowed, true);
          options.report?.([{
            id: item.message.id,
            routingKey: item.routingKey,
            outcome: "refused",
            reason: `not sent, ${said}`,
          }]);
        }
      }
      if (report.error || session instanceof DeliveryError) {
        // No round is sent once one failed (or with no broker): the rest stays, said so.
        const why = report.error as DeliveryError;
        report.left += valid.length;
        options.report?.(valid.map(({ item }) => ({
          id: item.message.id,
          routingKey: item.routingKey,
          ...undelivered(why, true),
        })));
        continue;
      }
      const removals: Promise<void>[] = [];
      // The bound is on the broker's progress, counted from this round, the first too: a
      // spool sent before this one (root's, before a user's), reading this round's files, or
      // connecting, is not the broker making none, and a stall would be remembered (fail-fast).
      const deliveries = await publishOn(
        session.broken ?? session.stalled ?? session,
        valid.map((v) => v.item),
        Date.now() + config.timeoutMs,
        {
          idleMs: config.timeoutMs,
          onConfirm: (i) => removals.push(Deno.remove(valid[i]!.file).catch(() => {})),
        },
      );
      await Promise.all(removals);
      // A message not sent stays in the spool; one refused for good is moved aside.
      // Whatever flush moves aside was refused for good, as its exit code (121) says.
      options.report?.(
        deliveries.map((d) =>
          d.outcome.ok || d.outcome.error.transient
            ? outcomeOf(d, true)
            : { ...outcomeOf(d, false), outcome: "refused" }
        ),
      );
      for (let i = 0; i < deliveries.length; i++) {
        const outcome = deliveries[i]!.outcome;
        if (outcome.ok) report.sent++;
        else if (!outcome.error.transient) {
          await aside(valid[i]!.file, "refused", outcome.error.message);
        } else {
          report.left++;
          report.error ??= outcome.error;
        }
      }
    }
    return report;
  } finally {
    lock.release();
  }
}

const NOT_ALLOWED = "not sent (a user's message where root sends none of theirs)";

/** Stderr lines about a flush, when there is anything to say. */
export function sayFlush(report: FlushReport, dir: string): void {
  for (const a of report.movedAside) {
    const what = a.notAllowed
      ? NOT_ALLOWED
      : a.kind === "bad"
      ? "not a valid message"
      : "refused by the broker";
    say(`spool ${dir}: ${what}, moved aside: ${a.path}: ${a.reason}`);
  }
  for (const s of report.stuck) {
    say(
      `spool ${dir}: ${s.notAllowed ? NOT_ALLOWED : "not a valid message"}, ${s.reason}: ${s.path}`,
    );
  }
  if (report.sent > 0 || report.left > 0) {
    note(
      `spool ${dir}: ${report.sent} spooled message(s) sent` +
        (report.left > 0
          ? `, ${report.left} left${report.error ? `: ${report.error.message}` : ""}`
          : ""),
    );
  }
}
