/**
 * The last leg every sending command shares: dry run, or connect, drain the spool, publish,
 * await confirms, spool what may be delivered later, and report. A message that is confirmed
 * or durably spooled counts as accepted: reporting must never break the job it reports on.
 */
import type { Config } from "../config.ts";
import { redactUrl } from "../config.ts";
import { DeliveryError, EXIT } from "../errors.ts";
import { parseAndCheck } from "../message/lines.ts";
import { formatSentAt, type Message, toDumpLine } from "../message/message.ts";
import { note, out, say } from "../cli/output.ts";
import { type MessageOutcome, type Reporter, undelivered } from "../cli/outcomes.ts";
import type { Progress } from "../cli/progress.ts";
import { listSpool, lockSpool, moveAside, spoolMessages } from "../spool/spool.ts";
import { BrokerSession, type Deadline, type Outcome } from "./transport.ts";
import { clearFailure, recentFailure, recordFailure, unreachable } from "../spool/failfast.ts";
import { toPublication } from "./wire.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** One message and what became of it. */
export interface Delivery {
  message: Message;
  routingKey: string;
  outcome: Outcome;
}

/** How a sending command wants delivery done. */
export interface SendOptions {
  /** Told what became of each message, batch by batch (it prints ids, JSON, or nothing). */
  report: Reporter;
  /** Spool directory, or undefined for `--no-spool`. */
  spoolDir: string | undefined;
  /** Exit 75 instead of 0 when messages were spooled rather than delivered. */
  strict: boolean;
  /** After a failure to reach the broker, spool at once for this long (0: always try). */
  retryAfterMs?: number;
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

async function publishOn(
  session: BrokerSession | DeliveryError,
  messages: Message[],
  config: Config,
  deadline: Deadline,
): Promise<Delivery[]> {
  const pubs = messages.map((m) => toPublication(m, config.exchange, config.topicPrefix));
  const outcomes: Outcome[] = session instanceof DeliveryError
    ? pubs.map(() => ({ ok: false, error: session }))
    : await session.publish(pubs, deadline);
  return messages.map((message, i) => ({
    message,
    routingKey: pubs[i]!.routingKey,
    outcome: outcomes[i]!,
  }));
}

async function openSession(
  config: Config,
  deadline: Deadline,
): Promise<BrokerSession | DeliveryError> {
  try {
    return await BrokerSession.open(config, deadline);
  } catch (e) {
    return asDeliveryError(e);
  }
}

/**
 * Opens a session unless the broker failed within `--retry-after` (then the reason to spool
 * at once); remembers a failure to reach it, and forgets it on success.
 */
async function openOrSkip(
  config: Config,
  deadline: Deadline,
  options: SendOptions,
): Promise<BrokerSession | DeliveryError> {
  const dir = options.spoolDir;
  if (!dir || !options.retryAfterMs) return await openSession(config, deadline);
  const skip = await recentFailure(dir, config.amqpUrl, options.retryAfterMs, Date.now());
  if (skip) return skip;
  const session = await openSession(config, deadline);
  if (!(session instanceof DeliveryError)) await clearFailure(dir, config.amqpUrl);
  else if (unreachable(session)) await recordFailure(dir, config.amqpUrl, session, Date.now());
  return session;
}

/** Publishes all messages on one connection, bounded by `deadline`; no spool. */
export async function deliver(
  messages: Message[],
  config: Config,
  deadline: Deadline = Date.now() + config.timeoutMs,
): Promise<Delivery[]> {
  const session = await openSession(config, deadline);
  const deliveries = await publishOn(session, messages, config, deadline);
  if (!(session instanceof DeliveryError)) {
    await session.close(Math.min(deadline, Date.now() + 1000));
  }
  return deliveries;
}

/** What a flush of the spool did. */
export interface FlushReport {
  sent: number;
  left: number;
  movedAside: string[];
  /** Why files were left, if any were. */
  error?: DeliveryError;
  /** True when another process held the lock (it is flushing). */
  busy: boolean;
}

/**
 * Sends spooled messages oldest first on an open session, deleting each file only after its
 * confirm. Files that are not valid messages are moved aside, never deleted.
 */
export async function flushSpool(
  session: BrokerSession,
  config: Config,
  dir: string,
  deadline: Deadline,
  options: { lockWait?: Deadline; extend?: boolean; report?: Reporter } = {},
): Promise<FlushReport> {
  const report: FlushReport = { sent: 0, left: 0, movedAside: [], busy: false };
  // The usual case, an empty spool, costs one directory read and no lock.
  if ((await listSpool(dir)).length === 0) return report;
  const lock = await lockSpool(dir, options.lockWait ?? deadline);
  if (!lock) return { ...report, busy: true };
  try {
    const files = await listSpool(dir);
    const defaults = {
      sentAt: formatSentAt(new Date()),
      newId: () => crypto.randomUUID(),
      topicPrefix: config.topicPrefix,
    };
    for (let at = 0; at < files.length; at += BATCH) {
      const valid: { file: string; message: Message }[] = [];
      for (const file of files.slice(at, at + BATCH)) {
        let text = "";
        try {
          text = strictUtf8.decode(await Deno.readFile(file));
        } catch {
          // Unreadable or not UTF-8 (never sent with U+FFFD in it): treated as not a message.
        }
        const parsed = parseAndCheck(text.replace(/\n$/, ""), defaults);
        if (parsed.message) valid.push({ file, message: parsed.message });
        else report.movedAside.push(await moveAside(file));
      }
      // `flush` gives each round the full timeout; the drain before a publish shares its deadline.
      const roundDeadline = options.extend && at > 0 ? Date.now() + config.timeoutMs : deadline;
      const deliveries = await publishOn(
        session,
        valid.map((v) => v.message),
        config,
        roundDeadline,
      );
      // A message not sent stays in the spool.
      options.report?.(deliveries.map((d) => outcomeOf(d, true)));
      for (let i = 0; i < deliveries.length; i++) {
        const outcome = deliveries[i]!.outcome;
        if (outcome.ok) {
          await Deno.remove(valid[i]!.file);
          report.sent++;
        } else {
          report.left++;
          report.error ??= outcome.error;
        }
      }
      if (report.error) {
        report.left += Math.max(0, files.length - at - BATCH);
        break;
      }
    }
    return report;
  } finally {
    lock.release();
  }
}

/** One stderr line about a flush, when there is anything to say. */
export function sayFlush(report: FlushReport, dir: string): void {
  for (const aside of report.movedAside) {
    say(`spool ${dir}: not a valid message, moved aside: ${aside}`);
  }
  if (report.sent > 0 || report.left > 0) {
    note(
      `spool ${dir}: ${report.sent} spooled message(s) sent` +
        (report.left > 0 ? `, ${report.left} left: ${report.error?.message}` : ""),
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

/** Counts failures by reason across batches, for one line per reason at the end. */
class Tally {
  readonly byReason = new Map<string, { error: DeliveryError; count: number }>();
  add(error: DeliveryError, count = 1): void {
    const entry = this.byReason.get(error.message);
    if (entry) entry.count += count;
    else this.byReason.set(error.message, { error, count });
  }
  /** Says one line per reason; returns the worst exit code (0 when none). */
  report(total: number, what: string): number {
    let code: number = EXIT.OK;
    for (const { error, count } of this.byReason.values()) {
      say(`${count} of ${total} message(s) ${what}: ${error.message}`);
      if ((RANK[error.exitCode] ?? 0) > (RANK[code] ?? 0)) code = error.exitCode;
    }
    return code;
  }
}

/**
 * The full path of `publish` and `sync-event`: connect, drain the spool, publish each batch
 * (pipelined, confirms awaited, each batch within the timeout), spool what failed for a
 * reason that may pass, report. With `reconnect` (live streams) a lost connection is opened
 * again for the next batch. Returns the exit code.
 */
export async function deliverAndReport(
  batches: Iterable<Message[]> | AsyncIterable<Message[]>,
  config: Config,
  options: SendOptions & { reconnect?: boolean; progress?: Progress | undefined },
): Promise<number> {
  let deadline = Date.now() + config.timeoutMs;
  let session = await openOrSkip(config, deadline, options);
  if (!(session instanceof DeliveryError) && options.spoolDir) {
    // A backlog drains by itself; never wait long for another process that is flushing.
    const lockWait = Math.min(deadline, Date.now() + 200);
    const flushed = await flushSpool(session, config, options.spoolDir, deadline, { lockWait });
    sayFlush(flushed, options.spoolDir);
  }
  let total = 0;
  const failed = new Tally();
  let spooled = 0;
  let spoolReason = "";
  let spoolFix: string | undefined;
  let spoolError: string | undefined;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    if (total > 0) deadline = Date.now() + config.timeoutMs;
    if (!(session instanceof DeliveryError) && session.broken) session = session.broken;
    if (session instanceof DeliveryError && options.reconnect && session.transient) {
      session = await openOrSkip(config, deadline, options);
    }
    const deliveries = await publishOn(session, batch, config, deadline);
    total += batch.length;
    options.progress?.update(total);
    const deferred: Message[] = [];
    let deferReason: DeliveryError | undefined;
    for (const d of deliveries) {
      if (d.outcome.ok) continue;
      if (d.outcome.error.transient) {
        deferred.push(d.message);
        deferReason ??= d.outcome.error;
      } else failed.add(d.outcome.error);
    }
    let spooledNow = false;
    if (deferred.length > 0 && options.spoolDir && spoolError === undefined) {
      try {
        await spoolMessages(options.spoolDir, deferred);
        spooled += deferred.length;
        spoolReason ||= deferReason!.message;
        spooledNow = true;
        spoolFix ??= deferReason!.fix;
      } catch (e) {
        spoolError = asDeliveryError(e).message;
      }
    }
    if (deferred.length > 0 && !spooledNow) failed.add(deferReason!, deferred.length);
    options.report(deliveries.map((d) => outcomeOf(d, spooledNow)));
  }
  options.progress?.clear();
  if (!(session instanceof DeliveryError)) await session.close(Date.now() + 1000);
  if (spoolError) say(spoolError);
  let code = failed.report(total, "not published");
  if (spooled > 0) {
    note(
      `warning: ${spooled} of ${total} message(s) spooled in ${options.spoolDir}` +
        (spoolFix
          ? `, but this is a configuration problem that will not heal by itself: ${spoolReason}: ${spoolFix}`
          : ` for later delivery ('busmsg flush', or the next successful run): ${spoolReason}`),
    );
    if (code === EXIT.OK && options.strict) code = EXIT.SPOOLED;
  }
  return code;
}

/** What became of one message; `spooled`: whether the undelivered ones were kept. */
export function outcomeOf(d: Delivery, spooled: boolean): MessageOutcome {
  const message = { id: d.message.id, routingKey: d.routingKey };
  return d.outcome.ok
    ? { ...message, outcome: "delivered" }
    : { ...message, ...undelivered(d.outcome.error, spooled && d.outcome.error.transient) };
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
