import { assertEquals } from "../../support/assert.ts";
import { secondsAfter, syncEventAt } from "../../support/sync_events.ts";
import { summarize, type SyncEvent } from "../../../lib/sync/runs.ts";
import { syncCheck, type Verdict, verdict } from "../../../lib/sync/verdict.ts";
import { pluginOutput } from "../../../lib/text/check.ts";
import { formatReport } from "../../../lib/sync/report.ts";

const pluginLine = (v: Verdict) => pluginOutput(syncCheck(v)).split("\n")[0]!;

const ev = (event: string, body: Record<string, string> = {}): SyncEvent =>
  syncEventAt(event, "2026-11-28T03:00:00+00:00", body);

/** A whole run: each proxy's dates, each date's failed attempts (retry) and whether it finished. */
function run(proxies: Record<string, [number, boolean][]>, finished = true): SyncEvent[] {
  const events = [ev("start")];
  for (const [proxy, dates] of Object.entries(proxies)) {
    const p = { synced_host: proxy };
    events.push(ev("host.start", p));
    dates.forEach(([retries, finish], i) => {
      const d = { ...p, log_date: `2026-11-2${i + 5}` };
      events.push(ev("host.logdate.start", d));
      for (let k = 1; k <= retries; k++) {
        events.push(ev("host.logdate.fail.retry", { ...d, failure: `Error code: ${k}` }));
      }
      if (finish) events.push(ev("host.logdate.finish", d));
    });
    events.push(ev("host.finish", p));
  }
  if (finished) events.push(ev("finish"));
  return events;
}

const opts = { ignored: 0, warnRetries: false };

Deno.test("verdict: retries that ended well are OK unless asked; all attempts failed is CRITICAL and named", () => {
  const runs = summarize(run({ "a.example.org": [[0, true], [2, true]] }), { attempts: 3 });
  assertEquals(verdict(runs, opts).state, "OK");
  assertEquals(verdict(runs, opts).summary, "1 run, 2 dates fetched, 1 date fetched after retries");
  assertEquals(verdict(runs, { ...opts, warnRetries: true }).state, "WARNING");
  const bad = summarize(run({ "a": [[3, true], [3, true], [3, true]], "b": [[3, true]] }), {
    attempts: 3,
  });
  const v = verdict(bad, opts);
  assertEquals(v.state, "CRITICAL");
  assertEquals(
    pluginLine(v),
    "SYNC CRITICAL - 4 dates failed: a 2026-11-25 (Error code: 3), a 2026-11-26 (Error code: 3), " +
      "a 2026-11-27 (Error code: 3), and 1 more | runs=1 dates_fetched=0 " +
      "dates_fetched_after_retry=0 dates_failed=4 dates_unfinished=0 retries=12 missing=0 " +
      "skipped=0 ignored=0 unfinished_runs=0 kept_aside=0",
  );
  // The text ends with the very same verdict.
  assertEquals(formatReport(bad, v).trimEnd().split("\n").at(-1), pluginLine(v).split(" | ")[0]);
  assertEquals(
    formatReport(bad, v).split("\n")[2],
    "  b     0/1 dates fetched; FAILED 2026-11-25: all 3 attempts failed; the sender sent no " +
      "fail.final (last: Error code: 3)",
  );
});

Deno.test("verdict: events that could not be counted are a WARNING, never only stderr", () => {
  const runs = summarize(run({ a: [[0, true]] }), { attempts: 3 });
  const v = verdict(runs, { ...opts, ignored: 2 });
  assertEquals([v.state, v.summary], ["WARNING", "2 events ignored"]);
  assertEquals(v.perf["ignored"], 2);
});

Deno.test("verdict: a proxy synced without a date, or not finished, or a run not finished", () => {
  const none = summarize(run({ a: [] }), { attempts: 3 });
  assertEquals(verdict(none, opts).summary, "1 proxy synced no date");
  assertEquals(verdict(none, opts).state, "CRITICAL");
  const open = summarize(run({ a: [[0, true]] }).filter((e) => e.event !== "host.finish"), {
    attempts: 3,
  });
  assertEquals([verdict(open, opts).state, verdict(open, opts).summary], [
    "WARNING",
    "1 proxy not finished",
  ]);
  // A run that synced no proxy at all fetched nothing: never OK, even with start and finish.
  const empty = summarize(run({}), { attempts: 3 });
  assertEquals([verdict(empty, opts).state, verdict(empty, opts).summary], [
    "CRITICAL",
    "1 run without a proxy",
  ]);
  const runOpen = summarize(run({ a: [[0, true]] }, false), { attempts: 3 });
  assertEquals(verdict(runOpen, opts).summary, "1 run not finished");
  assertEquals(verdict([], opts).summary, "no sync run found");
  assertEquals(verdict([], { ...opts, needRun: false }).state, "OK");
});

Deno.test("verdict and text: a proxy listed twice is said, each sync on its own line", () => {
  const events = [...run({ dup: [[0, true]] }), ...run({ dup: [[3, true]] }).slice(1)];
  const runs = summarize(events, { attempts: 3 });
  const v = verdict(runs, opts);
  assertEquals(
    v.summary,
    "1 date failed: dup 2026-11-25 (Error code: 3), 1 proxy synced more than once",
  );
  assertEquals(
    formatReport(runs, v).split("\n").slice(1, 4),
    [
      "  dup   synced 2 times in this run",
      "          sync 1: 0/1 dates fetched; FAILED 2026-11-25: all 3 attempts failed; the sender " +
      "sent no fail.final (last: Error code: 3)",
      "          sync 2: 1/1 dates fetched",
    ],
  );
});

Deno.test("verdict: a date finished after the silent timeout with no failure sent is UNVERIFIED, a WARNING", () => {
  const ev = secondsAfter("2026-12-01T03:15:00Z");
  const p = { synced_host: "p1" }, d = { ...p, log_date: "2026-11-30" };
  const events = [
    ev("start", 0),
    ev("host.start", 1, p),
    ev("host.logdate.start", 1, d),
    ev("host.logdate.finish", 1 + 3 * 7205, d),
    ev("host.finish", 2 + 3 * 7205, p),
    ev("finish", 3 + 3 * 7205),
  ];
  const runs = summarize(events, { attempts: 3 });
  const v = verdict(runs, { ignored: 0, warnRetries: false });
  assertEquals(v.state, "WARNING");
  assertEquals(v.summary, "1 date unverified (silent timeouts): p1 2026-11-30");
  // Never known to be fetched: not counted as fetched either.
  assertEquals(v.perf["dates_fetched"], 0);
  assertEquals(
    formatReport(runs, v).split("\n")[1],
    "  p1    0/1 dates fetched; UNVERIFIED 2026-11-30: logdate.start to finish took 6h00m with no " +
      "failure sent (attempts that hit the sync's 2-hour timeout send nothing)",
  );
  // Under the timeout: fetched, OK.
  assertEquals(
    verdict(summarize(events, { attempts: 3, attemptTimeout: 8 * 3600 }), {
      ignored: 0,
      warnRetries: false,
    }).state,
    "OK",
  );
});
