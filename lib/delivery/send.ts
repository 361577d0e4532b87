/**
 * The last leg every sending command shares: dry run, or connect, drain the spool, publish,
 * await confirms, spool what may be delivered later, and report. A message that is confirmed
 * or durably spooled counts as accepted: reporting must never break the job it reports on.
 */
import type { Config } from "../config.ts";
import { redactUrl } from "../config.ts";
import { ioReason } from "../errors.ts";
import { DeliveryError, EXIT } from "../errors.ts";
import { formatProblem, formatSentAt, type Message, toDumpLine } from "../message/message.ts";
import { routingKey } from "../message/message.ts";
import { note, out, say } from "../io/output.ts";
import { type MessageOutcome, type Reporter, undelivered } from "./outcomes.ts";
import type { Progress } from "../io/progress.ts";
import { Interruption } from "../io/interrupt.ts";
import type { Destination } from "../spool/record.ts";
import { lockSpool } from "../spool/lock.ts";
import { RunSpool } from "./run_spool.ts";
import {
  type AsideKind,
  listSpool,
  moveAside,
  readSpoolFile,
  removeStaleTemporaries,
} from "../spool/spool.ts";
import { BrokerSession, type Deadline, type Outcome } from "../bus/transport.ts";
import { clearFailure, recentFailure, recordFailure, unreachable } from "../spool/failfast.ts";
import { toPublication } from "../message/wire.ts";
import { consoleReporter } from "./console.ts";

/** A message and where it goes. */
export interface Addressed extends Destination {
  message: Message;
}

/** One message and what the broker made of it. */
export interface Delivery extends Addressed {
  outcome: Outcome;
}

/** How a sending command wants delivery done. */
export interface SendOptions {
  /** Told what became of each message, batch by batch (it prints ids, JSON, or nothing). */
  report: Reporter;
  /** Spool directory, or undefined for `--no-spool` (or see `spoolProblem`). */
  spoolDir: string | undefined;
  /** Why there is no spool directory although one was wanted. */
  spoolProblem?: string | undefined;
  /** Exit 75 instead of 0 when messages were spooled rather than delivered. */
  strict: boolean;
  /** After a failure to reach the broker, spool at once for this long (0: always try). */
  retryAfterMs?: number;
  /** Where a message came from (`FILE:LINE`), to name it in reports. */
  originOf?: (m: Message) => string | undefined;
}

/** Prints the messages as dump lines, as they come, instead of sending them. */
export async function dryRun(
  batches: Iterable<Message[]> | AsyncIterable<Message[]>,
  config: Config,
): Promise<number> {
  let count = 0;
  for await (const batch of batches) {
    out(batch.map((m) => toDumpLine(m) + "\n").join(""));
    count += batch.length;
  }
  note(
    `dry run: ${count} message(s) not sent (exchange ${config.exchange} at ${
      redactUrl(config.amqpUrl)
    }, topic prefix "${config.topicPrefix}")`,
  );
  return EXIT.OK;
}

function asDeliveryError(e: unknown): DeliveryError {
  return e instanceof DeliveryError ? e : new DeliveryError(String(e), EXIT.FAILURE, true);
}

/** Where the configuration sends a message: its exchange, the topic behind its prefix. */
export function address(message: Message, config: Config): Addressed {
  return {
    message,
    exchange: config.exchange,
    routingKey: routingKey(config.topicPrefix, message.topic),
  };
}

async function publishOn(
  session: BrokerSession | DeliveryError,
  items: Addressed[],
  deadline: Deadline,
  options: { idleMs?: number; onConfirm?: (index: number) => void } = {},
): Promise<Delivery[]> {
  const outcomes: Outcome[] = session instanceof DeliveryError
    ? items.map(() => ({ ok: false, error: session }))
    : await session.publish(
      items.map((it) => ({
        ...toPublication(it.message, it.exchange, ""),
        routingKey: it.routingKey,
      })),
      deadline,
      options,
    );
  return items.map((it, i) => ({ ...it, outcome: outcomes[i]! }));
}

