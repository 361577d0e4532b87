import { assertEquals } from "./assert.ts";
import {
  formatReport,
  needsAttention,
  summarize,
  type SyncEvent,
  syncEvent,
} from "../lib/sync/report.ts";
import { parseJson } from "../lib/message/pyjson.ts";

let n = 0;
const ev = (event: string, second: number, body: Record<string, string> = {}): SyncEvent => ({
  id: `id-${n++}`,
  event,
  sentAt: new Date(Date.UTC(2026, 10, 28, 3, 0, second)).toISOString().replace(".000Z", "+00:00"),
  body: { host: "log01", run_id: "r1", ...body },
});

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
    const runs = summarize(input);
    assertEquals(runs.length, 1);
    assertEquals(runs[0]!.durationSeconds, 75);
    assertEquals(runs[0]!.hosts["proxy01"]!.dates["2026-11-27"], {
      status: "finished",
      retries: 1,
    });
    assertEquals(
      formatReport(runs),
      "run r1 on log01: 2026-11-28T03:00:00+00:00 to 2026-11-28T03:01:15+00:00 (1m15s)\n" +
        "  proxy01  1/2 date(s) finished; FAILED 2026-11-26: rsync exited with 23; 1 retry\n" +
        "  proxy99  skipped: Synced host unknown\n" +
        "  => 1 final failure(s)\n",
    );
    assertEquals(needsAttention(runs), true);
  }
});

Deno.test("report: a clean run needs no attention; one that never finished does", () => {
  const clean = summarize([ev("start", 0, { run_id: "r2" }), ev("finish", 1, { run_id: "r2" })]);
  assertEquals(formatReport(clean).endsWith("  => ok\n"), true);
  assertEquals(needsAttention(clean), false);
  const open = summarize([ev("start", 0, { run_id: "r3" })]);
  assertEquals(needsAttention(open), true);
  assertEquals(formatReport([]), "no sync runs found\n");
});

Deno.test("report: only logging.stats.sync lines with a run_id count; the prefix is stripped", () => {
  const line = (topic: string, body: object) =>
    parseJson(
      JSON.stringify({ topic, body, id: "x", headers: { "sent-at": "2026-11-28T03:00:00+00:00" } }),
    );
  assertEquals(
    syncEvent(
      line("org.fedoraproject.prod.logging.stats.sync.start", { run_id: "r" }),
      "org.fedoraproject.prod",
    )?.event,
    "start",
  );
  assertEquals(syncEvent(line("logging.stats.merge.start", { run_id: "r" }), ""), undefined);
  assertEquals(syncEvent(line("logging.stats.sync.start", {}), ""), undefined);
  assertEquals(syncEvent(parseJson("[1]"), ""), undefined);
});
