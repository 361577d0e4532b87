/**
 * logrotate/busmsg, the snippet for /etc/logrotate.d: it compresses the recorder's days that are
 * over (day files and side files), leaves today's alone, deletes compressed days past ~13
 * months, and `report` still finds both in what it leaves.
 */
import { assertEquals } from "../support/assert.ts";
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

Deno.test({
  name:
    "logrotate snippet: days that are over compressed (report reads them and their side file), today's file untouched, old days deleted",
  ignore: missing !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "busmsg-logrotate-" });
    const log = `${dir}/log`;
    await Deno.mkdir(log);
    const conf = (await Deno.readTextFile(`${ROOT}logrotate/busmsg`))
      .replaceAll("/var/log/busmsg", log)
      .replace("su busmsg busmsg", "su root root");
    await Deno.writeTextFile(`${dir}/conf`, conf);
    const over = `${log}/sync-2026-12-01.jsonl`;
    const today = `${log}/sync-2026-12-06.jsonl`;
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
    await runCommand("sh", ["-c", `echo old | gzip > '${log}/sync-2025-01-01.jsonl.1.gz'`]);
    await runCommand("touch", ["-d", "5 days ago", over, `${log}/sync-2026-12-01.rejects.jsonl`]);
    await runCommand("touch", ["-d", "500 days ago", `${log}/sync-2025-01-01.jsonl.1.gz`]);
    // As if logrotate had seen these files three days ago (it rotates "daily" from then on).
    const seen = new Date(Date.now() - 3 * 86_400_000);
    const stamp = `${seen.getFullYear()}-${seen.getMonth() + 1}-${seen.getDate()}-0:0:0`;
    await Deno.writeTextFile(
      `${dir}/state`,
      "logrotate state -- version 2\n" +
        [over, `${log}/sync-2026-12-01.rejects.jsonl`, today].map((p) => `"${p}" ${stamp}\n`)
          .join(""),
    );
    const run = await runCommand("logrotate", ["-s", `${dir}/state`, `${dir}/conf`]);
    assertEquals(run.code, 0, run.stderr);
    const names = [...Deno.readDirSync(log)].map((e) => e.name).sort();
    assertEquals(names, [
      "sync-2026-12-01.jsonl.1.gz",
      "sync-2026-12-01.rejects.jsonl.1.gz",
      "sync-2026-12-06.jsonl",
    ]);
    const report = await busmsg(["report", `${log}/sync-2026-12-01.jsonl.1.gz`]);
    assertEquals(
      report.stdout.split("\n").at(-2),
      `SYNC WARNING - 1 message not recorded, kept aside in ${log}/sync-2026-12-01.rejects.jsonl.1.gz`,
      report.stderr,
    );
  },
});
