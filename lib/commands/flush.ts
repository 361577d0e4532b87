/** `busmsg flush`: send everything in the spool, oldest first. */
import { configFrom, parseCommand } from "../cli/options.ts";
import {
  BROKER_OPTIONS,
  formatOptions,
  HELP_OPTION,
  OUTPUT_OPTIONS,
  SPOOL_DIR_OPTION,
} from "../cli/option_table.ts";
import { reporterFor } from "../delivery/outcomes.ts";
import { DeliveryError, EXIT, UsageError } from "../errors.ts";
import { note, out, say } from "../io/output.ts";
import { flushSpool, sayFlush } from "../delivery/flush.ts";
import { address } from "../delivery/session.ts";
import { openOrSkip, rememberStall } from "../delivery/failfast.ts";
import { formatSentAt } from "../message/message.ts";
import { checkSpoolDir } from "../spool/safety.ts";
import { listSpool, resolveSpool, waitingEntries } from "../spool/spool.ts";
import {
  SYSTEM_SPOOL,
  type SystemSpool,
  systemSpools,
  userDestinationProblem,
} from "../spool/users.ts";
import { Interruption } from "../io/interrupt.ts";
import { printable } from "../text/printable.ts";

/** The options of `busmsg flush`. */
export const OPTIONS = {
  ...SPOOL_DIR_OPTION,
  strict: {
    type: "boolean",
    group: SPOOL_DIR_OPTION["spool-dir"].group,
    help: "exit 75 when another process holds the spool (it is sending)",
  },
  ...BROKER_OPTIONS,
  ...OUTPUT_OPTIONS,
  ...HELP_OPTION,
} as const;

export const HELP = `Usage: busmsg flush [options]

Sends every spooled message, oldest first, each with its original id and sent-at, to the
exchange and routing key it was first meant for, and deletes each file as soon as the
broker confirms it. A message the broker refuses for good is moved aside (renamed
*.refused, the broker's reason in *.reason next to it), and so is a file that is not a
valid message (*.bad), or not a regular file (a symlink is never followed, a FIFO never
opened): kept, never deleted, never sent again. Holds the spool's lock: two
flushes never send the same message. Run it from cron, or let the next successful
publish/sync-event drain the spool by itself. --dry-run prints "ID ROUTING_KEY EXCHANGE
FILE" per waiting message ("-" for a file that is not a valid message), and says on stderr
each user's message that flush would move aside rather than send (see below).
Run as root with the system spool (the default), it goes through root's spool and then
every user's directory under /var/spool/busmsg/users, each checked against the ownership
rule as its owner (a symlink there is never followed); a directory that may not be used is
said and makes the exit status 2, the others are still sent. A user's message is sent only
where that user's busmsg could have sent it through root's configuration: root's exchange,
and a routing key under root's topic prefix in logging.stats that is the message's own
topic under that prefix; any other is never sent with
root's identity but moved aside as *.refused, said with the user, the file and why.

${formatOptions(OPTIONS)}

Examples:
  busmsg flush
  */30 * * * *  root  /usr/bin/busmsg flush >/dev/null       (/etc/cron.d/busmsg)

Prints "N sent, M left" on stdout, also when the broker cannot be reached (--json: one
object per file looked at instead: delivered, spooled (still waiting, with why), refused
(moved aside), or failed (not a valid message, moved aside; its id is "-")).
SIGINT or SIGTERM (cron's timeout, systemd) stops the sending: the confirms of what was
sent are awaited up to 2 s (a second signal: not at all), each confirmed file is deleted,
and "N sent, M left" is printed as at any other end; the rest waits for the next flush.
Exit status: 0 when nothing is left waiting (or another process is sending it), 111 when
messages are left (broker unreachable, no progress within the timeout, or stopped by
SIGINT/SIGTERM), 121 when the
broker refused messages, or a user's messages were not sent (moved aside), 1 when a file that is not a valid message could not
be moved aside (left), 2 usage or config, or a spool directory that may not be used (owned
by another user, or writable by group or others).`;

/**
 * The spools a flush goes through: for root with the system spool, root's and every user's
 * directory under it (each checked against the ownership rule as its owner); else the one.
 */
async function spoolsToFlush(dir: string): Promise<SystemSpool[]> {
  const uid = Deno.uid() ?? 0;
  const spools = uid === 0 && dir === SYSTEM_SPOOL
    ? await systemSpools()
    : [{ user: "", dir, uid }];
  for (const spool of spools) {
    if (spool.problem) continue;
    const check = await checkSpoolDir(spool.dir, spool.uid);
    if (!check.ok) spool.problem = check.reason;
  }
  return spools;
}

/**
 * The user whose spool this is when it is a user's directory of the system tree (whoever owns
 * it): its files name destinations that root's identity must not be lent to.
 */
function guardedUser(spool: SystemSpool): string | undefined {
  return spool.user !== "" && spool.dir !== SYSTEM_SPOOL ? spool.user : undefined;
}

