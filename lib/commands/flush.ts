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
import { note, out } from "../io/output.ts";
import { flushSpool, sayFlush } from "../delivery/flush.ts";
import { address } from "../delivery/session.ts";
import { openOrSkip } from "../delivery/failfast.ts";
import { formatSentAt } from "../message/message.ts";
import { checkSpoolDir } from "../spool/safety.ts";
import { listSpool, resolveSpool, waitingEntries } from "../spool/spool.ts";
import { Interruption } from "../io/interrupt.ts";

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
FILE" per waiting message ("-" for a file that is not a valid message).

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
broker refused messages (moved aside), 1 when a file that is not a valid message could not
be moved aside (left), 2 usage or config, or a spool directory that may not be used (owned
by another user, or writable by group or others).`;

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
  const check = await checkSpoolDir(dir);
  if (!check.ok) throw new UsageError(`spool ${dir}: not used: ${check.reason}`);
  if (values["dry-run"]) {
    const defaults = {
      sentAt: formatSentAt(new Date()),
      newId: () => "-",
      topicPrefix: config.topicPrefix,
    };
    const entries = await waitingEntries(dir, defaults, (m) => address(m, config));
    out(
      entries.map((e) =>
        `${e.id ?? "-"} ${e.destination?.routingKey ?? "-"} ${
          e.destination?.exchange ?? "-"
        } ${e.path}\n`
      ).join(""),
    );
    note(`dry run: ${entries.length} spooled message(s) in ${dir}, none sent`);
    return EXIT.OK;
  }
  if ((await listSpool(dir)).length === 0) {
    summary("0 sent, 0 left\n");
    return EXIT.OK;
  }
  const deadline = Date.now() + config.timeoutMs;
  // SIGINT/SIGTERM: stop sending, wait briefly for the confirms, then say what was sent and
  // what is left, as at any other end (the summary is what cron mails).
  const interruption = new Interruption();
  // Always tries, whatever a recent failure says (fail-fast is for the sending commands), and
  // keeps the state for them. A broker that could not be reached still has the spool looked
  // at, so that stdout says what is left (and --json what each is).
  const session = await openOrSkip(config, deadline, { dir, windowMs: 0 }, interruption);
  if (session instanceof DeliveryError && session !== interruption.error) interruption.dispose();
  try {
    // Another process sending from the spool is doing this job already: no need to wait.
    const lockWait = Math.max(Math.min(deadline, Date.now() + 200), Date.now());
    const flushed = await flushSpool(session, config, dir, deadline, { lockWait, report });
    if (flushed.busy) {
      note(`spool ${dir}: busy: another busmsg process is sending from it; nothing done`);
      // Left for the other process to send, which is why this is no failure (exit 0).
      summary(`0 sent, ${(await listSpool(dir)).length} left\n`);
      return values.strict ? EXIT.SPOOLED : EXIT.OK;
    }
    if (session instanceof DeliveryError) {
      sayFlush({ ...flushed, left: 0 }, dir); // what was left is said once, by the error
      summary(`0 sent, ${flushed.left} left\n`);
      throw session;
    }
    sayFlush(flushed, dir);
    summary(`${flushed.sent} sent, ${flushed.left} left\n`);
    // Left without a delivery error: only files that could not even be moved aside.
    if (flushed.left > 0) return flushed.error?.exitCode ?? EXIT.FAILURE;
    return flushed.movedAside.some((a) => a.kind === "refused") ? EXIT.REFUSED : EXIT.OK;
  } finally {
    interruption.dispose();
    if (!(session instanceof DeliveryError)) {
      await session.close(Math.min(deadline, Date.now() + 1000));
    }
  }
}
