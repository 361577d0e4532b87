/**
 * The last leg every sending command shares: dry run, or connect, drain the spool, publish,
 * await confirms, spool what may be delivered later, and report. A message that is confirmed
 * or durably spooled counts as accepted: reporting must never break the job it reports on.
 */
import type { Config } from "./config.ts";
import { redactUrl } from "./config.ts";
import { DeliveryError, EXIT } from "./errors.ts";
import { parseAndCheck } from "./lines.ts";
import { formatSentAt, type Message, toDumpLine } from "./message.ts";
import { out, say } from "./output.ts";
import { listSpool, lockSpool, moveAside, spoolMessages } from "./spool.ts";
import { BrokerSession, type Deadline, type Outcome } from "./transport.ts";
import { toPublication } from "./wire.ts";

/** One message and what became of it. */
export interface Delivery {
  message: Message;
  routingKey: string;
  outcome: Outcome;
}

/** How a sending command wants delivery done. */
export interface SendOptions {
  /** Print "ID ROUTING_KEY" per published message on stdout. */
  printIds: boolean;
  /** Spool directory, or undefined for `--no-spool`. */
  spoolDir: string | undefined;
  /** Exit 75 instead of 0 when messages were spooled rather than delivered. */
  strict: boolean;
}

/** Prints the messages as dump lines instead of sending them. */
export function dryRun(messages: Message[], config: Config): number {
  out(messages.map((m) => toDumpLine(m) + "\n").join(""));
  say(
    `dry run: ${messages.length} message(s) not sent (exchange ${config.exchange} at ${
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
  lockWait: Deadline = deadline,
): Promise<FlushReport> {
  const report: FlushReport = { sent: 0, left: 0, movedAside: [], busy: false };
  const lock = await lockSpool(dir, lockWait);
  if (!lock) return { ...report, busy: true };
  try {
    const files = await listSpool(dir);
    if (files.length === 0) return report;
    const defaults = {
      sentAt: formatSentAt(new Date()),
      newId: () => crypto.randomUUID(),
      topicPrefix: config.topicPrefix,
    };
    const valid: { file: string; message: Message }[] = [];
    for (const file of files) {
      let text = "";
      try {
        text = await Deno.readTextFile(file);
      } catch {
        // Unreadable (e.g. bad UTF-8): treated as not a message.
      }
      const parsed = parseAndCheck(text.replace(/\n$/, ""), defaults);
      if (parsed.message) valid.push({ file, message: parsed.message });
      else report.movedAside.push(await moveAside(file));
    }
    const deliveries = await publishOn(session, valid.map((v) => v.message), config, deadline);
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
    say(
      `spool ${dir}: ${report.sent} spooled message(s) sent` +
        (report.left > 0 ? `, ${report.left} left: ${report.error?.message}` : ""),
    );
  }
}

// When several reasons apply, the one a script most needs to hear wins.
const RANK: Record<number, number> = { [EXIT.REFUSED]: 3, [EXIT.FAILURE]: 2, [EXIT.CONNECT]: 1 };

/** Reports failures on stderr (one line per reason) and returns the worst exit code. */
export function reportFailures(deliveries: Delivery[], what = "not published"): number {
  const byReason = new Map<string, { error: DeliveryError; count: number }>();
  for (const d of deliveries) {
    if (d.outcome.ok) continue;
    const entry = byReason.get(d.outcome.error.message);
    if (entry) entry.count++;
    else byReason.set(d.outcome.error.message, { error: d.outcome.error, count: 1 });
  }
  let code: number = EXIT.OK;
  for (const { error, count } of byReason.values()) {
    say(`${count} of ${deliveries.length} message(s) ${what}: ${error.message}`);
    if ((RANK[error.exitCode] ?? 0) > (RANK[code] ?? 0)) code = error.exitCode;
  }
  return code;
}

/**
 * The full path of `publish` and `sync-event`: connect, drain the spool, publish, spool what
 * failed for a reason that may pass, report. Returns the exit code.
 */
export async function deliverAndReport(
  messages: Message[],
  config: Config,
  options: SendOptions,
): Promise<number> {
  const deadline = Date.now() + config.timeoutMs;
  const session = await openSession(config, deadline);
  if (!(session instanceof DeliveryError) && options.spoolDir) {
    // A backlog drains by itself; never wait long for another process that is flushing.
    const flushed = await flushSpool(
      session,
      config,
      options.spoolDir,
      deadline,
      Math.min(deadline, Date.now() + 200),
    );
    sayFlush(flushed, options.spoolDir);
  }
  const deliveries = await publishOn(session, messages, config, deadline);
  if (!(session instanceof DeliveryError)) {
    await session.close(Math.min(deadline, Date.now() + 1000));
  }
  if (options.printIds) {
    out(
      deliveries.filter((d) => d.outcome.ok).map((d) => `${d.message.id} ${d.routingKey}\n`).join(
        "",
      ),
    );
  }
  const deferred = deliveries.filter((d) => !d.outcome.ok && d.outcome.error.transient);
  const hard = deliveries.filter((d) => !d.outcome.ok && !d.outcome.error.transient);
  let code = reportFailures(hard);
  if (deferred.length === 0) return code;
  if (options.spoolDir) {
    try {
      await spoolMessages(options.spoolDir, deferred.map((d) => d.message));
      const reason = deferred[0]!.outcome.ok ? "" : deferred[0]!.outcome.error.message;
      say(
        `warning: ${deferred.length} of ${deliveries.length} message(s) spooled in ${options.spoolDir} ` +
          `for later delivery ('busmsg flush', or the next successful run): ${reason}`,
      );
      if (code === EXIT.OK && options.strict) code = EXIT.SPOOLED;
      return code;
    } catch (e) {
      say(asDeliveryError(e).message);
    }
  }
  const failed = reportFailures(deferred);
  return (RANK[failed] ?? 0) > (RANK[code] ?? 0) ? failed : code;
}
