/** `report` and the recorder's side files (`sync-D.rejects.jsonl`): counted, said, never read as events. */
import { assertEquals } from "../support/assert.ts";
import { busmsg, runCommand } from "../support/run.ts";

const event = (topic: string, at: string, body: Record<string, string> = {}) =>
  JSON.stringify({
    topic: `logging.stats.sync.${topic}`,
    body: { host: "log01.example.org", run_id: "r-aside", ...body },
    id: crypto.randomUUID(),
    headers: { "sent-at": at },
  });

const aside = (time: string) =>
  JSON.stringify({ time, kind: "unparsable", reason: "body is not a JSON object", id: "x" });

Deno.test("report: entries of the side file beside a day file, in the report's dates, are a WARNING naming the file; a glob that matches it does not read it as events", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-aside-" });
  const p = { synced_host: "proxy01.example.org" };
  const d = { ...p, log_date: "2026-11-27" };
  const day = `${dir}/sync-2026-11-28.jsonl`;
  await Deno.writeTextFile(
    day,
    [
      event("start", "2026-11-28T03:00:00+00:00"),
      event("host.start", "2026-11-28T03:00:01+00:00", p),
      event("host.logdate.start", "2026-11-28T03:00:02+00:00", d),
      event("host.logdate.finish", "2026-11-28T03:00:05+00:00", d),
      event("host.finish", "2026-11-28T03:00:06+00:00", p),
      event("finish", "2026-11-28T03:00:07+00:00"),
    ].join("\n") + "\n",
  );
  const clean = await busmsg(["report", day]);
  assertEquals([clean.code, clean.stdout.split("\n").at(-2)], [
    0,
    "SYNC OK - 1 run, 1 date fetched",
  ]);
  const side = `${dir}/sync-2026-11-28.rejects.jsonl`;
  await Deno.writeTextFile(
    side,
    aside("2026-11-28T04:00:00.000Z") + "\n" + aside("2026-11-28T05:00:00.000Z") + "\n",
  );
  const expected = `SYNC WARNING - 2 messages not recorded, kept aside in ${side}`;
  for (const args of [[day], [day, side], ["--date", "2026-11-28", day, side]]) {
    const got = await busmsg(["report", ...args]);
    assertEquals([got.code, got.stdout.split("\n").at(-2), got.stderr], [0, expected, ""]);
  }
  const plugin = await busmsg(["report", "--nagios", day]);
  assertEquals(plugin.code, 1);
  assertEquals(plugin.stdout.split("\n")[0]!.startsWith(expected + " | "), true, plugin.stdout);
  assertEquals(plugin.stdout.split("\n")[0]!.endsWith(" kept_aside=2"), true, plugin.stdout);
  // Another day's entries are not this report's.
  const other = await busmsg(["report", "--date", "2026-11-29", day]);
  assertEquals(other.stdout.includes("kept aside"), false, other.stdout);
  // Compressed by logrotate, beside a compressed day file: still found.
  await runCommand("gzip", [day]);
  await runCommand("gzip", [side]);
  const gz = await busmsg(["report", `${day}.gz`]);
  assertEquals(gz.stdout.split("\n").at(-2), expected.replace(side, `${side}.gz`));
});

Deno.test("report streams the side file: a line of 600 MiB counts as one message kept aside, no 'string too long'", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-aside-" });
  const day = `${dir}/sync-2026-11-28.jsonl`;
  await Deno.writeTextFile(day, event("start", "2026-11-28T03:00:00+00:00") + "\n");
  const side = `${dir}/sync-2026-11-28.rejects.jsonl`;
  await Deno.writeTextFile(side, aside("2026-11-28T04:00:00.000Z") + "\n");
  // A junk message as large as the broker lets through, sparse on disk: one line, unreadable.
  await Deno.truncate(side, 600 * 1024 * 1024);
  await Deno.writeTextFile(side, "\n" + aside("2026-11-28T05:00:00.000Z") + "\n", { append: true });
  const got = await busmsg(["report", "--nagios", day]);
  const plugin = got.stdout.split("\n")[0]!;
  assertEquals(got.code, 2, plugin);
  assertEquals(plugin.includes("3 messages not recorded, kept aside in " + side), true, plugin);
  assertEquals(plugin.endsWith(" kept_aside=3"), true, plugin);
  await Deno.remove(dir, { recursive: true });
});
