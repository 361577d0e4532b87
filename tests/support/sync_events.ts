/**
 * Sync events built by hand for the unit tests of lib/sync, and the views of them those tests
 * compare: every event is from log01, run r1 unless the body says otherwise.
 */
import { type RunSummary, summarize, type SyncEvent } from "../../lib/sync/runs.ts";
import { formatReport } from "../../lib/sync/report.ts";
import { verdict } from "../../lib/sync/verdict.ts";

let n = 0;

/** One event sent at `sentAt` (as fedora-messaging writes it); each gets an id of its own. */
export function syncEventAt(
  event: string,
  sentAt: string,
  body: Record<string, string> = {},
): SyncEvent {
  return { id: `id-${n++}`, event, sentAt, body: { host: "log01", run_id: "r1", ...body } };
}

/** Events timed in whole seconds after `start` (ISO, UTC), as a fast sync sends them. */
export function secondsAfter(start: string) {
  const t0 = Date.parse(start);
  return (event: string, second: number, body: Record<string, string> = {}): SyncEvent =>
    syncEventAt(event, new Date(t0 + second * 1000).toISOString().replace(".000Z", "+00:00"), body);
}

/** A small seeded shuffle, so a failure can be replayed. */
export function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The runs of `events`, three attempts per date. */
export const sum = (events: SyncEvent[]): RunSummary[] => summarize(events, { attempts: 3 });

const judged = (runs: RunSummary[]) => verdict(runs, { ignored: 0, warnRetries: false });

/** The report's text, as `busmsg report` prints it. */
export const text = (runs: RunSummary[]): string => formatReport(runs, judged(runs));

/** Whether monitoring would be told CRITICAL. */
export const critical = (runs: RunSummary[]): boolean => judged(runs).state === "CRITICAL";
