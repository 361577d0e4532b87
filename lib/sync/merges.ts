/**
 * The merge that feeds DNF Counting, from the events `combineHttpLogs.sh` sends right after the
 * sync: per merged file `logging.stats.combinehttplogs.logmerge.proxy.start` and `.finish`, whose
 * `target` ends in the merged log date `YYYY/MM/DD` and whose finish carries `result` (the
 * merge's exit status as text). The shell jobs name their host `loghost` (a short name), never
 * `host`. Pure: dump-line objects in, one state per log server and log date out.
 */
import { stripPrefix } from "../message/message.ts";
import { familyTopic } from "../message/schemas.ts";
import { isJsonObject, type JsonValue } from "../message/pyjson.ts";
import type { Ignored } from "./report.ts";

const TOPIC = "logging.stats.combinehttplogs.logmerge.proxy.";
/** The binding that brings every proxy-merge event (what `report --live --coverage` listens to). */
export const MERGE_BINDING = `${TOPIC}#`;
const str = (v: JsonValue | undefined) => (typeof v === "string" ? v : undefined);

/** One `logmerge.proxy` event, as far as coverage needs it. */
export interface MergeEvent {
  id: string;
  event: "start" | "finish";
  /** The job's `loghost` (or `host`), as sent. */
  server: string;
  /** The job run's `run_id`. */
  run_id: string;
  /** The merged file (`file`), e.g. `mirrors.fedoraproject.org-access.log.xz`. */
  file: string;
  /** The merged log date, from `target`'s last three parts. */
  date: string;
  /** When it was sent, ms since the epoch. */
  at: number;
  /** On finish: `result` as sent ("0" is success; may be empty). */
  result?: string;
}

