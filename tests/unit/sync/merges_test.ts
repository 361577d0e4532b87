import { assertEquals } from "../../support/assert.ts";
import {
  fetchedAfterMerge,
  type MergeEvent,
  mergeEvent,
  mergesOf,
  targetDate,
} from "../../../lib/sync/merges.ts";

const line = (
  event: string,
  at: string,
  body: Record<string, unknown>,
  id: string = crypto.randomUUID(),
) => ({
  topic: `org.fedoraproject.prod.logging.stats.combinehttplogs.logmerge.proxy.${event}`,
  body: { loghost: "log01", run_id: "m1", file: "a.log.xz", ...body },
  headers: { "sent-at": at },
  id,
});

Deno.test("merge events: the proxy merge's target date, loghost, result; other lines are none", () => {
  assertEquals(targetDate("/mnt/fedora_stats/combined-http/2026/12/05"), "2026-12-05");
  assertEquals(targetDate("/mnt/x/2026/02/30"), undefined);
  assertEquals(targetDate("/mnt/x/latest"), undefined);
  const e = mergeEvent(
    line("finish", "2026-12-07T05:00:00+00:00", {
      target: "/mnt/fedora_stats/combined-http/2026/12/05",
      result: "0",
    }, "x"),
    "org.fedoraproject.prod",
  );
  assertEquals(e, {
    id: "x",
    event: "finish",
    server: "log01",
    run_id: "m1",
    file: "a.log.xz",
    date: "2026-12-05",
    at: Date.parse("2026-12-07T05:00:00Z"),
    result: "0",
  });
  // The download and people merges are not what DNF Counting reads.
  const people = line("start", "2026-12-07T05:00:00+00:00", { target: "/m/2026/12/05" });
  people.topic = "logging.stats.combinehttplogs.logmerge.people.start";
  assertEquals(mergeEvent(people, ""), undefined);
  assertEquals(mergeEvent(line("start", "not a time", { target: "/m/2026/12/05" }), ""), undefined);
});

Deno.test("merges: merged, failed (a result, or never finished before a later run), running; a re-run that succeeds", () => {
  const ev = (
    event: "start" | "finish",
    at: string,
    run_id = "m1",
    result?: string,
  ): MergeEvent => ({
    id: crypto.randomUUID(),
    event,
    server: "log01",
    run_id,
    file: "a",
    date: "2026-12-05",
    at: Date.parse(at),
    ...(result === undefined ? {} : { result }),
  });
  const ok = [ev("start", "2026-12-07T05:00:00Z"), ev("finish", "2026-12-07T05:04:00Z", "m1", "0")];
  const merged = mergesOf(ok, []).get("2026-12-05")!;
  assertEquals(merged.status, "merged");
  assertEquals(fetchedAfterMerge(merged, Date.parse("2026-12-07T03:15:00Z")), false);
  assertEquals(fetchedAfterMerge(merged, Date.parse("2026-12-08T03:15:00Z")), true);
  const bad = [
    ev("start", "2026-12-07T05:00:00Z"),
    ev("finish", "2026-12-07T05:04:00Z", "m1", "1"),
  ];
  assertEquals(mergesOf(bad, []).get("2026-12-05")!.status, "failed");
  const open = [ev("start", "2026-12-07T05:00:00Z")];
  assertEquals(mergesOf(open, []).get("2026-12-05")!.status, "running");
  assertEquals(
    mergesOf(open, [Date.parse("2026-12-08T03:15:00Z")]).get("2026-12-05")!.status,
    "failed",
  );
  // Re-run by hand after the late fetch, with success: in time again, and no longer failed.
  const again = [
    ...bad,
    ev("start", "2026-12-08T10:00:00Z", "m2"),
    ev("finish", "2026-12-08T10:04:00Z", "m2", "0"),
  ];
  const redone = mergesOf(again, []).get("2026-12-05")!;
  assertEquals(redone.status, "merged");
  assertEquals(fetchedAfterMerge(redone, Date.parse("2026-12-08T03:15:00Z")), false);
  // The same event twice (by id) counts once.
  assertEquals(mergesOf([...ok, ok[1]!], []).get("2026-12-05")!.runs.length, 1);
});

Deno.test("merge events: a proxy merge event coverage cannot place is told, never dropped unsaid", () => {
  const told: { why: string; run_id?: string }[] = [];
  const tell = (w: { why: string; run_id?: string }) =>
    told.push({ why: w.why, ...(w.run_id ? { run_id: w.run_id } : {}) });
  const at = "2026-12-07T05:00:00+00:00";
  // A target not ending in YYYY/MM/DD, a time that is none, no run_id, a body that is none.
  assertEquals(
    mergeEvent(line("finish", at, { target: "/m/2026-12-05", result: "1" }), "", tell),
    undefined,
  );
  assertEquals(mergeEvent(line("start", "soon", { target: "/m/2026/12/05" }), "", tell), undefined);
  assertEquals(
    mergeEvent(line("start", at, { target: "/m/2026/12/05", run_id: 7 }), "", tell),
    undefined,
  );
  const noBody = { ...line("start", at, {}), body: "x" };
  assertEquals(mergeEvent(noBody, "", tell), undefined);
  assertEquals(told, [
    { why: "not a valid proxy merge event: target (must end in YYYY/MM/DD)", run_id: "m1" },
    { why: "not a valid proxy merge event: headers.sent-at (must be a time)", run_id: "m1" },
    { why: "not a valid proxy merge event: run_id (must be a string)" },
    { why: "not a valid proxy merge event: body and headers must be objects" },
  ]);
  // The other merges and other topics are not proxy merge events at all: nothing to tell.
  const people = line("start", at, { target: "/m/x" });
  people.topic = "logging.stats.combinehttplogs.logmerge.people.start";
  assertEquals(mergeEvent(people, "", tell), undefined);
  assertEquals(told.length, 4);
});
