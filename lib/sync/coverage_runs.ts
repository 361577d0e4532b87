/**
 * The per-run model's runs as coverage reads them. The per-run model alone decides whether a
 * date was fetched or failed in a run (`--attempts`, `failure` as the reason, `logdate.finish`
 * not a success); this only takes each run's outcome per proxy and date, its syncs of a proxy
 * listed twice taken together. Pure.
 */
import type { DateSummary, RunSummary } from "./runs.ts";
import type { CoverageRun, Outcome, Try } from "./coverage.ts";

// A "finish" after a silent timeout is not a fetch (see `DateSummary.unverified`).
const fetched = (d: DateSummary) =>
  (d.status === "fetched" || d.status === "fetched_after_retry") && !d.unverified;

/**
 * One run's outcome for a date from all its syncs of the proxy: fetched when one sync fetched
 * it (after retries when any attempt of the run failed), else failed when one failed, else
 * unverified when one ended after the silent timeout, else unfinished. Attempts add up; the
 * reason is the last one given (for an unverified try: why it is not known to be fetched).
 */
export function mergeSyncs(dates: DateSummary[]): Try {
  const attempts = dates.reduce((n, d) => n + d.attempts, 0);
  const failedAttempts = dates.reduce((n, d) => n + d.attempts - (fetched(d) ? 1 : 0), 0);
  const outcome: Outcome = dates.some(fetched)
    ? (failedAttempts > 0 ? "fetched_after_retry" : "fetched")
    : dates.some((d) => d.status === "failed")
    ? "failed"
    : dates.some((d) => d.unverified)
    ? "unverified"
    : "unfinished";
  const t: Try = { outcome, attempts };
  const reason = dates.findLast((d) => d.last_reason !== undefined)?.last_reason;
  if (reason !== undefined) t.reason = reason;
  const silent = dates.find((d) => d.unverified);
  if (outcome === "unverified" && silent) {
    t.seconds = silent.seconds!;
    t.reason = silentReason(silent.seconds!);
  }
  return t;
}

/** Each run's outcome per proxy and log date, and its skipped proxies. */
export function coverageRuns(runs: RunSummary[]): CoverageRun[] {
  return runs.map((run) => {
    const tries: CoverageRun["tries"] = {};
    const skipped: CoverageRun["skipped"] = {};
    for (const [proxy, host] of Object.entries(run.hosts)) {
      const byDate = new Map<string, DateSummary[]>();
      for (const sync of host.syncs) {
        if (sync.skipped !== undefined) skipped[proxy] = sync.skipped;
        for (const [day, d] of Object.entries(sync.dates)) {
          byDate.set(day, [...byDate.get(day) ?? [], d]);
        }
      }
      if (byDate.size > 0) {
        tries[proxy] = Object.fromEntries([...byDate].map(([day, ds]) => [day, mergeSyncs(ds)]));
      }
    }
    const out: CoverageRun = {
      run_id: run.run_id,
      server: run.host,
      start: run.start ?? run.first_seen,
      finished: !run.unfinished,
      tries,
      skipped,
    };
    if (run.finish !== undefined) out.finish = run.finish;
    return out;
  });
}

/** Why an unverified try is not a fetch, with how long it took. */
export function silentReason(seconds: number): string {
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60);
  return `logdate.start to logdate.finish took ${h}h${String(m).padStart(2, "0")}m with no ` +
    "failure sent: attempts that hit the sync's 2-hour subprocess timeout send nothing, so " +
    "whether it was fetched is unknown";
}