/** Runs `busmsg flush`. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("flush", args, OPTIONS);
  if (positionals.length > 0) throw new UsageError("flush: takes no arguments");
  const report = reporterFor(values, false);
  // The summary line is for people and the default output; --json and --quiet replace it.
  const summary = (text: string) => {
    if (!values.json && !values.quiet) out(text);
  };
  const spool = resolveSpool(values, (name) => Deno.env.get(name));
  if (spool.dir === undefined) throw new UsageError(spool.problem ?? "flush: no spool directory");
  const dir = spool.dir;
  const config = await configFrom(values);
  const all = await spoolsToFlush(dir);
  const spools = all.filter((s) => !s.problem);
  const unusable = all.filter((s) => s.problem);
  const [first] = unusable;
  if (spools.length === 0 && first) {
    for (const s of unusable.slice(1)) say(`spool ${s.dir}: not used: ${s.problem}`);
    throw new UsageError(`spool ${first.dir}: not used: ${first.problem}`);
  }
  // One spool that may not be used does not keep the others waiting; it is said, and exit 2.
  for (const s of unusable) say(`spool ${s.dir}: not used: ${s.problem}`);
  if (values["dry-run"]) {
    const defaults = {
      sentAt: formatSentAt(new Date()),
      newId: () => "-",
      topicPrefix: config.topicPrefix,
    };
    let count = 0;
    for (const spool of spools) {
      const { dir } = spool;
      const entries = await waitingEntries(dir, defaults, (m) => address(m, config));
      count += entries.length;
      const user = guardedUser(spool);
      for (const { path, destination, topic } of entries) {
        const why = user && destination && topic !== undefined &&
          userDestinationProblem(user, destination, topic, config);
        if (why) say(`spool ${dir}: would not be sent, but moved aside: ${path}: ${why}`);
      }
      // One line per file whatever a user named it or wrote in it (stdout is mail and journal).
      out(
        entries.map((e) =>
          printable(
            `${e.id ?? "-"} ${e.destination?.routingKey ?? "-"} ${
              e.destination?.exchange ?? "-"
            } ${e.path}`,
          ) + "\n"
        ).join(""),
      );
    }
    note(
      `dry run: ${count} spooled message(s) in ${spools.map((s) => s.dir).join(", ")}, none sent`,
    );
    return unusable.length > 0 ? EXIT.USAGE : EXIT.OK;
  }
  let waiting = 0;
  for (const { dir } of spools) waiting += (await listSpool(dir)).length;
  if (waiting === 0) {
    summary("0 sent, 0 left\n");
    return unusable.length > 0 ? EXIT.USAGE : EXIT.OK;
  }
  const deadline = Date.now() + config.timeoutMs;
  // SIGINT/SIGTERM: stop sending, wait briefly for the confirms, then say what was sent and
  // what is left, as at any other end (the summary is what cron mails).
  const interruption = new Interruption();
  // Always tries, whatever a recent failure says (fail-fast is for the sending commands), and
  // keeps the state for them (in the first spool: root's). A broker that could not be reached
  // still has every spool looked at, so that stdout says what is left (and --json what each is).
  const failFast = { dir: spools[0]!.dir, windowMs: 0 };
  const session = await openOrSkip(config, deadline, failFast, interruption);
  if (session instanceof DeliveryError && session !== interruption.error) interruption.dispose();
  try {
    let sent = 0, left = 0, busy = 0, refused = false;
    let failure: number | undefined;
    for (const spool of spools) {
      const { dir, uid } = spool;
      // Another process sending from a spool is doing this job already: no need to wait.
      const lockWait = Math.max(Math.min(deadline, Date.now() + 200), Date.now());
      const foreign = uid !== (Deno.uid() ?? 0);
      const user = guardedUser(spool);
      const guard = user === undefined ? {} : { user };
      let flushed;
      try {
        flushed = await flushSpool(session, config, dir, deadline, {
          lockWait,
          report,
          foreign,
          ...guard,
        });
      } catch (e) {
        // A user's spool whose lock cannot be taken safely is left, said, and exit 2.
        say((e as Error).message);
        left += (await listSpool(dir)).length;
        unusable.push({ user: "", dir, uid, problem: (e as Error).message });
        continue;
      }
      if (flushed.busy) {
        note(`spool ${dir}: busy: another busmsg process is sending from it; nothing done`);
        // Left for the other process to send, which is why this is no failure (exit 0).
        left += (await listSpool(dir)).length;
        busy++;
        continue;
      }
      // What was left for want of a broker is said once, by the error.
      sayFlush(session instanceof DeliveryError ? { ...flushed, left: 0 } : flushed, dir);
      sent += flushed.sent;
      left += flushed.left;
      refused ||= flushed.movedAside.some((a) => a.kind === "refused");
      // Left without a delivery error: only files that could not even be moved aside.
      if (!(session instanceof DeliveryError) && flushed.left > 0) {
        failure ??= flushed.error?.exitCode ?? EXIT.FAILURE;
      }
    }
    // A broker that took the connection and then confirmed nothing is remembered as well.
    await rememberStall(session, config, failFast, interruption);
    summary(`${sent} sent, ${left} left\n`);
    if (session instanceof DeliveryError) throw session;
    if (failure !== undefined) return failure;
    if (refused) return EXIT.REFUSED;
    if (unusable.length > 0) return EXIT.USAGE;
    if (busy > 0 && values.strict) return EXIT.SPOOLED;
    return EXIT.OK;
  } finally {
    interruption.dispose();
    if (!(session instanceof DeliveryError)) {
      // Its own bound: the run's deadline has long passed after a large spool.
      await session.close(Date.now() + 1000);
    }
  }
}
