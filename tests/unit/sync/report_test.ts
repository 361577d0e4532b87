import { assertEquals } from "../../support/assert.ts";
import { critical, secondsAfter, shuffle, sum, text } from "../../support/sync_events.ts";
import { syncEvent } from "../../../lib/sync/report.ts";
import { parseJson } from "../../../lib/message/pyjson.ts";
import type { SyncEvent } from "../../../lib/sync/runs.ts";

const ev = secondsAfter("2026-11-28T03:00:00Z");

Deno.test("report: runs, proxies, dates, retries, skips; out of order and duplicates do not confuse it", () => {
  const p = { synced_host: "proxy01" };
  const events = [
    ev("start", 0),
    ev("host.start", 1, p),
    ev("host.logdate.start", 2, { ...p, log_date: "2026-11-27" }),
    ev("host.logdate.fail.retry", 3, { ...p, log_date: "2026-11-27", reason: "timed out" }),
    ev("host.logdate.finish", 4, { ...p, log_date: "2026-11-27" }),
    ev("host.logdate.start", 5, { ...p, log_date: "2026-11-26" }),
    ev("host.logdate.fail.final", 6, {
      ...p,
      log_date: "2026-11-26",
      reason: "rsync exited with 23",
    }),
    ev("host.finish", 7, p),
    ev("host.skip", 8, { synced_host: "proxy99", reason: "Synced host unknown" }),
    ev("finish", 75),
  ];
  // Reversed and with one event twice: the same report.
  const shuffled = [...events].reverse();
  shuffled.push({ ...events[3]! });
  for (const input of [events, shuffled]) {
    const runs = sum(input);
    assertEquals(runs.length, 1);
    assertEquals(runs[0]!.duration_seconds, 75);
    assertEquals(runs[0]!.hosts["proxy01"]!.syncs[0]!.dates["2026-11-27"], {
      status: "fetched_after_retry",
      attempts: 2,
      retries: 1,
      fail_final: false,
      last_reason: "timed out",
    });
    assertEquals(
      text(runs),
      "run r1 on log01: 2026-11-28T03:00:00+00:00 to 2026-11-28T03:01:15+00:00 (1m15s)\n" +
        "  proxy01  1/2 dates fetched; FAILED 2026-11-26: rsync exited with 23 " +
        "(fail.final after 1 attempt); 2026-11-27 fetched after 1 retry (last: timed out)\n" +
        "  proxy99  skipped: Synced host unknown\n" +
        "SYNC CRITICAL - 1 date failed: proxy01 2026-11-26 (rsync exited with 23), " +
        "1 proxy skipped, 1 date fetched after retries\n",
    );
    assertEquals(critical(runs), true);
  }
});

Deno.test("report: a clean run needs no attention; one that never finished does", () => {
  const p = { run_id: "r2", synced_host: "p1", log_date: "2026-11-27" };
  const clean = sum([
    ev("start", 0, { run_id: "r2" }),
    ev("host.start", 0, p),
    ev("host.logdate.start", 0, p),
    ev("host.logdate.finish", 0, p),
    ev("host.finish", 0, p),
    ev("finish", 1, { run_id: "r2" }),
  ]);
  assertEquals(text(clean).endsWith("\nSYNC OK - 1 run, 1 date fetched\n"), true);
  assertEquals(critical(clean), false);
  // Start and finish with nothing between: nothing was fetched.
  const empty = sum([ev("start", 0, { run_id: "r5" }), ev("finish", 1, { run_id: "r5" })]);
  assertEquals(text(empty).endsWith("\nSYNC CRITICAL - 1 run without a proxy\n"), true);
  const open = sum([ev("start", 0, { run_id: "r3" })]);
  assertEquals(critical(open), true);
  assertEquals(text([]), "SYNC CRITICAL - no sync run found\n");
  assertEquals(critical([]), true, "a job that did not run is not a good day");
});

Deno.test("report: only valid logging.stats.sync events count, each invalid one said; the prefix is stripped", () => {
  const line = (topic: string, body: unknown) =>
    parseJson(
      JSON.stringify({ topic, body, id: "x", headers: { "sent-at": "2026-11-28T03:00:00+00:00" } }),
    );
  const said: string[] = [];
  const invalid = (what: { why: string }) => said.push(what.why);
  assertEquals(
    syncEvent(
      line("org.fedoraproject.prod.logging.stats.sync.start", { run_id: "r", host: "h" }),
      "org.fedoraproject.prod",
      invalid,
    )?.event,
    "start",
  );
  assertEquals(
    syncEvent(line("logging.stats.merge.start", { run_id: "r" }), "", invalid),
    undefined,
  );
  assertEquals(syncEvent(parseJson("[1]"), "", invalid), undefined);
  assertEquals(said, []);
  assertEquals(
    syncEvent(line("logging.stats.sync.start", { run_id: "r" }), "", invalid),
    undefined,
  );
  assertEquals(syncEvent(line("logging.stats.sync.finish", []), "", invalid), undefined);
  assertEquals(
    syncEvent(line("logging.stats.sync.host.logdate.fail.final", {}), "", invalid),
    undefined,
  );
  assertEquals(said, [
    "not a valid sync event: body.host: is required for logging.stats.sync.start",
    "not a valid sync event: body: must be an object",
    "not a valid sync event: body.host: is required for logging.stats.sync.host.logdate.fail.final; " +
    "body.run_id: is required for logging.stats.sync.host.logdate.fail.final; " +
    "body.synced_host: is required for logging.stats.sync.host.logdate.fail.final; " +
    "body.log_date: is required for logging.stats.sync.host.logdate.fail.final; " +
    "body.reason: is required for logging.stats.sync.host.logdate.fail.final (or body.failure)",
  ]);
});

