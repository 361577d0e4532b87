import { assertEquals } from "../../support/assert.ts";
import { secondsAfter, shuffle } from "../../support/sync_events.ts";
import {
  dateStatus,
  type DateSummary,
  reasonOf,
  type RunSummary,
  summarize,
  type SyncEvent,
} from "../../../lib/sync/runs.ts";

const ev = secondsAfter("2026-11-28T03:00:00Z");

/** The same runs whatever the arrival order (50 shuffles, and reversed). */
function sameInAnyOrder(events: SyncEvent[], attempts = 3): RunSummary[] {
  const runs = summarize(events, { attempts });
  const json = JSON.stringify(runs);
  for (let seed = 1; seed <= 50; seed++) {
    assertEquals(
      JSON.stringify(summarize(shuffle(events, seed), { attempts })),
      json,
      `seed ${seed}`,
    );
  }
  assertEquals(JSON.stringify(summarize([...events].reverse(), { attempts })), json);
  return runs;
}

/** One date of proxy p, in one second: start, the given failures, then finish (or not). */
function date(
  day: string,
  failures: ("retry" | "final")[],
  finish: boolean,
  second = 1,
  proxy = "p",
  field = "reason",
): SyncEvent[] {
  const d = { synced_host: proxy, log_date: day };
  return [
    ev("host.logdate.start", second, d),
    ...failures.map((f, i) =>
      ev(`host.logdate.fail.${f}`, second, { ...d, [field]: `Error code: ${23 + i}` })
    ),
    ...(finish ? [ev("host.logdate.finish", second, d)] : []),
  ];
}

const one = (runs: RunSummary[], day: string, proxy = "p", sync = 0): DateSummary =>
  runs[0]!.hosts[proxy]!.syncs[sync]!.dates[day]!;

Deno.test("runs: logdate.finish means done, not fetched: a fail.final stays a failure in any order", () => {
  const runs = sameInAnyOrder([
    ev("start", 0),
    ev("host.start", 1, { synced_host: "p" }),
    ...date("2026-11-27", ["retry", "retry", "final"], true),
    ev("host.finish", 1, { synced_host: "p" }),
    ev("finish", 2),
  ]);
  assertEquals(one(runs, "2026-11-27"), {
    status: "failed",
    attempts: 3,
    retries: 2,
    fail_final: true,
    last_reason: "Error code: 25",
  });
  // Even when the finish is sent seconds after the fail.final.
  const late = summarize([
    ...date("2026-11-27", ["final"], false, 1),
    ev("host.logdate.finish", 9, { synced_host: "p", log_date: "2026-11-27" }),
  ], { attempts: 3 });
  assertEquals(one(late, "2026-11-27").status, "failed");
});

Deno.test("runs: N fail.retry and no fail.final (the deployed senders) is a failure, fewer and a finish is fetched after retry", () => {
  const runs = sameInAnyOrder([
    ev("start", 0),
    ev("host.start", 1, { synced_host: "p" }),
    ...date("2026-11-25", ["retry", "retry", "retry"], true),
    ...date("2026-11-26", ["retry", "retry"], true),
    ...date("2026-11-27", [], true),
    ...date("2026-11-24", ["retry", "retry", "retry"], false),
    ...date("2026-11-23", ["retry"], false),
    ev("host.finish", 1, { synced_host: "p" }),
    ev("finish", 2),
  ]);
  const last = (k: number) => `Error code: ${23 + k}`;
  assertEquals(one(runs, "2026-11-25"), {
    status: "failed",
    attempts: 3,
    retries: 3,
    fail_final: false,
    last_reason: last(2),
  });
  assertEquals(one(runs, "2026-11-26"), {
    status: "fetched_after_retry",
    attempts: 3,
    retries: 2,
    fail_final: false,
    last_reason: last(1),
  });
  assertEquals(one(runs, "2026-11-27"), {
    status: "fetched",
    attempts: 1,
    retries: 0,
    fail_final: false,
  });
  assertEquals(one(runs, "2026-11-24").status, "failed");
  assertEquals(one(runs, "2026-11-23"), {
    status: "unfinished",
    attempts: 1,
    retries: 1,
    fail_final: false,
    last_reason: last(0),
  });
  // The number of attempts is the caller's: with 4, three retries and a finish is fetched.
  const four = summarize(date("2026-11-25", ["retry", "retry", "retry"], true), { attempts: 4 });
  assertEquals(one(four, "2026-11-25").status, "fetched_after_retry");
  assertEquals(one(four, "2026-11-25").attempts, 4);
});

Deno.test("runs: the status of a date depends on what was seen, never on the order", () => {
  for (const finished of [false, true]) {
    for (const fail_final of [false, true]) {
      for (let retries = 0; retries <= 4; retries++) {
        const got = dateStatus({ finished, retries, fail_final }, 3);
        const fetched = finished && !fail_final && retries < 3;
        assertEquals(got.startsWith("fetched"), fetched, `${finished} ${fail_final} ${retries}`);
        if (fail_final || retries >= 3) assertEquals(got, "failed");
      }
    }
  }
});

Deno.test("runs: the deployed bash script's `failure` field is the reason; `reason` wins when both are given", () => {
  const runs = summarize(date("2026-11-27", ["retry", "retry", "retry"], true, 1, "p", "failure"), {
    attempts: 3,
  });
  assertEquals(one(runs, "2026-11-27").last_reason, "Error code: 25");
  assertEquals(reasonOf({ reason: "a", failure: "b" }), "a");
  assertEquals(reasonOf({ failure: "b" }), "b");
  assertEquals(reasonOf({}), undefined);
  const skip = summarize(
    [ev("host.skip", 1, { synced_host: "q", failure: "Synced host unknown" })],
    {
      attempts: 3,
    },
  );
  assertEquals(skip[0]!.hosts["q"], {
    syncs: [{ finished: false, dates: {}, skipped: "Synced host unknown" }],
  });
});