/** The log date a merge `target` ends in (`/mnt/.../combined-http/2026/12/05`), else undefined. */
export function targetDate(target: string): string | undefined {
  const m = /(\d{4})\/(\d\d)\/(\d\d)\/*$/.exec(target);
  if (!m) return undefined;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  const ms = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(ms) || !new Date(ms).toISOString().startsWith(date) ? undefined : date;
}

/**
 * The proxy-merge event in a dump-line object, or undefined for any other line. One that lacks
 * what coverage needs (a target ending in a date, a time, a run id) is told to `ignored`:
 * dropped unsaid, a failed merge would vanish and the `--merge-after` rule speak for it.
 */
export function mergeEvent(
  line: JsonValue,
  topicPrefix: string,
  ignored: (what: Ignored) => void = () => {},
): MergeEvent | undefined {
  if (!isJsonObject(line) || typeof line["topic"] !== "string") return undefined;
  const topic = familyTopic(stripPrefix(topicPrefix, line["topic"]));
  if (!topic.startsWith(TOPIC)) return undefined;
  const event = topic.slice(TOPIC.length);
  if (event !== "start" && event !== "finish") return undefined;
  const body = line["body"], headers = line["headers"];
  if (!isJsonObject(body) || !isJsonObject(headers)) {
    ignored({ why: "not a valid proxy merge event: body and headers must be objects" });
    return undefined;
  }
  const date = targetDate(str(body["target"]) ?? "");
  const at = Date.parse(str(headers["sent-at"]) ?? "");
  const run_id = str(body["run_id"]);
  const missing = [
    date === undefined ? "target (must end in YYYY/MM/DD)" : "",
    Number.isNaN(at) ? "headers.sent-at (must be a time)" : "",
    run_id === undefined ? "run_id (must be a string)" : "",
  ].filter((m) => m !== "");
  if (missing.length > 0) {
    const what: Ignored = { why: `not a valid proxy merge event: ${missing.join("; ")}` };
    if (run_id !== undefined) what.run_id = run_id;
    const sentAt = str(headers["sent-at"]);
    if (sentAt !== undefined) what.sentAt = sentAt;
    ignored(what);
    return undefined;
  }
  if (date === undefined || run_id === undefined) return undefined;
  const e: MergeEvent = {
    id: str(line["id"]) ?? "",
    event,
    server: str(body["loghost"]) ?? str(body["host"]) ?? "",
    run_id,
    file: str(body["file"]) ?? "",
    date,
    at,
  };
  const result = body["result"];
  if (event === "finish") {
    e.result = typeof result === "string"
      ? result
      : typeof result === "number" || typeof result === "bigint"
      ? String(result)
      : "";
  }
  return e;
}

/** One run of the merge job for one log date (all its merged files taken together). */
export interface MergeRun {
  run_id: string;
  /** Its first `logmerge.proxy.start` (ms). */
  start: number;
  /** Its last `logmerge.proxy.finish` (ms), when every file it started finished. */
  finish?: number;
  /** Whether every file it started finished with result "0". */
  ok: boolean;
  /** The first non-zero (or empty) result, for the text. */
  result?: string;
}

/**
 * What became of the proxy merge of one log date on one log server:
 * - `merged`: its latest merge run finished every file with result 0;
 * - `failed`: its latest merge run finished a file with another result, or never finished
 *   (a later sync run or merge run of the server started after it);
 * - `running`: its latest merge run has not finished, and nothing later says it never will.
 */
export type MergeStatus = "merged" | "failed" | "running";

/** The merges of one log date on one log server. */
export interface DateMerge {
  status: MergeStatus;
  runs: MergeRun[];
}

/** A log server's short name: the first label, lower case (`loghost` is `$(hostname)`). */
export function shortName(host: string): string {
  return host.toLowerCase().split(".")[0] ?? "";
}

/**
 * The merges of every log date of one log server, from its `logmerge.proxy` events
 * (deduplicated by id). `later` is when the server's sync runs started (ms): a merge run with
 * no finish and a later run is one that never finished.
 */
export function mergesOf(
  events: MergeEvent[],
  later: number[],
): Map<string, DateMerge> {
  const seen = new Set<string>();
  // date → run_id → file → [start, finish, result]
  const byDate = new Map<
    string,
    Map<string, Map<string, { start?: number; finish?: number; result?: string }>>
  >();
  for (const e of events) {
    if (e.id !== "" && (seen.has(e.id) || !seen.add(e.id))) continue;
    let runs = byDate.get(e.date);
    if (!runs) byDate.set(e.date, runs = new Map());
    let files = runs.get(e.run_id);
    if (!files) runs.set(e.run_id, files = new Map());
    let f = files.get(e.file);
    if (!f) files.set(e.file, f = {});
    if (e.event === "start") f.start = Math.min(f.start ?? e.at, e.at);
    else {
      f.finish = Math.max(f.finish ?? e.at, e.at);
      if (f.result === undefined || f.result === "0") f.result = e.result ?? "";
    }
  }
  const out = new Map<string, DateMerge>();
  const starts = [...later].sort((a, b) => a - b);
  for (const [date, runs] of [...byDate].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const list: MergeRun[] = [];
    for (const [run_id, files] of runs) {
      const all = [...files.values()];
      const start = Math.min(...all.map((f) => f.start ?? f.finish!));
      const done = all.every((f) => f.finish !== undefined);
      const bad = all.find((f) => f.finish !== undefined && f.result !== "0");
      const run: MergeRun = { run_id, start, ok: done && bad === undefined };
      if (done) run.finish = Math.max(...all.map((f) => f.finish!));
      if (bad) run.result = bad.result ?? "";
      list.push(run);
    }
    list.sort((a, b) => a.start - b.start || (a.run_id < b.run_id ? -1 : 1));
    const last = list.at(-1)!;
    const overtaken = starts.some((s) => s > last.start);
    const status: MergeStatus = last.ok
      ? "merged"
      : last.finish !== undefined || overtaken
      ? "failed"
      : "running";
    out.set(date, { status, runs: list });
  }
  return out;
}

/**
 * Whether a date fetched at `fetchedAt` (ms) missed its merge: a merge run of the date had
 * finished before, and no merge run that succeeded started after it.
 */
export function fetchedAfterMerge(merge: DateMerge, fetchedAt: number): boolean {
  const before = merge.runs.some((r) => r.finish !== undefined && r.finish < fetchedAt);
  const again = merge.runs.some((r) => r.ok && r.start > fetchedAt);
  return before && !again;
}
