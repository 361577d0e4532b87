/** `busmsg flush`: send everything in the spool, oldest first. */
import { configFrom, parseCommand } from "../cli/options.ts";
import {
  BROKER_OPTIONS,
  formatOptions,
  HELP_OPTION,
  OUTPUT_OPTIONS,
  SPOOL_DIR_OPTION,
} from "../cli/option_table.ts";
import { reporterFor } from "../cli/outcomes.ts";
import { DeliveryError, EXIT, UsageError } from "../errors.ts";
import { note, out } from "../cli/output.ts";
import { flushSpool, sayFlush } from "../bus/send.ts";
import { listSpool, resolveSpool } from "../spool/spool.ts";
import { BrokerSession } from "../bus/transport.ts";
import { clearFailure, recordFailure, unreachable } from "../spool/failfast.ts";

/** The options of `busmsg flush`. */
export const OPTIONS = {
  ...SPOOL_DIR_OPTION,
  ...BROKER_OPTIONS,
  ...OUTPUT_OPTIONS,
  ...HELP_OPTION,
} as const;

export const HELP = `Usage: busmsg flush [options]

Sends every spooled message, oldest first, each with its original id and sent-at, and
deletes each file only after the broker's confirm. A file that is not a valid message is
moved aside (renamed *.bad) and reported, never deleted. Holds the spool's lock: two
flushes never send the same message. Run it from cron, or let the next successful
publish/sync-event drain the spool by itself.

${formatOptions(OPTIONS)}

Examples:
  busmsg flush
  */30 * * * *  root  /usr/local/bin/busmsg flush >/dev/null      (crontab)

Prints "N sent, M left" on stdout (--json: one object per message instead).
Exit status: 0 when the spool is empty afterwards, 111 when messages are left (broker
unreachable), 121 when the broker refused them, 2 usage or config.`;

/** Runs `busmsg flush`. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("flush", args, OPTIONS);
  if (positionals.length > 0) throw new UsageError("flush: takes no arguments");
  const report = reporterFor(values, false);
  // The summary line is for people and the default output; --json and --quiet replace it.
  const summary = (text: string) => {
    if (!values.json && !values.quiet) out(text);
  };
  const dir = resolveSpool(values, (name) => Deno.env.get(name)).dir!;
  const config = await configFrom(values);
  if (values["dry-run"]) {
    const files = await listSpool(dir);
    out(files.map((f) => f + "\n").join(""));
    note(`dry run: ${files.length} spooled message(s) in ${dir}, none sent`);
    return EXIT.OK;
  }
  if ((await listSpool(dir)).length === 0) {
    summary("0 sent, 0 left\n");
    return EXIT.OK;
  }
  const deadline = Date.now() + config.timeoutMs;
  // Always tries, whatever a recent failure says (fail-fast is for the sending commands).
  let session: BrokerSession;
  try {
    session = await BrokerSession.open(config, deadline);
  } catch (e) {
    if (e instanceof DeliveryError && unreachable(e)) {
      await recordFailure(dir, config.amqpUrl, e, Date.now());
    }
    throw e;
  }
  await clearFailure(dir, config.amqpUrl);
  try {
    const flushed = await flushSpool(session, config, dir, deadline, { extend: true, report });
    if (flushed.busy) {
      throw new DeliveryError(
        `spool ${dir}: another busmsg process held the lock until the timeout`,
        EXIT.CONNECT,
        true,
      );
    }
    sayFlush(flushed, dir);
    summary(`${flushed.sent} sent, ${flushed.left} left\n`);
    return flushed.left === 0 ? EXIT.OK : flushed.error?.exitCode ?? EXIT.CONNECT;
  } finally {
    await session.close(Math.min(deadline, Date.now() + 1000));
  }
}
