/**
 * The sync-run report: logging.stats.sync.* events grouped by run_id, per proxy and date. The
 * same events give the same report whatever order they arrive in, and an event seen twice
 * (same id) counts once. Pure: events in, summary and text out.
 */
import { stripPrefix } from "../message/message.ts";
import { checkBody, familyTopic } from "../message/schemas.ts";
import { formatProblem } from "../message/message.ts";
import { printable } from "../text/printable.ts";
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
  run_id: string;
  host: string;
  start?: string;
  finish?: string;
  /** The earliest sent-at of any of its events (its start, when that was not seen). */
  first_seen: string;
  duration_seconds?: number;
  hosts: Record<string, HostSummary>;
  final_failures: number;
  /** Dates that started and neither finished nor failed for good. */
  unfinished_dates: number;
  /** Expected proxies (`--expect-hosts`) without a single event in this run. */
  missing_hosts: string[];
  unfinished: boolean;
}

const SYNC = "logging.stats.sync.";
/** What the report says when it found nothing to report on. */
export const NO_RUN = "no sync run found";
const str = (v: JsonValue | undefined) => (typeof v === "string" ? v : undefined);

/**
 * The sync event in a dump-line object, or undefined for any other line. The family is found
 * behind any topic prefix (files that `fedora-messaging record` wrote keep it). A sync event
 * its schema refuses is not counted: `invalid` hears why.
 */
export function syncEvent(
  line: JsonValue,
  topicPrefix: string,
  invalid: (why: string) => void = () => {},
): SyncEvent | undefined {
  if (!isJsonObject(line) || typeof line["topic"] !== "string") return undefined;
  const topic = familyTopic(stripPrefix(topicPrefix, line["topic"]));
  if (!topic.startsWith(SYNC)) return undefined;
  const body = line["body"];
  const problems = isJsonObject(body)
    ? checkBody(topic, body)
    : [{ field: "body", message: "must be an object" }];
  if (problems.length > 0 || !isJsonObject(body)) {
    invalid(`not a valid sync event: ${problems.map(formatProblem).join("; ")}`);
    return undefined;
  }
  if (typeof body["run_id"] !== "string") return undefined;
  const headers = isJsonObject(line["headers"]) ? line["headers"] : {};
  return {
    id: str(line["id"]) ?? "",
    event: topic.slice(SYNC.length),
    sentAt: str(headers["sent-at"]) ?? "",
    body,
  };
}

// Where an event stands in a run's life: the tie-break for events in the same second.
const LIFECYCLE = [
  "start",
  "host.start",
  "host.skip",
  "host.logdate.start",
  "host.logdate.fail.retry",
  "host.logdate.fail.final",
  "host.logdate.finish",
  "host.finish",
  "finish",
];
const rank = (event: string) => {
  const i = LIFECYCLE.indexOf(event);
  return i < 0 ? LIFECYCLE.length : i;
};
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A total order of events: sent-at, then place in the life of a run, then id, then body. */
function byTime(a: SyncEvent, b: SyncEvent): number {
  return compare(a.sentAt, b.sentAt) || rank(a.event) - rank(b.event) ||
    compare(a.id, b.id) || compare(JSON.stringify(a.body), JSON.stringify(b.body));
}

/** The object with its keys in code-point order (so JSON and text never depend on arrival). */
function sorted<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => compare(a, b)));
}

/**
 * Groups events into runs. Duplicates (same id) count once; events are taken in sent-at
 * order and, within a second (sent-at has whole seconds), in the order of a run's life, so
 * any arrival order gives the same summary. Runs, proxies and dates come out sorted.
 */
