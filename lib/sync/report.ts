/**
 * The sync-run report: logging.stats.sync.* events grouped by run_id, per proxy and date,
 * robust to events out of order or twice (same id). Pure: events in, summary and text out.
 */
import { stripPrefix } from "../message/message.ts";
import { isJsonObject, type JsonObject, type JsonValue } from "../message/pyjson.ts";

/** One event as the report needs it. */
export interface SyncEvent {
  id: string;
  event: string;
  sentAt: string;
  body: JsonObject;
}

/** What became of one date of one proxy. */
export interface DateSummary {
  status: "finished" | "failed" | "running";
  retries: number;
  reason?: string;
}

/** One proxy in one run. */
export interface HostSummary {
  skipped?: string;
  finished: boolean;
  dates: Record<string, DateSummary>;
}

/** One sync run. */
export interface RunSummary {
  runId: string;
  host: string;
  start?: string;
  finish?: string;
  durationSeconds?: number;
  hosts: Record<string, HostSummary>;
  finalFailures: number;
  unfinished: boolean;
}

const SYNC = "logging.stats.sync.";
const str = (v: JsonValue | undefined) => (typeof v === "string" ? v : undefined);

/** The sync event in a dump-line object (topic prefix stripped), or undefined for any other. */
export function syncEvent(line: JsonValue, topicPrefix: string): SyncEvent | undefined {
  if (!isJsonObject(line) || !isJsonObject(line["body"]) || typeof line["topic"] !== "string") {
    return undefined;
  }
  const topic = stripPrefix(topicPrefix, line["topic"]);
  if (!topic.startsWith(SYNC) || typeof line["body"]["run_id"] !== "string") return undefined;
  const headers = isJsonObject(line["headers"]) ? line["headers"] : {};
  return {
    id: str(line["id"]) ?? "",
    event: topic.slice(SYNC.length),
    sentAt: str(headers["sent-at"]) ?? "",
    body: line["body"],
  };
}

/** Groups events into runs; duplicates (same id) count once; order by sent-at, not arrival. */
export function summarize(events: SyncEvent[]): RunSummary[] {
  const seen = new Set<string>();
  const unique = events.filter((e) => !e.id || (!seen.has(e.id) && seen.add(e.id)));
  // Stable sort by time: events with equal sent-at keep their arrival order.
  unique.sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0));
  const runs = new Map<string, RunSummary>();
  for (const e of unique) {
    const runId = e.body["run_id"] as string;
    let run = runs.get(runId);
    if (!run) {
      run = {
        runId,
        host: str(e.body["host"]) ?? "",
        hosts: {},
        finalFailures: 0,
        unfinished: true,
      };
      runs.set(runId, run);
    }
    const proxy = str(e.body["synced_host"]);
    const host = proxy === undefined
      ? undefined
      : (run.hosts[proxy] ??= { finished: false, dates: {} });
    const logDate = str(e.body["log_date"]);
    const date = host && logDate
      ? (host.dates[logDate] ??= { status: "running", retries: 0 })
      : undefined;
    const reason = str(e.body["reason"]);
    switch (e.event) {
      case "start":
        run.start = e.sentAt;
        break;
      case "finish":
        run.finish = e.sentAt;
        break;
      case "host.finish":
        if (host) host.finished = true;
        break;
      case "host.skip":
        if (host) host.skipped = reason ?? "";
        break;
      case "host.logdate.finish":
        if (date) date.status = "finished";
        break;
      case "host.logdate.fail.retry":
        if (date) date.retries++;
        break;
      case "host.logdate.fail.final":
        if (date) {
          date.status = "failed";
          if (reason !== undefined) date.reason = reason;
        }
        break;
    }
  }
  for (const run of runs.values()) {
    run.unfinished = run.finish === undefined;
    run.finalFailures = Object.values(run.hosts).reduce(
      (n, h) => n + Object.values(h.dates).filter((d) => d.status === "failed").length,
      0,
    );
    if (run.start && run.finish) {
      run.durationSeconds = Math.round((Date.parse(run.finish) - Date.parse(run.start)) / 1000);
    }
  }
  return [...runs.values()];
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, "0")}m`
    : m > 0
    ? `${m}m${String(s).padStart(2, "0")}s`
    : `${s}s`;
}

/** The report as text for people: one block per run, one line per proxy. */
export function formatReport(runs: RunSummary[]): string {
  if (runs.length === 0) return "no sync runs found\n";
  const lines: string[] = [];
  for (const run of runs) {
    const when = run.finish
      ? `${run.start ?? "(start not seen)"} to ${run.finish}${
        run.durationSeconds !== undefined ? ` (${duration(run.durationSeconds)})` : ""
      }`
      : `${run.start ?? "(start not seen)"}, NOT FINISHED`;
    lines.push(`run ${run.runId} on ${run.host}: ${when}`);
    const width = Math.max(...Object.keys(run.hosts).map((h) => h.length), 4);
    for (const [name, h] of Object.entries(run.hosts).sort(([a], [b]) => a.localeCompare(b))) {
      let text: string;
      if (h.skipped !== undefined) text = `skipped: ${h.skipped}`;
      else {
        const dates = Object.entries(h.dates);
        const done = dates.filter(([, d]) => d.status === "finished").length;
        const parts = [`${done}/${dates.length} date(s) finished`];
        for (const [day, d] of dates) {
          if (d.status === "failed") parts.push(`FAILED ${day}: ${d.reason ?? "(no reason)"}`);
          if (d.status === "running") parts.push(`${day} not finished`);
        }
        const retries = dates.reduce((n, [, d]) => n + d.retries, 0);
        if (retries > 0) parts.push(`${retries} retr${retries === 1 ? "y" : "ies"}`);
        if (!h.finished) parts.push("host not finished");
        text = parts.join("; ");
      }
      lines.push(`  ${name.padEnd(width)}  ${text}`);
    }
    const verdict = [
      run.finalFailures > 0 ? `${run.finalFailures} final failure(s)` : "",
      run.unfinished ? "run not finished" : "",
    ].filter(Boolean);
    lines.push(`  => ${verdict.length > 0 ? verdict.join(", ") : "ok"}`);
  }
  return lines.join("\n") + "\n";
}

/** True when a run needs a person: a final failure or a run that never finished. */
export function needsAttention(runs: RunSummary[]): boolean {
  return runs.some((r) => r.finalFailures > 0 || r.unfinished);
}
