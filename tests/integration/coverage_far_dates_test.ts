/**
 * One sync event with a log date far from when it was sent (9999-12-31, or 2062 for 2026) must
 * not take `report --coverage` down: the event is not counted and is said (at least WARNING),
 * and the text and the page stay the size of the dates really seen. A sent-at forged into the
 * far future too adds a column, never the calendar between.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { busmsg } from "../support/run.ts";
import { sixNights, writeDayFiles } from "../support/nights.ts";

function logdate(logDate: string, sentAt: string, id: string): string {
  return JSON.stringify({
    topic: "logging.stats.sync.host.logdate.start",
    body: {
      host: "log01",
      run_id: "far-" + id,
      synced_host: "proxy01.fedoraproject.org",
      log_date: logDate,
    },
    headers: { "sent-at": sentAt },
    id,
  }) + "\n";
}

Deno.test("report --coverage: a far-future or far-past log date is ignored and said, never expanded", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-far-" });
  const files = await writeDayFiles(dir, sixNights());
  const last = files.at(-1)!;
  await Deno.writeTextFile(
    last,
    logdate("9999-12-31", "2026-12-06T03:20:00+00:00", "a") +
      logdate("2062-12-05", "2026-12-06T03:20:01+00:00", "b") +
      logdate("2016-12-05", "2026-12-06T03:20:02+00:00", "c"),
    { append: true },
  );
  const started = Date.now();
  const check = await busmsg(["report", "--coverage", "--since", "31d", "--nagios", ...files]);
  assert(Date.now() - started < 20_000, "bounded work");
  const plugin = check.stdout.split("\n")[0]!;
  // proxy04's lost date makes it CRITICAL; the three events are said beside it.
  assertEquals(check.code, 2, plugin);
  assertIncludes(plugin, "3 events ignored");
  assertIncludes(plugin, " ignored=3");
  assertIncludes(
    check.stderr,
    `${last}:${(await Deno.readTextFile(last)).split("\n").length - 3}: log_date 9999-12-31 is ` +
      "2912103 days after the event was sent (2026-12-06T03:20:00+00:00), ignored",
  );
  assertIncludes(check.stderr, "log_date 2062-12-05 is 13148 days after");
  assertIncludes(check.stderr, "log_date 2016-12-05 is 3653 days before");
  assert(check.stdout.length < 10_000, `${check.stdout.length} bytes of text`);
  const page = await busmsg(["report", "--coverage", "--html", "-", ...files]);
  assert(page.stdout.length < 200_000, `${page.stdout.length} bytes of page`);
  assertIncludes(page.stdout, "(8 days)");
  // The per-run report says the same and ignores the same.
  const runs = await busmsg(["report", "--nagios", ...files]);
  assertIncludes(runs.stdout.split("\n")[0]!, "3 events ignored");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report --coverage: a sent-at forged into the far future adds a column, not the calendar up to it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-far-" });
  const files = await writeDayFiles(dir, sixNights());
  await Deno.writeTextFile(
    files.at(-1)!,
    logdate("9999-12-30", "9999-12-31T03:20:00+00:00", "d"),
    { append: true },
  );
  const text = await busmsg(["report", "--coverage", "--json", ...files]);
  const c = JSON.parse(text.stdout);
  assertEquals([c.from, c.to], ["2026-11-28", "9999-12-30"]);
  const plain = await busmsg(["report", "--coverage", ...files]);
  const row = plain.stdout.split("\n").find((l) => l.startsWith("  proxy01"))!;
  assertEquals(row, "  proxy01.fedoraproject.org  ........X", "one column for 9999-12-30");
  const page = await busmsg(["report", "--coverage", "--html", "-", ...files]);
  assertIncludes(page.stdout, "(9 days)");
  await Deno.remove(dir, { recursive: true });
});