export function summarize(events: SyncEvent[]): RunSummary[] {
  const seen = new Set<string>();
  const unique = [...events].sort(byTime).filter((e) =>
    !e.id || (!seen.has(e.id) && seen.add(e.id))
  );
  const runs = new Map<string, RunSummary>();
  for (const e of unique) {
    const run_id = e.body["run_id"] as string;
    let run = runs.get(run_id);
    if (!run) {
      run = {
        run_id,
        host: str(e.body["host"]) ?? "",
        first_seen: e.sentAt,
        hosts: {},
        final_failures: 0,
        unfinished_dates: 0,
        missing_hosts: [],
        unfinished: true,
      };
      runs.set(run_id, run);
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
    const dates = Object.values(run.hosts).flatMap((h) => Object.values(h.dates));
    run.final_failures = dates.filter((d) => d.status === "failed").length;
    run.unfinished_dates = dates.filter((d) => d.status === "running").length;
    if (run.start && run.finish) {
      run.duration_seconds = Math.round((Date.parse(run.finish) - Date.parse(run.start)) / 1000);
    }
    for (const h of Object.values(run.hosts)) h.dates = sorted(h.dates);
    run.hosts = sorted(run.hosts);
  }
  return [...runs.values()].sort((a, b) =>
    compare(a.start ?? a.first_seen, b.start ?? b.first_seen) || compare(a.run_id, b.run_id)
  );
}

/** "1 final failure", "3 final failures". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What needs a person in one run, for the verdict line and the monitoring check. */
export function problems(run: RunSummary): string[] {
  return [
    run.final_failures > 0 ? plural(run.final_failures, "final failure") : "",
    run.missing_hosts.length > 0
      ? `${plural(run.missing_hosts.length, "proxy", "proxies")} missing`
      : "",
    run.unfinished_dates > 0 ? plural(run.unfinished_dates, "unfinished date") : "",
    run.unfinished ? "run not finished" : "",
  ].filter(Boolean);
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
  if (runs.length === 0) return `${NO_RUN}\n`;
  const lines: string[] = [];
  for (const run of runs) {
    const when = run.finish
      ? `${run.start ?? "(start not seen)"} to ${run.finish}${
        run.duration_seconds !== undefined ? ` (${duration(run.duration_seconds)})` : ""
      }`
      : `${run.start ?? "(start not seen)"}, NOT FINISHED`;
    lines.push(`run ${run.run_id} on ${run.host}: ${when}`);
    const width = Math.max(
      ...[...Object.keys(run.hosts), ...run.missing_hosts].map((h) => printable(h).length),
      4,
    );
    const missing = run.missing_hosts.map((h) => [h, undefined] as const);
    for (
      const [name, h] of [...Object.entries(run.hosts), ...missing].sort(([a], [b]) =>
        compare(a, b)
      )
    ) {
      let text: string;
      if (h === undefined) text = "MISSING: no events";
      else if (h.skipped !== undefined) text = `skipped: ${h.skipped}`;
      else {
        const dates = Object.entries(h.dates);
        const done = dates.filter(([, d]) => d.status === "finished").length;
        const parts = [`${done}/${dates.length} date(s) finished`];
        for (const [day, d] of dates) {
          if (d.status === "failed") parts.push(`FAILED ${day}: ${d.reason ?? "(no reason)"}`);
          if (d.status === "running") parts.push(`NOT FINISHED ${day}`);
        }
        const retries = dates.reduce((n, [, d]) => n + d.retries, 0);
        if (retries > 0) parts.push(`${retries} retr${retries === 1 ? "y" : "ies"}`);
        if (!h.finished) parts.push("host not finished");
        text = parts.join("; ");
      }
      lines.push(`  ${printable(name).padEnd(width)}  ${text}`);
    }
    const verdict = problems(run);
    lines.push(`  => ${verdict.length > 0 ? verdict.join(", ") : "ok"}`);
  }
  // Bus data for a terminal: no escape sequence in a run id, a proxy name or a reason.
  return lines.map(printable).join("\n") + "\n";
}

/**
 * True when the runs need a person: no run at all (a job that did not run must not look like
 * a good day), a final failure, a missing proxy, a date or a run that never finished.
 */
export function needsAttention(runs: RunSummary[]): boolean {
  return runs.length === 0 || runs.some((r) => problems(r).length > 0);
}
