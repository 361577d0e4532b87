/**
 * The sync report for people and for the reader: a dump-line object as a sync event (or why it
 * cannot be counted), and the per-run model (./runs.ts) with its verdict (./verdict.ts) as text.
 * Pure.
 */
import { formatProblem, stripPrefix } from "../message/message.ts";
import { checkBody, familyTopic } from "../message/schemas.ts";
import { printable } from "../text/printable.ts";
import { isJsonObject, type JsonValue } from "../message/pyjson.ts";
import type { DateSummary, ProxySync, RunSummary, SyncEvent } from "./runs.ts";
import { plural, type Verdict, verdict } from "./verdict.ts";
import { farLogDate } from "./log_date.ts";

export type { SyncEvent };

/** What the report says when it found nothing to report on. */
export const NO_RUN = "no sync run found";
const SYNC = "logging.stats.sync.";
const str = (v: JsonValue | undefined) => (typeof v === "string" ? v : undefined);

/** A sync event that cannot be counted: why, and where it belongs when that can be read. */
export interface Ignored {
  why: string;
  run_id?: string;
  sentAt?: string;
}

/**
 * The sync event in a dump-line object, or undefined for any other line. The family is found
 * behind any topic prefix (files that `fedora-messaging record` wrote keep it). A sync event
 * that cannot be counted (its schema refuses it, or its log date is far from when it was sent:
 * ./log_date.ts) is told to `ignored`, with its run when the body names one, and is undefined.
 */
export function syncEvent(
  line: JsonValue,
  topicPrefix: string,
  ignored: (what: Ignored) => void = () => {},
): SyncEvent | undefined {
  if (!isJsonObject(line) || typeof line["topic"] !== "string") return undefined;
  const topic = familyTopic(stripPrefix(topicPrefix, line["topic"]));
  if (!topic.startsWith(SYNC)) return undefined;
  const body = line["body"];
  const headers = isJsonObject(line["headers"]) ? line["headers"] : {};
  const problems = isJsonObject(body)
    ? checkBody(topic, body)
    : [{ field: "body", message: "must be an object" }];
  const sentAt = str(headers["sent-at"]);
  // A log date far from when it was sent cannot be placed: counted, it would stretch coverage
  // over the calendar up to it (9999-12-31).
  const far = isJsonObject(body) && problems.length === 0 && typeof body["log_date"] === "string"
    ? farLogDate(body["log_date"], sentAt ?? "")
    : undefined;
  if (problems.length > 0 || !isJsonObject(body) || far !== undefined) {
    const what: Ignored = {
      why: far ?? `not a valid sync event: ${problems.map(formatProblem).join("; ")}`,
    };
    const runId = isJsonObject(body) ? str(body["run_id"]) : undefined;
    if (runId) what.run_id = runId;
    if (sentAt) what.sentAt = sentAt;
    ignored(what);
    return undefined;
  }
  return {
    id: str(line["id"]) ?? "",
    event: topic.slice(SYNC.length),
    sentAt: sentAt ?? "",
    body,
  };
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, "0")}m`
    : m > 0
    ? `${m}m${String(s).padStart(2, "0")}s`
    : `${s}s`;
}

const last = (d: DateSummary) => d.last_reason !== undefined ? `last: ${d.last_reason}` : "";

/** One date that needs a word: failed, unfinished or fetched after retries; "" otherwise. */
export function describeDate(day: string, d: DateSummary): string {
  const retries = plural(d.retries, "retry", "retries");
  switch (d.status) {
    case "failed":
      return d.fail_final
        ? `FAILED ${day}: ${d.last_reason ?? "(no reason)"} (fail.final after ${
          plural(d.attempts, "attempt")
        })`
        : `FAILED ${day}: all ${d.retries} attempts failed; the sender sent no fail.final (${
          last(d)
        })`;
    case "unfinished":
      return `NOT FINISHED ${day}` +
        (d.retries > 0 ? ` (${retries} so far, ${last(d)})` : "");
    case "fetched_after_retry":
      return `${day} fetched after ${retries} (${last(d)})`;
    default:
      return d.unverified
        ? `UNVERIFIED ${day}: logdate.start to finish took ${
          duration(d.seconds ?? 0)
        } with no failure sent (attempts that hit the sync's 2-hour timeout send nothing)`
        : "";
  }
}

/** One sync of a proxy as one line's text. */
function describeSync(s: ProxySync): string {
  if (s.skipped !== undefined) return `skipped: ${s.skipped}`;
  const dates = Object.entries(s.dates);
  if (dates.length === 0) return `NO DATE SYNCED${s.finished ? "" : "; proxy not finished"}`;
  const fetched = dates.filter(([, d]) => d.status.startsWith("fetched") && !d.unverified).length;
  const parts = [`${fetched}/${dates.length} dates fetched`];
  for (const [day, d] of dates) {
    const said = describeDate(day, d);
    if (said) parts.push(said);
  }
  if (!s.finished) parts.push("proxy not finished");
  return parts.join("; ");
}

/** What one run found, for the last line of its block. */
function runLine(run: RunSummary, warnRetries: boolean): string {
  const v = verdict([run], { ignored: run.ignored, warnRetries, needRun: false });
  return v.findings.length > 0 ? v.findings.map((f) => f.text).join(", ") : v.summary;
}

/**
 * The report as text for people: one block per run, one line per proxy (one more per sync
 * when a proxy was synced more than once), what each run found when there are several, then
 * the verdict as `SYNC STATE - summary`, the plugin line without its perfdata.
 */
export function formatReport(runs: RunSummary[], v: Verdict, warnRetries = false): string {
  const lines: string[] = [];
  for (const run of runs) {
    const when = run.finish
      ? `${run.start ?? "(start not seen)"} to ${run.finish}${
        run.duration_seconds !== undefined ? ` (${duration(run.duration_seconds)})` : ""
      }`
      : `${run.start ?? "(start not seen)"}, NOT FINISHED`;
    lines.push(`run ${run.run_id} on ${run.host}: ${when}`);
    // A loop, not Math.max(...names): a run may name more proxies than a call takes arguments.
    let width = 4;
    for (const h of [...Object.keys(run.hosts), ...run.missing_hosts]) {
      width = Math.max(width, printable(h).length);
    }
    const rows: [string, string[]][] = Object.entries(run.hosts).map(([name, h]) => [
      name,
      h.syncs.length === 1 ? [describeSync(h.syncs[0]!)] : [
        `synced ${h.syncs.length} times in this run`,
        ...h.syncs.map((s, i) => `sync ${i + 1}: ${describeSync(s)}`),
      ],
    ]);
    for (const name of run.missing_hosts) rows.push([name, ["MISSING: no events"]]);
    rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, [first, ...more]] of rows) {
      lines.push(`  ${printable(name).padEnd(width)}  ${first}`);
      for (const line of more) lines.push(`  ${"".padEnd(width)}    ${line}`);
    }
    if (run.ignored > 0) lines.push(`  (${plural(run.ignored, "event")} of this run ignored)`);
    // The verdict line below is this run's when it is the only one.
    if (runs.length > 1) lines.push(`  => ${runLine(run, warnRetries)}`);
  }
  lines.push(`SYNC ${v.state} - ${v.summary}`);
  // Bus data for a terminal: no escape sequence in a run id, a proxy name or a reason.
  return lines.map(printable).join("\n") + "\n";
}
