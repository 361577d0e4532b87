/** `busmsg report`: what happened in each sync run, from dump lines or live from the bus. */
import { configFrom, parseCommand } from "../cli/options.ts";
import { CONNECT_OPTIONS, formatOptions, HELP_OPTION } from "../cli/option_table.ts";
import { EXIT, HelpRequested, ioReason, UsageError } from "../errors.ts";
import { inputName, readLineBatches } from "../io/input.ts";
import { openDayFile } from "../io/day_file.ts";
import { isRejectsPath, type KeptAside, keptAside } from "../io/side_file.ts";
import { listen } from "../bus/listening.ts";
import { consoleReporter } from "../delivery/console.ts";
import { out, say } from "../io/output.ts";
import { isJsonObject, type JsonValue, parseJson } from "../message/pyjson.ts";
import { MAX_PAGE_BYTES, pageMessages, startsMultilineDocument } from "../sync/datagrepper.ts";
import { jsonText, printable } from "../text/printable.ts";
import { messageLabel } from "../message/wire.ts";
import { formatReport, type Ignored, syncEvent } from "../sync/report.ts";
import { parseExpectedHosts } from "../sync/hosts.ts";
import {
  DEFAULT_ATTEMPT_TIMEOUT,
  DEFAULT_ATTEMPTS,
  summarize,
  type SyncEvent,
} from "../sync/runs.ts";
import { MERGE_BINDING, type MergeEvent, mergeEvent } from "../sync/merges.ts";
import { syncCheck, verdict } from "../sync/verdict.ts";
import { countIgnored, expectHosts, parseDate, selected, type Selection } from "../sync/check.ts";
import { coverage, DEFAULT_WINDOW } from "../sync/coverage.ts";
import { coverageCheck, coverageVerdict } from "../sync/coverage_verdict.ts";
import { type Check, checkExit, checkJson, pluginOutput, unknownCheck } from "../text/check.ts";
import { parseDuration } from "../text/duration.ts";
import { limitsFrom } from "./listen.ts";
import { coverageReport } from "./report_coverage.ts";

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
    help: "proxies that must appear in each run: the sync job's YAML host list\n" +
      "(its synced_hosts list) or one name a line (# comments); one with no\n" +
      'event is a failure ("p2.example.org  MISSING: no events"); a short name\n' +
      "and an FQDN match when the pairing is unique",
  },
  attempts: {
    type: "string",
    arg: "N",
    help: "attempts the sync makes per date (default: $BUSMSG_REPORT_ATTEMPTS,\n" +
      "else 3); N fail.retry for a date, even without fail.final, is a failure",
  },
  "warn-retries": {
    type: "boolean",
    help: "a date fetched only after failed attempts is a WARNING (default:\n" +
      "OK, and the report says so)",
  },
  nagios: {
    type: "boolean",
    help: "first one plugin line (SYNC OK|WARNING|CRITICAL|UNKNOWN - summary |\n" +
      "perfdata), then the report; exit codes as Nagios reads them (not with --json)",
  },
  json: {
    type: "boolean",
    help: "the verdict and every run, proxy, sync and date as JSON, for tools",
  },
  coverage: {
    type: "boolean",
    help: "one state per proxy and log date across all runs read (fetched, retried,\n" +
      "recovered, late, pending, unverified, lost, missing); --date/--since then\n" +
      "choose log dates",
  },
  "merge-after": {
    type: "string",
    arg: "N",
    help: "with --coverage: where no combinehttplogs.logmerge.proxy event says when\n" +
      "log date D was merged, it was merged right after the run of night D+N\n" +
      '(default 2, the merge job\'s "2 days ago"); fetched later is late',
  },
  "countme-hosts": {
    type: "string",
    arg: "GLOB",
    help: "with --coverage: the hosts whose logs DNF Counting reads (default proxy*):\n" +
      "a date lost or late there is CRITICAL, on any other host a WARNING",
  },
  "attempt-timeout": {
    type: "string",
    arg: "DURATION",
    help: "a date whose logdate.start to logdate.finish took this long or more with\n" +
      "no failure sent is unverified (a WARNING; with --coverage never fetched)\n" +
      "(default 2h, the sync's subprocess timeout, whose attempts send nothing)",
  },
  "log-server": {
    type: "string",
    arg: "NAME",
    help: "with --coverage: only the runs of this log server (host of sync.start;\n" +
      "default: each log server on its own)",
  },
  window: {
    type: "string",
    arg: "N",
    help: "with --coverage: the nights after a log date whose runs try it (default\n" +
      "$BUSMSG_REPORT_WINDOW, else 3, as both real sync scripts fetch 3 days)",
  },
  html: {
    type: "string",
    arg: "FILE",
    help: "with --coverage: also write the coverage as one static page (heat map),\n" +
      "replaced whole; - prints it instead of the text",
  },
  live: {
    type: "boolean",
    help: "listen on the bus (logging.stats.sync.#; with --coverage also the\n" +
      `proxy merge's ${MERGE_BINDING})\n` +
      "instead of reading files, until --count messages, --timeout seconds of\n" +
      "silence, or SIGINT",
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
       busmsg report --coverage [--since DURATION|--date D] [--window N] [--expect-hosts FILE]
                     [--html FILE] [--json|--nagios] [FILE|-]...

Tells, for each sync run (by run_id) in logging.stats.sync.* dump lines (what 'busmsg
listen' and 'fedora-messaging record' write, topic prefix or not), what became of each date
of each proxy: fetched, fetched after retries, FAILED (a fail.final, or --attempts fail.retry
without one; logdate.finish means "done", not "fetched"), NOT FINISHED; skipped proxies,
proxies synced more than once, with the last reason (reason or failure field) of each
failed or retried date. The same events give the same report in any order; an event seen
twice (same id) counts once. Other topics are passed over; a line not UTF-8, not JSON or
not a JSON object (a page's message too), a sync event its schema refuses, or (--coverage)
a proxy merge event with no YYYY/MM/DD target, sent-at or run_id, is said on stderr
(FILE:LINE: why, ignored) and counted ("N events ignored": at least WARNING). Ends with the one verdict (SYNC STATE - summary),
the same as --json's state and summary and the --nagios plugin line. Reads stdin when no
FILE is given; several files (day-*.jsonl, or .gz as logrotate leaves them) are read as
one. The config is read as by every command (for the topic prefix). The recorder's side
file beside each day file (sync-D.rejects.jsonl: messages acknowledged but not recordable
as a line, and dead letters) is counted, never read as events: its entries in the
report's dates make a WARNING ("N messages not recorded, kept aside in FILE"); one given
among the FILEs (sync-*.jsonl matches it) counts the same way. A FILE may also hold
datagrepper v2 search pages ({"raw_messages": [...]}: one a line, or one over many lines
as jq prints it): each message is read as a dump line, and one also in a day file counts
once (by id): the way to backfill nights the recorder missed.

${formatOptions(OPTIONS)}

Environment: BUSMSG_REPORT_ATTEMPTS, the default of --attempts; BUSMSG_REPORT_WINDOW, the
default of --window.

Examples:
  busmsg report day.jsonl
  busmsg report --date "$(date -u -d yesterday +%F)" --expect-hosts /etc/sync-http-logs.yaml \\
      --nagios /var/log/busmsg/sync-*.jsonl
  busmsg report --live --conf consumer.toml --timeout 600 --json
  busmsg report --coverage --since 7d --nagios /var/log/busmsg/sync-*.jsonl*
  busmsg report --coverage --since 31d --html /var/log/busmsg/coverage.html \\
      /var/log/busmsg/sync-*.jsonl*

Coverage (--coverage): every proxy's every log date gets one state across all the runs
read, taken in the order they started (files in any order), per log server (the host
that ran the runs; each shown on its own, --log-server NAME one): fetched (by the first
run that tried it, no failure), retried (fetched within one run after failed attempts),
recovered (failed in an earlier run, fetched by a later one), late (fetched after the
proxy merge of its date finished, as combinehttplogs.logmerge.proxy events say, else
after night D+N, --merge-after: missing from DNF Counting until the merge is re-run),
pending (not fetched; a run of the window will still try it), unverified (not fetched
by the window's end, a try ended after --attempt-timeout with no failure sent: the
sync's silent timeout), lost (not fetched, and the window's last night has a finished
run, or a later run started), missing (an expected proxy with no event for the date).
The runs of the N nights (--window) after a log date try it (run days in UTC). A proxy
skipped by a run counts as not fetched by it. Failure is decided as in the report.
Text: one row of symbols per proxy (. r R L ? U X -, blank when no run tried it) and a
(merge) row, then each lost, late, missing, unverified and pending date with its last
reason, what its rsync exit code means, the DNF Counting week it undercounts (weeks from
Monday; log date D holds day D-1), until when and how to fetch it by hand, and its runs.
The merge rules (late, a pending date its merge passed by, --merge-after) apply to a log
server whose merge events are recorded, or to every server when no merge event is; a
server that runs no merge while another does is told its lost dates are lost there only.
--nagios: COVERAGE CRITICAL for a date lost or late on --countme-hosts, a failed merge (of
any date read, shown or not), a merge due by --merge-after and not recorded while other
dates' merges are, a pending date its merge passed by, a missing date, a log date no run
tried for any proxy (nights with no run, or runs that ended before their first proxy) or
no run at all; WARNING for lost or late dates on other hosts or on a server that runs no
merge while another does, unverified dates, a date still pending
after 2 or more runs failed it, events that could not be counted or messages kept aside
by the recorder, else OK; perfdata per state. Without --nagios it exits 1 where that says CRITICAL, else
0.

Verdict: CRITICAL when no run was found (a job that did not run is not a good day), a date
failed or never finished, an expected proxy is missing, a proxy was synced without a date,
a run never finished, or a run synced no proxy at all; WARNING for events ignored, messages
kept aside by the recorder, proxies skipped or not finished, dates UNVERIFIED (logdate.start
to finish took --attempt-timeout or longer with no failure sent: the sync's silent timeout),
and with --warn-retries dates fetched after retries; else OK.
Exit status: 1 when the verdict is CRITICAL, else 0; 2 usage or config. With --nagios:
0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the check could not be made: bad option,
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
    const empty = args.includes("--coverage")
      ? coverageCheck(coverageVerdict(coverage([], { window: DEFAULT_WINDOW })))
      : syncCheck(verdict([], { ignored: 0, warnRetries: false }));
    // The same labels as in every other state, unmeasured.
    const check = unknownCheck(empty.service, (e as Error).message, empty.perf);
    out(pluginOutput(check));
    return checkExit(check);
  }
}

async function report(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("report", args, OPTIONS);
  if (values.json && values.nagios) {
    throw new Incompatible("report: --json and --nagios do not go together");
  }
  if (values.coverage && values["warn-retries"]) {
    // Coverage has its own rule for retries (a date fetched after them is fine in the end).
    throw new UsageError("report: --warn-retries does not go with --coverage");
  }
  if (!values.coverage) {
    for (
      const only of [
        "window",
        "html",
        "merge-after",
        "countme-hosts",
        "log-server",
      ] as const
    ) {
      if (values[only] !== undefined) {
        throw new UsageError(`report: --${only} goes with --coverage`);
      }
    }
  }
  const selection: Selection = {};
  if (values.date !== undefined) selection.date = parseDate(values.date);
  if (values.since !== undefined) {
    selection.since = Date.now() - parseDuration(values.since, "--since");
  }
  const expected = values["expect-hosts"] === undefined
    ? undefined
    : await parseExpectedHosts(await readText(values["expect-hosts"]), values["expect-hosts"]);
  const attempts = attemptsFrom(values.attempts, Deno.env.get("BUSMSG_REPORT_ATTEMPTS"));
  const events: SyncEvent[] = [];
  const merges: MergeEvent[] = [];
  const attemptTimeout = values["attempt-timeout"] === undefined
    ? DEFAULT_ATTEMPT_TIMEOUT
    : attemptTimeoutFrom(values["attempt-timeout"]);
  let aside: KeptAside = { count: 0, files: [] };
  const ignored: Ignored[] = [];
  if (values.live) {
    if (positionals.length > 0) throw new UsageError("report: --live reads the bus, not files");
    const limits = limitsFrom(values);
    const config = await configFrom({ ...values, timeout: undefined });
    // Coverage judges merges too: without their events every merge would look unrecorded.
    const bindings = ["logging.stats.sync.#", ...(values.coverage ? [MERGE_BINDING] : [])];
    const code = await listen(config, { bindings }, limits, {
      message: (m) => {
        const line = { topic: m.topic, body: m.body, headers: m.headers, id: m.id };
        const ignore = (what: Ignored) => {
          ignored.push(what);
          say(printable(`${messageLabel(m.id)}: ${what.why}, ignored`));
        };
        const e = syncEvent(line, "", ignore);
        if (e) events.push(e);
        else if (values.coverage) {
          const merge = mergeEvent(line, "", ignore);
          if (merge) merges.push(merge);
        }
        return true;
      },
    }, consoleReporter());
    if (code !== EXIT.OK) {
      if (values.nagios) throw new Error("listening ended early: the connection was lost");
      return code;
    }
  } else {
    const prefix = values["topic-prefix"] ?? (await configFrom(values)).topicPrefix;
    // Side files (listen's *.rejects.jsonl, matched by sync-*.jsonl) are counted, not read.
    const inputs = positionals.length > 0 ? positionals : ["-"];
    aside = await readDayFiles(
      inputs,
      prefix,
      selection,
      { events, ignored, ...(values.coverage ? { merges } : {}) },
    );
  }
  if (values.coverage) {
    // Every run read, not only the chosen ones: a date is decided by the runs after it too.
    return await coverageReport(summarize(events, { attempts, attemptTimeout }), merges, {
      window: values.window,
      mergeAfter: values["merge-after"],
      countmeHosts: values["countme-hosts"],
      logServer: values["log-server"],
      date: values.date,
      since: values.since,
      html: values.html,
      json: values.json,
      nagios: values.nagios,
      expected,
      ignored: ignored.length,
      aside,
    });
  }
  const chosen = countIgnored(
    summarize(events, { attempts, attemptTimeout }),
    ignored,
    selection,
  );
  const runs = expected ? expectHosts(chosen.runs, expected) : chosen.runs;
  const warnRetries = values["warn-retries"] ?? false;
  // One verdict, computed once: the text, the JSON and the plugin line all show this one.
  const v = verdict(runs, {
    ignored: chosen.ignored,
    warnRetries,
    ...(aside.count > 0 ? { aside } : {}),
  });
  const check: Check = syncCheck(v);
  const text = values.json
    ? jsonText({ ...checkJson(check), ignored: chosen.ignored, attempts, runs }, 2) + "\n"
    : formatReport(runs, v, warnRetries);
  if (values.nagios) {
    // The report is the plugin's long output: made safe the same way as the summary.
    out(pluginOutput({ ...check, details: text.trimEnd().split("\n") }));
    return checkExit(check);
  }
  out(text);
  return v.state === "CRITICAL" ? EXIT.FAILURE : EXIT.OK;
}

/** `--attempt-timeout`: a duration of at least a second, in whole seconds. */
export function attemptTimeoutFrom(text: string): number {
  const seconds = Math.round(parseDuration(text, "--attempt-timeout") / 1000);
  if (seconds < 1) {
    throw new UsageError(`--attempt-timeout: must be at least 1s, got "${printable(text)}"`);
  }
  return seconds;
}

/** `--attempts`, else `$BUSMSG_REPORT_ATTEMPTS`, else 3: a whole number from 1 to 100. */
export function attemptsFrom(flag: string | undefined, env: string | undefined): number {
  const [name, text] = flag !== undefined
    ? ["--attempts", flag]
    : env !== undefined && env !== ""
    ? ["BUSMSG_REPORT_ATTEMPTS", env]
    : ["", String(DEFAULT_ATTEMPTS)];
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < 1 || n > 100) {
    throw new UsageError(`${name}: must be a whole number from 1 to 100, got "${text}"`);
  }
  return n;
}

/** The largest `--expect-hosts` file read (a host list is a few kB). */
const MAX_HOSTS_BYTES = 1024 * 1024;

/** An `--expect-hosts` file's text: a regular file (a FIFO would block), UTF-8, at most 1 MiB. */
async function readText(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new UsageError(`--expect-hosts ${path}: not a regular file`);
    if (info.size > MAX_HOSTS_BYTES) {
      throw new UsageError(`--expect-hosts ${path}: larger than ${MAX_HOSTS_BYTES} bytes`);
    }
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--expect-hosts ${path}: cannot read: ${ioReason(e)}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`--expect-hosts ${path}: not valid UTF-8`);
  }
}

