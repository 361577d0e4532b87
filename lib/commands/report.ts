/** `busmsg report`: what happened in each sync run, from dump lines or live from the bus. */
import { configFrom, parseCommand } from "../cli/options.ts";
import { CONNECT_OPTIONS, formatOptions, HELP_OPTION } from "../cli/option_table.ts";
import { EXIT, UsageError } from "../errors.ts";
import { readLineBatches } from "../cli/input.ts";
import { listen } from "../bus/listening.ts";
import { out, say } from "../cli/output.ts";
import { parseJson } from "../message/pyjson.ts";
import {
  formatReport,
  needsAttention,
  summarize,
  type SyncEvent,
  syncEvent,
} from "../sync/report.ts";
import { limitsFrom } from "./listen.ts";

/** The options of `busmsg report`. */
export const OPTIONS = {
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
listen' writes): start, finish and duration; per proxy the dates finished, dates that failed
for good (and why), retries, skipped proxies (and why); runs that never finished. Events out
of order are put in order by sent-at; an event seen twice (same id) counts once. Other lines
are ignored. Reads stdin when no FILE is given.

${formatOptions(OPTIONS)}

Examples:
  busmsg report day.jsonl
  busmsg report --live --conf consumer.toml --timeout 600 --json

Exit status: 1 when a run has a final failure or never finished (so cron can alert),
else 0; 2 usage or config.`;

/** Runs `busmsg report`. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("report", args, OPTIONS);
  const events: SyncEvent[] = [];
  let prefix = values["topic-prefix"] ?? "";
  if (values.live) {
    if (positionals.length > 0) throw new UsageError("report: --live reads the bus, not files");
    const limits = limitsFrom(values);
    const config = await configFrom({ ...values, timeout: undefined });
    prefix = config.topicPrefix;
    const code = await listen(config, { bindings: ["logging.stats.sync.#"] }, limits, {
      message: (m) => {
        const e = syncEvent({ topic: m.topic, body: m.body, headers: m.headers, id: m.id }, "");
        if (e) events.push(e);
        return true;
      },
    });
    if (code !== EXIT.OK) return code;
  } else {
    if (values.conf !== undefined && values["topic-prefix"] === undefined) {
      prefix = (await configFrom(values)).topicPrefix;
    }
    for (const path of positionals.length > 0 ? positionals : ["-"]) {
      for await (const batch of readLineBatches(path)) {
        for (const line of batch) {
          if (line.text === undefined || line.text.trim() === "") continue;
          try {
            const e = syncEvent(parseJson(line.text), prefix);
            if (e) events.push(e);
          } catch {
            say(`${path === "-" ? "<stdin>" : path}:${line.number}: not JSON, ignored`);
          }
        }
      }
    }
  }
  const runs = summarize(events);
  out(values.json ? JSON.stringify(runs, null, 2) + "\n" : formatReport(runs));
  return needsAttention(runs) ? EXIT.FAILURE : EXIT.OK;
}