async function openSession(
  config: Config,
  deadline: Deadline,
  interruption?: Interruption,
): Promise<BrokerSession | DeliveryError> {
  const opening = BrokerSession.open(config, deadline, consoleReporter()).catch(asDeliveryError);
  if (!interruption) return await opening;
  const session = await Promise.race([opening, interruption.signalled]);
  if (session instanceof BrokerSession) {
    interruption.onSignal((e) => session.stop(e, SIGNAL_GRACE_MS));
    interruption.onRepeat((e) => session.interrupt(e));
  } else opening.then((s) => s instanceof BrokerSession && s.interrupt(session));
  return session;
}

/**
 * Opens a session unless the broker failed within `--retry-after` (then the reason to spool
 * at once); remembers a failure to reach it, and forgets it on success.
 */
async function openOrSkip(
  config: Config,
  deadline: Deadline,
  dir: string | undefined,
  retryAfterMs: number | undefined,
  interruption: Interruption,
): Promise<BrokerSession | DeliveryError> {
  if (!dir || !retryAfterMs) return await openSession(config, deadline, interruption);
  const skip = await recentFailure(dir, config.amqpUrl, retryAfterMs, Date.now());
  if (skip) return skip;
  const budgetMs = deadline - Date.now();
  const session = await openSession(config, deadline, interruption);
  if (!(session instanceof DeliveryError)) await clearFailure(dir, config.amqpUrl);
  else if (unreachable(session, budgetMs) && session !== interruption.error) {
    await recordFailure(dir, config.amqpUrl, session, Date.now());
  }
  return session;
}

/** Publishes all messages on one connection, bounded by `deadline`; no spool. */
export async function deliver(
  messages: Message[],
  config: Config,
  deadline: Deadline = Date.now() + config.timeoutMs,
): Promise<Delivery[]> {
  const session = await openSession(config, deadline);
  const deliveries = await publishOn(session, messages.map((m) => address(m, config)), deadline);
  if (!(session instanceof DeliveryError)) {
    await session.close(Math.min(deadline, Date.now() + 1000));
  }
  return deliveries;
}

/** A spool file moved aside during a flush. */
export interface MovedAside {
  path: string;
  kind: AsideKind;
  reason: string;
}

