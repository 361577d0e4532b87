/**
 * logrotate/busmsg, the snippet for /etc/logrotate.d, run by the real logrotate under Fedora's
 * /etc/logrotate.conf defaults (weekly, rotate 4, create, dateext, include): it compresses the
 * recorder's days that are over (day files and side files), never touches today's file (not even
 * with -f), deletes compressed days past ~13 months under either naming, and `report` still finds
 * both in what it leaves.
 */
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { busmsg, ROOT, runCommand } from "../support/run.ts";

const logrotate = await runCommand("logrotate", ["--version"]).catch(() => undefined);
const missing = logrotate?.code === 0 ? undefined : "logrotate is not installed";
if (missing) console.log(`logrotate snippet: skipped: ${missing}`);

const event = (topic: string, at: string, body: Record<string, string> = {}) =>
  JSON.stringify({
    topic: `logging.stats.sync.${topic}`,
    body: { host: "log01.example.org", run_id: "r-rot", ...body },
    id: crypto.randomUUID(),
    headers: { "sent-at": at },
  });

/** A log directory and Fedora's logrotate.conf including the snippet, pointed at the directory. */
async function setUp(): Promise<{ dir: string; log: string; conf: string }> {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-logrotate-" });
  const log = `${dir}/log`;
  await Deno.mkdir(log);
  await Deno.mkdir(`${dir}/logrotate.d`);
  const snippet = (await Deno.readTextFile(`${ROOT}logrotate/busmsg`))
    .replaceAll("/var/log/busmsg", log)
    .replace("su busmsg busmsg", "su root root");
  await Deno.writeTextFile(`${dir}/logrotate.d/busmsg`, snippet);
  // Fedora's /etc/logrotate.conf, as installed (its comments left out).
  await Deno.writeTextFile(
    `${dir}/logrotate.conf`,
    `weekly\nrotate 4\ncreate\ndateext\ninclude ${dir}/logrotate.d\n`,
  );
  return { dir, log, conf: `${dir}/logrotate.conf` };
}

/** Today's day file as the recorder names it (UTC). */
const todayName = () => `sync-${new Date().toISOString().slice(0, 10)}.jsonl`;
/** logrotate's dateext suffix for a rotation now (local time, as logrotate takes it). */
const dateext = () => {
  const d = new Date();
  return `-${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, "0")}${
    String(d.getDate()).padStart(2, "0")
  }`;
};

Deno.test({
  name:
    "logrotate snippet under Fedora's defaults (dateext): days that are over compressed, report reads them and their side file, today's file untouched, old days of both namings deleted",
  ignore: missing !== undefined,
  fn: async () => {
    const { dir, log, conf } = await setUp();
    const over = `${log}/sync-2026-12-01.jsonl`;
    const today = `${log}/${todayName()}`;
    await Deno.writeTextFile(
      over,
      [
        event("start", "2026-12-01T03:00:00+00:00"),
        ...["host.start", "host.logdate.start", "host.logdate.finish", "host.finish"].map((t, i) =>
          event(t, `2026-12-01T03:00:0${i + 1}+00:00`, {
            synced_host: "proxy01.example.org",
            ...(t.includes("logdate") ? { log_date: "2026-11-30" } : {}),
          })
        ),
        event("finish", "2026-12-01T03:00:07+00:00"),
      ].join("\n") + "\n",
    );
    await Deno.writeTextFile(
      `${log}/sync-2026-12-01.rejects.jsonl`,
      JSON.stringify({ time: "2026-12-01T04:00:00.000Z", kind: "unparsable", reason: "x" }) + "\n",
    );
    await Deno.writeTextFile(today, "{}\n");
    const old = [`${log}/sync-2025-01-01.jsonl.1.gz`, `${log}/sync-2025-01-02.jsonl-20250103.gz`];
    for (const o of old) await runCommand("sh", ["-c", `echo old | gzip > '${o}'`]);
    await runCommand("touch", ["-d", "5 days ago", over, `${log}/sync-2026-12-01.rejects.jsonl`]);
    await runCommand("touch", ["-d", "500 days ago", ...old]);
    // As if logrotate had seen these files three days ago (it rotates "daily" from then on).
    const seen = new Date(Date.now() - 3 * 86_400_000);
    const stamp = `${seen.getFullYear()}-${seen.getMonth() + 1}-${seen.getDate()}-0:0:0`;
    await Deno.writeTextFile(
      `${dir}/state`,
      "logrotate state -- version 2\n" +
        [over, `${log}/sync-2026-12-01.rejects.jsonl`, today].map((p) => `"${p}" ${stamp}\n`)
          .join(""),
    );
    const run = await runCommand("logrotate", ["-s", `${dir}/state`, conf]);
    assertEquals(run.code, 0, run.stderr);
    const names = [...Deno.readDirSync(log)].map((e) => e.name).sort();
    assertEquals(names, [
      `sync-2026-12-01.jsonl${dateext()}.gz`,
      `sync-2026-12-01.rejects.jsonl${dateext()}.gz`,
      todayName(),
    ]);
    const report = await busmsg(["report", `${log}/sync-2026-12-01.jsonl${dateext()}.gz`]);
    assertEquals(
      report.stdout.split("\n").at(-2),
      `SYNC WARNING - 1 message not recorded, kept aside in ${log}/sync-2026-12-01.rejects.jsonl${dateext()}.gz`,
      report.stderr,
    );
    // The glob the coverage unit uses reads the rotated side file as a side file, not a day.
    const glob = await busmsg(["report", ...names.map((n) => `${log}/${n}`)]);
    assertIncludes(glob.stdout, "1 message not recorded, kept aside in");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "logrotate snippet: logrotate -f, twice, never rotates today's file (minage does not hold under -f); the days that are over are rotated",
  ignore: missing !== undefined,
  fn: async () => {
    const { dir, log, conf } = await setUp();
    const today = `${log}/${todayName()}`;
    const lines = Array.from(
      { length: 56 },
      (_, i) => event("start", `2026-12-07T0${i % 10}:00:00Z`),
    );
    await Deno.writeTextFile(today, lines.join("\n") + "\n");
    const over = `${log}/sync-2026-12-01.jsonl`;
    await Deno.writeTextFile(over, lines[0] + "\n");
    for (const round of [1, 2]) {
      const run = await runCommand("logrotate", ["-f", "-s", `${dir}/state`, conf]);
      // logrotate says that it refused today's file (its exit code is then 1).
      assertIncludes(run.stderr, `${today} is today's day file, still being written: not rotated`);
      assertEquals(
        [...Deno.readDirSync(log)].map((e) => e.name).sort(),
        [`sync-2026-12-01.jsonl${dateext()}.gz`, todayName()],
        `round ${round}: ${run.stderr}`,
      );
      assertEquals(await Deno.readTextFile(today), lines.join("\n") + "\n");
    }
    await Deno.remove(dir, { recursive: true });
  },
});