/** What reading day files collects. */
export interface Collected {
  events: SyncEvent[];
  ignored: Ignored[];
  /** Proxy-merge events, collected when given (coverage reads them). */
  merges?: MergeEvent[];
}

/**
 * Reads the sync events of day files (or `-`) into `into`; every line not counted is said on
 * stderr (FILE:LINE: why, ignored) and added to `into.ignored`. Returns what side files kept
 * aside.
 */
export async function readDayFiles(
  inputs: string[],
  prefix: string,
  selection: Selection,
  into: Collected,
): Promise<KeptAside> {
  const { events, ignored, merges } = into;
  // A dump line, or a datagrepper page: each of its messages as a dump line.
  const take = (parsed: JsonValue, ignore: (what: Ignored) => void) => {
    const page = pageMessages(parsed);
    for (const m of page ?? [parsed]) {
      // A dump line and a page's message are objects: anything else is said, not passed over.
      if (!isJsonObject(m)) {
        ignore({ why: page ? "a page's message that is not a JSON object" : "not a JSON object" });
        continue;
      }
      const e = syncEvent(m, prefix, ignore);
      if (e) events.push(e);
      else if (merges) {
        const merge = mergeEvent(m, prefix, ignore);
        if (merge) merges.push(merge);
      }
    }
  };
  const aside = await keptAside(inputs, (t) => selected(t, selection), openDayFile);
  for (const path of inputs.filter((p) => !isRejectsPath(p))) {
    // One document over many lines (a datagrepper page as `jq .` prints it), read whole.
    let doc: { lines: string[]; bytes: number; first: number } | undefined;
    let seenText = false;
    for await (const batch of readLineBatches(path, await openDayFile(path))) {
      for (const line of batch) {
        // Every line not counted is said, one way (FILE:LINE: why, ignored), and counted.
        const ignore = (what: Ignored) => {
          ignored.push(what);
          say(printable(`${inputName(path)}:${line.number}: ${what.why}, ignored`));
        };
        if (line.text === undefined) {
          ignore({ why: line.error ?? "cannot be read" });
          continue;
        }
        if (doc) {
          doc.bytes += line.text.length + 1;
          if (doc.bytes <= MAX_PAGE_BYTES) doc.lines.push(line.text);
          continue;
        }
        if (line.text.trim() === "") continue;
        if (!seenText && startsMultilineDocument(line.text)) {
          doc = { lines: [line.text], bytes: line.text.length + 1, first: line.number };
          continue;
        }
        seenText = true;
        let parsed;
        try {
          parsed = parseJson(line.text);
        } catch {
          ignore({ why: "not JSON" });
          continue;
        }
        take(parsed, ignore);
      }
    }
    if (doc) {
      const ignore = (what: Ignored) => {
        ignored.push(what);
        say(printable(`${inputName(path)}:${doc!.first}: ${what.why}, ignored`));
      };
      if (doc.bytes > MAX_PAGE_BYTES) {
        ignore({ why: `a JSON document over many lines larger than ${MAX_PAGE_BYTES} bytes` });
        continue;
      }
      try {
        take(parseJson(doc.lines.join("\n")), ignore);
      } catch {
        ignore({ why: "not JSON (a document over many lines)" });
      }
    }
  }
  return aside;
}