/** What a flush of the spool did. */
export interface FlushReport {
  sent: number;
  left: number;
  movedAside: MovedAside[];
  /** Files that are not valid messages and could not be moved aside: left, counted in `left`. */
  stuck: { path: string; reason: string }[];
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
 * session that could not be opened, none is sent. Every file looked at is reported.
 */
export async function flushSpool(
  session: BrokerSession | DeliveryError,
  config: Config,
  dir: string,
  deadline: Deadline,
  options: { lockWait?: Deadline; report?: Reporter } = {},
): Promise<FlushReport> {
  const report: FlushReport = { sent: 0, left: 0, movedAside: [], stuck: [], busy: false };
  // A broker that could not be reached sends nothing, but every file is still looked at.
  if (session instanceof DeliveryError) report.error = session;
  // The usual case, an empty spool, costs one directory read and no lock.
  if ((await listSpool(dir)).length === 0) return report;
  const lock = await lockSpool(dir, options.lockWait ?? deadline);
  if (!lock) return { ...report, busy: true };
  const aside = async (path: string, kind: AsideKind, reason: string) => {
    report.movedAside.push({ path: await moveAside(path, kind, reason), kind, reason });
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
          const reason = record.problems.map(formatProblem).join("; ");
          let said: string;
          try {
            await aside(file, "bad", reason);
            said = `moved aside: ${report.movedAside.at(-1)!.path}: ${reason}`;
          } catch (e) {
            // Still in the way (a directory that cannot be renamed over its .bad, say): left,
            // and said each time, never passed over.
            report.left++;
            report.stuck.push({ path: file, reason: `cannot move it aside (${ioReason(e)})` });
            said = `${report.stuck.at(-1)!.reason}: ${file}: ${reason}`;
          }
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
          valid.push({ file, item });
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
      const deliveries = await publishOn(
        session.broken ?? session.stalled ?? session,
        valid.map((v) => v.item),
        at === 0 ? deadline : Date.now() + config.timeoutMs,
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

/** Stderr lines about a flush, when there is anything to say. */
export function sayFlush(report: FlushReport, dir: string): void {
  for (const a of report.movedAside) {
    const what = a.kind === "bad" ? "not a valid message" : "refused by the broker";
    say(`spool ${dir}: ${what}, moved aside: ${a.path}: ${a.reason}`);
  }
  for (const s of report.stuck) say(`spool ${dir}: not a valid message, ${s.reason}: ${s.path}`);
  if (report.sent > 0 || report.left > 0) {
    note(
      `spool ${dir}: ${report.sent} spooled message(s) sent` +
        (report.left > 0
          ? `, ${report.left} left${report.error ? `: ${report.error.message}` : ""}`
          : ""),
    );
  }
}

// When several reasons apply, the one a script most needs to hear wins.
const RANK: Record<number, number> = { [EXIT.REFUSED]: 3, [EXIT.FAILURE]: 2, [EXIT.CONNECT]: 1 };

/** Reports failures on stderr (one line per reason) and returns the worst exit code. */
export function reportFailures(deliveries: Delivery[]): number {
  const tally = new Tally();
  for (const d of deliveries) if (!d.outcome.ok) tally.add(d.outcome.error);
  return tally.report(deliveries.length, "not published");
}

/** Messages per publish round: pipelined, then every confirm awaited (bounds memory). */
const BATCH = 2000;
/**
 * After SIGINT/SIGTERM, how long the confirms of messages already sent are awaited (they count
 * as delivered) before the rest is spooled: each one not awaited would be sent twice.
 */
const SIGNAL_GRACE_MS = 2000;
/** Inputs named per reason in a failure line, at most. */
const NAMED = 10;

/** Counts failures by reason across batches, for one line per reason at the end. */
class Tally {
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

/**
 * The full path of `publish` and `sync-event`: connect, drain the spool, publish each batch
 * (pipelined, confirms awaited), spool what failed for a reason that may pass, report. The
 * bound is on progress: once the broker made none for the timeout, no further round is sent
 * and the rest is spooled. SIGINT/SIGTERM stop sending at once, await the confirms of what
 * was sent for {@link SIGNAL_GRACE_MS} (a second signal: no longer), and spool the rest. With
 * `reconnect` (live streams) a lost connection is opened again for the next batch, and a
 * signal stops reading. Returns the exit code.
 */
export async function deliverAndReport(
  batches: Iterable<Message[]> | AsyncIterable<Message[]>,
  config: Config,
  options: SendOptions & { reconnect?: boolean; progress?: Progress | undefined },
  /** One the caller installed earlier (while reading its input); it stays the caller's. */
  earlier?: Interruption,
): Promise<number> {
  const interruption = earlier ?? new Interruption();
  try {
    return await sendAll(batches, config, options, interruption);
  } finally {
    if (!earlier) interruption.dispose();
  }
}

async function sendAll(
  batches: Iterable<Message[]> | AsyncIterable<Message[]>,
  config: Config,
  options: SendOptions & { reconnect?: boolean; progress?: Progress | undefined },
  interruption: Interruption,
): Promise<number> {
  const spool = await RunSpool.open(options.spoolDir, options.spoolProblem);
  let deadline = Date.now() + config.timeoutMs;
  // Fail-fast state lives in the spool: only in one that may be used.
  const stateDir = spool.usable ? spool.dir : undefined;
  let session = await openOrSkip(config, deadline, stateDir, options.retryAfterMs, interruption);
  if (!(session instanceof DeliveryError) && spool.drainable) {
    // A backlog drains by itself; never wait long for another process that is sending it.
    const lockWait = Math.min(deadline, Date.now() + 200);
    try {
      sayFlush(await flushSpool(session, config, spool.dir!, deadline, { lockWait }), spool.dir!);
    } catch (e) {
      say(`spool ${spool.dir}: not sent from: ${(e as Error).message}`);
    }
  }
  let total = 0;
  const failed = new Tally();
  let spooled = 0;
  let spoolReason = "";
  let spoolFix: string | undefined;
  let spoolError: string | undefined;
  const iterator = toAsyncIterator(batches);
  for (;;) {
    const pending = iterator.next();
    // A live stream is not read further after a signal; a file is spooled to its end.
    const step = options.reconnect
      ? await Promise.race([pending, interruption.signalled])
      : await pending;
    if (step instanceof DeliveryError || step.done) break;
    const batch = step.value;
    if (batch.length === 0) continue;
    if (total > 0) deadline = Date.now() + config.timeoutMs;
    if (!(session instanceof DeliveryError)) {
      const ended = interruption.error ?? session.broken ?? session.stalled;
      if (ended) {
        if (!session.broken) session.interrupt(ended);
        session = ended;
      }
    }
    if (
      session instanceof DeliveryError && options.reconnect && session.transient &&
      !interruption.error
    ) {
      session = await openOrSkip(config, deadline, stateDir, options.retryAfterMs, interruption);
    }
    const deliveries = await publishOn(
      interruption.error ?? session,
      batch.map((m) => address(m, config)),
      deadline,
      { idleMs: config.timeoutMs },
    );
    total += batch.length;
    options.progress?.update(total);
    const fates: boolean[] = new Array(deliveries.length).fill(false);
    const deferred: number[] = [];
    deliveries.forEach((d, i) => {
      if (d.outcome.ok) return;
      if (d.outcome.error.transient) deferred.push(i);
      else failed.add(d.outcome.error, 1, options.originOf?.(d.message));
    });
    if (deferred.length > 0) {
      const write = spool.off || spoolError !== undefined
        ? { written: deferred.map(() => false) }
        : await spool.write(deferred.map((i) => ({
          message: deliveries[i]!.message,
          destination: deliveries[i]!,
        })));
      if (write.error !== undefined) spoolError ??= write.error;
      deferred.forEach((i, k) => {
        const d = deliveries[i]!;
        if (write.written[k]) {
          fates[i] = true;
          spooled++;
          if (!d.outcome.ok) {
            spoolReason ||= d.outcome.error.message;
            spoolFix ??= d.outcome.error.fix;
          }
        } else if (!d.outcome.ok) failed.add(d.outcome.error, 1, options.originOf?.(d.message));
      });
    }
    options.report(deliveries.map((d, i) => outcomeOf(d, fates[i]!)));
  }
  options.progress?.clear();
  if (!(session instanceof DeliveryError)) await session.close(Date.now() + 1000);
  if (spoolError) say(spoolError);
  let code = failed.report(total, "not published");
  if (spooled > 0) {
    // A problem that will not heal is said even with --quiet; a passing outage is a note.
    (spoolFix ? say : note)(
      `warning: ${spooled} of ${total} message(s) spooled in ${spool.dir}` +
        (spoolFix
          ? `, but this is a configuration problem that will not heal by itself: ${spoolReason}: ${spoolFix}`
          : ` for later delivery ('busmsg flush', or the next successful run): ${spoolReason}`),
    );
    if (code === EXIT.OK && options.strict) code = EXIT.SPOOLED;
  }
  return code;
}

/** What became of one message, for the command's output; `spooled`: whether it was kept. */
export function outcomeOf(d: Delivery, spooled: boolean): MessageOutcome {
  const message = { id: d.message.id, routingKey: d.routingKey };
  return d.outcome.ok
    ? { ...message, outcome: "delivered" }
    : { ...message, ...undelivered(d.outcome.error, spooled && d.outcome.error.transient) };
}

function toAsyncIterator<T>(items: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in items) return items[Symbol.asyncIterator]();
  const it = items[Symbol.iterator]();
  return { next: () => Promise.resolve(it.next()) };
}

/** A message and the length of the line it came from. */
export interface Sized {
  message: Message;
  size: number;
}

/** Input bytes per publish round: a few large lines make a round, so memory stays bounded. */
const ROUND_BYTES = 2 * 1024 * 1024;

/** Groups messages into publish rounds of {@link BATCH} messages or {@link ROUND_BYTES}. */
export async function* inBatches(
  messages: Iterable<Sized> | AsyncIterable<Sized>,
): AsyncGenerator<Message[]> {
  let batch: Message[] = [];
  let bytes = 0;
  for await (const { message, size } of messages) {
    batch.push(message);
    bytes += size;
    if (batch.length >= BATCH || bytes >= ROUND_BYTES) {
      yield batch;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) yield batch;
}
