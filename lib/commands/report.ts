/** `busmsg report`: what happened in each sync run, from dump lines or live from the bus. */
import { configFrom, parseCommand } from "../cli/options.ts";
import { CONNECT_OPTIONS, formatOptions, HELP_OPTION } from "../cli/option_table.ts";
import { ioReason } from "../errors.ts";
import { EXIT, HelpRequested, UsageError } from "../errors.ts";
import { inputName, readLineBatches } from "../io/input.ts";
import { openDayFile } from "../io/day_file.ts";
import { listen } from "../bus/listening.ts";
import { out, say } from "../io/output.ts";
import { parseJson } from "../message/pyjson.ts";
import { printable } from "../text/printable.ts";
import {
  formatReport,
  needsAttention,
  summarize,
  type SyncEvent,
  syncEvent,
} from "../sync/report.ts";
import {
  expectHosts,
  nagiosLine,
  parseDate,
  parseExpectedHosts,
  type Selection,
  selectRuns,
  unknownLine,
} from "../sync/check.ts";
import { NAGIOS } from "../text/nagios.ts";
import { parseDuration } from "../text/duration.ts";
import { limitsFrom } from "./listen.ts";

/** The options of `busmsg report`. */
export const OPTIONS = {
  date: {
    type: "string",
    arg: "YYYY-MM-DD",
    help: "only runs that started on this day (UTC)",
  },
  since: {
    type: "string",
    arg: "DURATION",
    help: "only runs that started within this long (36h, 2d, 1h30m)",
  },
  "expect-hosts": {
    type: "string",
    arg: "FILE",
    help: "proxies that must appear in each run, one a line (# comments); one\n" +
      'with no event is a failure ("p2.example.org  MISSING: no events")',
  },
  nagios: {
    type: "boolean",
    help: "first one plugin line (SYNC OK|WARNING|CRITICAL|UNKNOWN - summary |\n" +
      "perfdata), then the report; exit codes as Nagios reads them (not with --json)",
  },
  json: { type: "boolean", help: "the summary as JSON, for tools" },
  live: {
    type: "boolean",
    help: "listen on the bus (logging.stats.sync.#) instead of reading files,\n" +
      "until --count messages, --timeout seconds of silence, or SIGINT",
  },
  count: { type: "string", arg: "N", help: "with --live: stop after N messages" },
  ...CONNECT_OPTIONS,
  "topic-prefix": {
    ...CONNECT_OPTIONS["topic-prefix"],
    help: "strip this prefix from topics (default: the config's)",
  },
  timeout: {
    ...CONNECT_OPTIONS.timeout,
    help: "with --live: stop after this long without a message",
  },
  ...HELP_OPTION,
} as const;

export const HELP = `Usage: busmsg report [options] [FILE|-]...
       busmsg report --live [--count N] [--timeout SECONDS] [broker options]

Summarises each sync run (by run_id) from logging.stats.sync.* dump lines (what 'busmsg
listen' and 'fedora-messaging record' write, topic prefix or not): start, finish and
duration; per proxy the dates finished, dates that failed for good (and why), retries,
skipped proxies (and why); dates and runs that never finished. The same events give the
same report in any order; an event seen twice (same id) counts once. Other topics are
passed over; a line not JSON or UTF-8, or a sync event its schema refuses, is said on stderr
(FILE:LINE: why, ignored). Reads stdin when no FILE is given; several files (day-*.jsonl) are read as one.
The config is read as by every command (for the topic prefix).

${formatOptions(OPTIONS)}

Examples:
  busmsg report day.jsonl
  busmsg report --date "$(date -u -d yesterday +%F)" --expect-hosts /etc/busmsg/proxies \\
      --nagios /var/log/busmsg/sync-*.jsonl
  busmsg report --live --conf consumer.toml --timeout 600 --json

Exit status: 1 when no run was found (a job that did not run is not a good day), or a run
has a final failure, a missing proxy, a date that never finished, or never finished
itself; else 0; 2 usage or config. With --nagios: 0 OK, 1 WARNING (proxies skipped), 2
CRITICAL (any of the above), 3 UNKNOWN (the check could not be made: bad option,
unreadable file, lost connection).`;

/** --json with --nagios: stdout would be neither JSON nor a plugin's output. */
class Incompatible extends UsageError {}

/** Runs `busmsg report`. */
export async function run(args: string[]): Promise<number> {
  if (!args.includes("--nagios")) return await report(args);
  try {
    return await report(args);
  } catch (e) {
    if (e instanceof HelpRequested || e instanceof Incompatible) throw e;
    // A monitoring system reads stdout and the exit code: a check that could not be made
    // is UNKNOWN there, not a usage error it would take for CRITICAL.
    out(printable(unknownLine((e as Error).message)) + "\n");
    return NAGIOS.UNKNOWN;
  }
}

async function report(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("report", args, OPTIONS);
  if (values.json && values.nagios) {
    throw new Incompatible("report: --json and --nagios do not go together");
  }
  const selection: Selection = {};
  if (values.date !== undefined) selection.date = parseDate(values.date);
  if (values.since !== undefined) {
    selection.since = Date.now() - parseDuration(values.since, "--since");
  }
  const expected = values["expect-hosts"] === undefined
    ? undefined
    : parseExpectedHosts(await readText(values["expect-hosts"]));
  const events: SyncEvent[] = [];
  if (values.live) {
    if (positionals.length > 0) throw new UsageError("report: --live reads the bus, not files");
    const limits = limitsFrom(values);
    const config = await configFrom({ ...values, timeout: undefined });
    const code = await listen(config, { bindings: ["logging.stats.sync.#"] }, limits, {
      message: (m) => {
        const e = syncEvent(
          { topic: m.topic, body: m.body, headers: m.headers, id: m.id },
          "",
          (why) => say(printable(`message ${m.id}: ${why}, ignored`)),
        );
        if (e) events.push(e);
        return true;
      },
    });
    if (code !== EXIT.OK) {
      if (values.nagios) throw new Error("listening ended early: the connection was lost");
      return code;
    }
  } else {
    const prefix = values["topic-prefix"] ?? (await configFrom(values)).topicPrefix;
    for (const path of positionals.length > 0 ? positionals : ["-"]) {
      for await (const batch of readLineBatches(path, await openDayFile(path))) {
        for (const line of batch) {
          // Every line not counted is said, one way: FILE:LINE: why, ignored.
          const ignored = (why: string) =>
            say(printable(`${inputName(path)}:${line.number}: ${why}, ignored`));
          if (line.text === undefined) {
            ignored(line.error ?? "cannot be read");
            continue;
          }
          if (line.text.trim() === "") continue;
          let parsed;
          try {
            parsed = parseJson(line.text);
          } catch {
            ignored("not JSON");
            continue;
          }
          const e = syncEvent(parsed, prefix, ignored);
          if (e) events.push(e);
        }
      }
    }
  }
  let runs = selectRuns(summarize(events), selection);
  if (expected) runs = expectHosts(runs, expected);
  const text = values.json ? JSON.stringify(runs, null, 2) + "\n" : formatReport(runs);
  if (values.nagios) {
    const { line, state } = nagiosLine(runs);
    out(`${printable(line)}\n${text}`);
    return state;
  }
  out(text);
  return needsAttention(runs) ? EXIT.FAILURE : EXIT.OK;
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new UsageError(`${path}: cannot read: ${ioReason(e)}`);
  }
}