Deno.test("runs: a proxy listed twice is synced twice, each date's outcome counted once per sync", () => {
  const p = { synced_host: "dup" };
  // Two workers sync the same proxy at once; their events interleave within the same seconds.
  // Worker A fetches every date at once, worker B's attempts all fail (no fail.final).
  const events = [ev("start", 0), ev("host.start", 1, p), ev("host.start", 1, p)];
  for (const day of ["2026-11-25", "2026-11-26", "2026-11-27"]) {
    const d = { ...p, log_date: day };
    events.push(
      ev("host.logdate.start", 2, d),
      ev("host.logdate.start", 2, d),
      ev("host.logdate.finish", 2, d),
      ev("host.logdate.fail.retry", 3, { ...d, reason: "Timeout expired." }),
      ev("host.logdate.fail.retry", 4, { ...d, reason: "Timeout expired." }),
      ev("host.logdate.fail.retry", 5, { ...d, reason: "Error code: 23" }),
      ev("host.logdate.finish", 5, d),
    );
  }
  events.push(ev("host.finish", 6, p), ev("host.finish", 6, p), ev("finish", 7));
  const runs = sameInAnyOrder(events);
  const syncs = runs[0]!.hosts["dup"]!.syncs;
  assertEquals(syncs.length, 2);
  assertEquals(syncs.map((s) => s.finished), [true, true]);
  const statuses = syncs.map((s) => Object.values(s.dates).map((d) => d.status));
  assertEquals(statuses.flat().filter((s) => s === "failed").length, 3);
  assertEquals(statuses.flat().filter((s) => s === "fetched").length, 3);

  // Both syncs fail every attempt, retries interleaved in the same second: two failures, not
  // one sync with six retries and one without any.
  const both = [ev("host.start", 1, p), ev("host.start", 1, p)];
  const d = { ...p, log_date: "2026-11-27" };
  both.push(ev("host.logdate.start", 1, d), ev("host.logdate.start", 1, d));
  for (let i = 0; i < 6; i++) both.push(ev("host.logdate.fail.retry", 1, { ...d, reason: "x" }));
  both.push(ev("host.logdate.finish", 1, d), ev("host.logdate.finish", 1, d));
  const twice = sameInAnyOrder(both);
  assertEquals(
    twice[0]!.hosts["dup"]!.syncs.map((s) => s.dates["2026-11-27"]!.status),
    ["failed", "failed"],
  );
  // A proxy skipped twice (listed twice, name does not resolve) is two skipped syncs.
  const skipped = summarize([
    ev("host.skip", 1, { synced_host: "gone", reason: "Synced host unknown" }),
    ev("host.skip", 1, { synced_host: "gone", reason: "Synced host unknown" }),
  ], { attempts: 3 });
  assertEquals(skipped[0]!.hosts["gone"]!.syncs.length, 2);
});

Deno.test("runs: an event seen twice (same id) counts once; a run without start is placed by its first event", () => {
  const retry = ev("host.logdate.fail.retry", 3, {
    synced_host: "p",
    log_date: "2026-11-27",
    reason: "x",
  });
  const runs = summarize([
    ...date("2026-11-27", ["retry"], true),
    retry,
    { ...retry },
    { ...retry },
  ], { attempts: 2 });
  assertEquals(one(runs, "2026-11-27").retries, 2);
  assertEquals(runs[0]!.first_seen, "2026-11-28T03:00:01+00:00");
  assertEquals(runs[0]!.unfinished, true);
  assertEquals(runs[0]!.start, undefined);
});

Deno.test("runs: a flood of events for one proxy (a looping sender, a crafted file) costs linear time and never throws", () => {
  const events: SyncEvent[] = [];
  const at = "2026-11-28T03:00:00+00:00";
  const e = (event: string, body: Record<string, string>, i: number): SyncEvent => ({
    id: `f-${i}`,
    event,
    sentAt: at,
    body: { host: "log01", run_id: "flood", synced_host: "p", ...body },
  });
  // 60,000 starts of one date, then as many finishes; and 150,000 different dates (more than
  // a function call takes arguments).
  for (let i = 0; i < 60_000; i++) {
    events.push(e("host.logdate.start", { log_date: "2026-11-27" }, i));
  }
  for (let i = 0; i < 60_000; i++) {
    events.push(e("host.logdate.finish", { log_date: "2026-11-27" }, 60_000 + i));
  }
  const day = new Date(Date.UTC(1000, 0, 1));
  for (let i = 0; i < 150_000; i++) {
    day.setUTCDate(day.getUTCDate() + 1);
    events.push(e("host.logdate.start", { log_date: day.toISOString().slice(0, 10) }, 200_000 + i));
  }
  const started = performance.now();
  const runs = summarize(events, { attempts: 3 });
  const ms = performance.now() - started;
  assertEquals(runs[0]!.hosts["p"]!.syncs.length, 60_000);
  assertEquals(Object.keys(runs[0]!.hosts["p"]!.syncs[0]!.dates).length, 150_001);
  assertEquals(ms < 10_000, true, `${Math.round(ms)} ms`);
});
