/**
 * The last leg every sending command shares: dry run, or connect (failfast.ts), drain the
 * spool (flush.ts), publish, await confirms, spool what may be delivered later (run_spool.ts),
 * and report. A message that is confirmed or durably spooled counts as accepted: reporting
 * must never break the job it reports on.
 */
import { type Config, redactUrl } from "../config.ts";
import { DeliveryError, EXIT } from "../errors.ts";
import { type Message, toDumpLine } from "../message/message.ts";
import { note, out, say } from "../io/output.ts";
import { outcomeOf, type Reporter } from "./outcomes.ts";
import type { Progress } from "../io/progress.ts";
import { Interruption } from "../io/interrupt.ts";
import { RunSpool } from "./run_spool.ts";
import { address, publishOn } from "./session.ts";
import { openOrSkip, rememberStall } from "./failfast.ts";
import { flushSpool, sayFlush } from "./flush.ts";
import { Tally } from "./failures.ts";
import { toAsyncIterator } from "./batches.ts";

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

/**
 * The full path of `publish` and `sync-event`: connect, drain the spool, publish each batch
 * (pipelined, confirms awaited), spool what failed for a reason that may pass, report. The
 * bound is on progress: once the broker made none for the timeout, no further round is sent
 * and the rest is spooled. SIGINT/SIGTERM stop sending at once, await the confirms of what
 * was sent for a grace (session.ts: SIGNAL_GRACE_MS; a second signal: no longer), and spool the rest. With
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
  const failFast = stateDir && options.retryAfterMs
    ? { dir: stateDir, windowMs: options.retryAfterMs }
    : undefined;
  let session = await openOrSkip(config, deadline, failFast, interruption);
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
    // The bound is on the broker's progress, counted from here: neither the wait for input (a
    // live pipe's first line may come minutes after connecting) nor a long drain of the spool
    // before it is the broker making none, and a stall is remembered (fail-fast).
    deadline = Date.now() + config.timeoutMs;
    const batch = step.value;
    if (batch.length === 0) continue;
    if (!(session instanceof DeliveryError)) {
      const ended = interruption.error ?? session.broken ?? session.stalled;
      if (ended) {
        // Before a live stream's next batch tries again: within the window it spools at once.
        await rememberStall(session, config, failFast, interruption);
        if (!session.broken) session.interrupt(ended);
        session = ended;
      }
    }
    if (
      session instanceof DeliveryError && options.reconnect && session.transient &&
      !interruption.error
    ) {
      session = await openOrSkip(config, deadline, failFast, interruption);
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
  if (!(session instanceof DeliveryError)) {
    await rememberStall(session, config, failFast, interruption);
    await session.close(Date.now() + 1000);
  }
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
