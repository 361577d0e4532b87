import { assertEquals } from "../../support/assert.ts";
import { secondsAfter } from "../../support/sync_events.ts";
import { summarize, type SyncEvent } from "../../../lib/sync/runs.ts";
import { coverageRuns, mergeSyncs } from "../../../lib/sync/coverage_runs.ts";

const ev = secondsAfter("2026-12-01T03:15:00Z");

/** One sync of `proxy` for `date`: `fails` failed attempts (`failure=`, no fail.final), finish. */
function sync(proxy: string, date: string, fails: number, at: number): SyncEvent[] {
  const p = { synced_host: proxy }, d = { ...p, log_date: date };
  return [
    ev("host.start", at, p),
    ev("host.logdate.start", at, d),
    ...Array.from(
      { length: fails },
      (_, i) => ev("host.logdate.fail.retry", at + 1 + i, { ...d, failure: `Error code: 2${i}` }),
    ),
    // Both real senders say "done with this date" also after the last failed attempt.
    ev("host.logdate.finish", at + 5, d),
    ev("host.finish", at + 5, p),
  ];
}

Deno.test("coverage runs: the per-run model decides; a proxy listed twice is one outcome per run", () => {
  const events = [
    ev("start", 0),
    ...sync("all-failed", "2026-11-30", 3, 1),
    ...sync("retried", "2026-11-30", 1, 1),
    // Listed twice: the first sync fails every attempt, the second fetches it.
    ...sync("twice", "2026-11-30", 3, 1),
    ...sync("twice", "2026-11-30", 0, 10),
    ev("host.skip", 20, { synced_host: "gone", reason: "Synced host unknown" }),
    ev("finish", 30),
  ];
  const [run] = coverageRuns(summarize(events, { attempts: 3 }));
  assertEquals(run, {
    run_id: "r1",
    server: "log01",
    start: "2026-12-01T03:15:00+00:00",
    finished: true,
    finish: "2026-12-01T03:15:30+00:00",
    tries: {
      "all-failed": { "2026-11-30": { outcome: "failed", attempts: 3, reason: "Error code: 22" } },
      retried: {
        "2026-11-30": { outcome: "fetched_after_retry", attempts: 2, reason: "Error code: 20" },
      },
      twice: {
        "2026-11-30": { outcome: "fetched_after_retry", attempts: 4, reason: "Error code: 22" },
      },
    },
    skipped: { gone: "Synced host unknown" },
  });
  // --attempts is the per-run model's: with 4, three failures and a finish were a success.
  const [four] = coverageRuns(summarize(events, { attempts: 4 }));
  assertEquals(four!.tries["all-failed"]!["2026-11-30"]!.outcome, "fetched_after_retry");
});

Deno.test("coverage runs: syncs merged: fetched wins, then failed, then unfinished", () => {
  const d = (status: "fetched" | "failed" | "unfinished", attempts: number) => ({
    status,
    attempts,
    retries: status === "fetched" ? 0 : attempts,
    fail_final: false,
  });
  assertEquals(mergeSyncs([d("fetched", 1), d("fetched", 1)]), { outcome: "fetched", attempts: 2 });
  assertEquals(mergeSyncs([d("unfinished", 1), d("failed", 3)]).outcome, "failed");
  assertEquals(mergeSyncs([d("unfinished", 0)]).outcome, "unfinished");
});

Deno.test("coverage runs: a date whose start to finish took the attempt timeout with no failure sent is unverified, not fetched", () => {
  const p = { synced_host: "p" }, d = { ...p, log_date: "2026-11-30" };
  const events = (seconds: number, failed = false) => [
    ev("start", 0),
    ev("host.start", 1, p),
    ev("host.logdate.start", 1, d),
    ...(failed ? [ev("host.logdate.fail.retry", 2, { ...d, reason: "Error code: 30" })] : []),
    ev("host.logdate.finish", 1 + seconds, d),
    ev("host.finish", 2 + seconds, p),
    ev("finish", 3 + seconds),
  ];
  const tryOf = (seconds: number, failed = false, attemptTimeout?: number) =>
    coverageRuns(
      summarize(events(seconds, failed), {
        attempts: 3,
        ...(attemptTimeout === undefined ? {} : { attemptTimeout }),
      }),
    )[0]!.tries["p"]!["2026-11-30"]!;
  assertEquals(tryOf(7199), { outcome: "fetched", attempts: 1 });
  const silent = tryOf(3 * 7205);
  assertEquals([silent.outcome, silent.seconds], ["unverified", 21615]);
  assertEquals(
    silent.reason,
    "logdate.start to logdate.finish took 6h00m with no failure sent: attempts that hit the " +
      "sync's 2-hour subprocess timeout send nothing, so whether it was fetched is unknown",
  );
  // A failure was sent: the per-run rules decide, as ever.
  assertEquals(tryOf(3 * 7205, true).outcome, "fetched_after_retry");
  // --attempt-timeout 8h: six hours is not a silent timeout.
  assertEquals(tryOf(3 * 7205, false, 8 * 3600).outcome, "fetched");
});
