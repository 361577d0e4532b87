/** `report` on day files that logrotate compressed (`compress` in the README's snippet). */
import { assertEquals } from "../support/assert.ts";
import { busmsg, runCommand } from "../support/run.ts";

const event = (topic: string, at: string, body: Record<string, string> = {}) =>
  JSON.stringify({
    topic: `logging.stats.sync.${topic}`,
    body: { host: "log01.example.org", run_id: "r-gz", ...body },
    id: crypto.randomUUID(),
    headers: { "sent-at": at },
  });

Deno.test("report reads a gzip day file (as logrotate leaves it) as it reads the plain one, from a path or stdin", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-gz-" });
  const p = { synced_host: "proxy01.example.org" };
  const d = { ...p, log_date: "2026-11-27" };
  const day = `${dir}/sync-2026-11-28.jsonl`;
  await Deno.writeTextFile(
    day,
    [
      event("start", "2026-11-28T03:00:00+00:00"),
      event("host.start", "2026-11-28T03:00:01+00:00", p),
      event("host.logdate.start", "2026-11-28T03:00:02+00:00", d),
      "not json",
      event("host.logdate.finish", "2026-11-28T03:00:05+00:00", d),
      event("host.finish", "2026-11-28T03:00:06+00:00", p),
      event("finish", "2026-11-28T03:00:07+00:00"),
    ].join("\n") + "\n",
  );
  const plain = await busmsg(["report", day]);
  assertEquals(plain.code, 0, plain.stderr);
  assertEquals(
    plain.stdout,
    "run r-gz on log01.example.org: 2026-11-28T03:00:00+00:00 to 2026-11-28T03:00:07+00:00 (7s)\n" +
      "  proxy01.example.org  1/1 dates fetched\n" +
      // The line that is not JSON is counted, not only said on stderr.
      "SYNC WARNING - 1 event ignored\n",
  );
  const gz = await runCommand("gzip", ["--keep", day]);
  assertEquals(gz.code, 0, gz.stderr);
  const zipped = await busmsg(["report", `${day}.gz`]);
  assertEquals([zipped.code, zipped.stdout], [0, plain.stdout]);
  assertEquals(
    zipped.stderr,
    `busmsg: ${day}.gz:4: not JSON, ignored\n`,
    "line numbers of the plain text",
  );
  const piped = await busmsg(["report", "-"], { stdin: await Deno.readFile(`${day}.gz`) });
  assertEquals([piped.code, piped.stdout], [0, plain.stdout]);
  // Cut short (a disk that filled while logrotate compressed): one line naming the file.
  const whole = await Deno.readFile(`${day}.gz`);
  await Deno.writeFile(`${dir}/cut.jsonl.gz`, whole.subarray(0, whole.length - 12));
  const cut = await busmsg(["report", `${dir}/cut.jsonl.gz`]);
  assertEquals(cut.code, 2, cut.stdout);
  assertEquals(
    cut.stderr.split("\n").filter((l) => l.includes("cannot read")).length,
    1,
    cut.stderr,
  );
});