Deno.test("report text: control characters from the bus (run id, host, proxy, reason, dates) are shown escaped", () => {
  const runs = sum([
    ev("start", 0, { run_id: "r\x1b]0;t\x07", host: "h\x9b2J" }),
    ev("host.logdate.fail.final", 1, {
      run_id: "r\x1b]0;t\x07",
      synced_host: "p\x1b[31m",
      log_date: "2026-11-27",
      reason: "why\x7f\nnext",
    }),
  ]);
  const shown = text(runs);
  // deno-lint-ignore no-control-regex
  assertEquals(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(shown), false, shown);
  assertEquals(shown.split("\n")[0]!.startsWith("run r\\x1b]0;t\\x07 on h\\x9b2J: "), true, shown);
  assertEquals(
    shown.split("\n")[1],
    "  p\\x1b[31m  0/1 dates fetched; FAILED 2026-11-27: why\\x7f\\x0anext " +
      "(fail.final after 1 attempt); proxy not finished",
  );
});

Deno.test("report: the same events give the same report in any arrival order, even within one second", () => {
  // Whole-second sent-at: a fast sync puts many events into the same second.
  const events: SyncEvent[] = [ev("start", 0)];
  for (const proxy of ["p2", "p1", "p3"]) {
    const p = { synced_host: proxy };
    events.push(ev("host.start", 1, p));
    for (const day of ["2026-11-27", "2026-11-26", "2026-11-25"]) {
      const d = { ...p, log_date: day };
      events.push(ev("host.logdate.start", 1, d));
      events.push(ev("host.logdate.fail.retry", 1, { ...d, reason: "timed out" }));
      events.push(
        proxy === "p3"
          ? ev("host.logdate.fail.final", 1, { ...d, reason: "gave up" })
          : ev("host.logdate.finish", 1, d),
      );
    }
    events.push(ev("host.finish", 1, p));
  }
  events.push(ev("host.skip", 1, { synced_host: "p0", reason: "Synced host unknown" }));
  events.push(ev("finish", 1));
  const expected = text(sum(events));
  assertEquals(
    expected,
    "run r1 on log01: 2026-11-28T03:00:00+00:00 to 2026-11-28T03:00:01+00:00 (1s)\n" +
      "  p0    skipped: Synced host unknown\n" +
      "  p1    3/3 dates fetched; 2026-11-25 fetched after 1 retry (last: timed out); " +
      "2026-11-26 fetched after 1 retry (last: timed out); 2026-11-27 fetched after 1 retry " +
      "(last: timed out)\n" +
      "  p2    3/3 dates fetched; 2026-11-25 fetched after 1 retry (last: timed out); " +
      "2026-11-26 fetched after 1 retry (last: timed out); 2026-11-27 fetched after 1 retry " +
      "(last: timed out)\n" +
      "  p3    0/3 dates fetched; FAILED 2026-11-25: gave up (fail.final after 2 attempts); " +
      "FAILED 2026-11-26: gave up (fail.final after 2 attempts); FAILED 2026-11-27: gave up " +
      "(fail.final after 2 attempts)\n" +
      "SYNC CRITICAL - 3 dates failed: p3 2026-11-25 (gave up), p3 2026-11-26 (gave up), " +
      "p3 2026-11-27 (gave up), 1 proxy skipped, 6 dates fetched after retries\n",
  );
  const json = JSON.stringify(sum(events));
  for (let seed = 1; seed <= 50; seed++) {
    const order = shuffle(events, seed);
    assertEquals(text(sum(order)), expected, `seed ${seed}`);
    assertEquals(JSON.stringify(sum(order)), json, `seed ${seed}`);
  }
});

Deno.test("report: a date that started and never finished or failed makes the run need attention", () => {
  const p = { synced_host: "proxy01", run_id: "r4" };
  const runs = sum([
    ev("start", 0, { run_id: "r4" }),
    ev("host.start", 1, p),
    ev("host.logdate.start", 2, { ...p, log_date: "2026-11-27" }),
    ev("host.logdate.start", 3, { ...p, log_date: "2026-11-26" }),
    ev("host.logdate.finish", 4, { ...p, log_date: "2026-11-26" }),
    ev("host.finish", 5, p),
    ev("finish", 6, { run_id: "r4" }),
  ]);
  assertEquals(runs[0]!.hosts["proxy01"]!.syncs[0]!.dates["2026-11-27"]!.status, "unfinished");
  assertEquals(critical(runs), true);
  assertEquals(
    text(runs).split("\n").slice(1).join("\n"),
    "  proxy01  1/2 dates fetched; NOT FINISHED 2026-11-27\n" +
      "SYNC CRITICAL - 1 date not finished: proxy01 2026-11-27\n",
  );
});

Deno.test("report: topics of fedora-messaging record files (any prefix) are recognised", () => {
  const line = parseJson(JSON.stringify({
    topic: "org.fedoraproject.stg.logging.stats.sync.host.logdate.fail.final",
    body: { run_id: "r", synced_host: "p", log_date: "2026-11-27", reason: "x", host: "h" },
    headers: { "sent-at": "2026-11-28T03:00:00+00:00" },
    id: "i",
    queue: "busmsg-recorder",
    priority: 0,
  }));
  assertEquals(syncEvent(line, "")?.event, "host.logdate.fail.final");
  assertEquals(syncEvent(line, "org.fedoraproject.prod")?.event, "host.logdate.fail.final");
});
