/**
 * The log sync as Fedora's two real sync scripts report it, end to end: events published to the
 * private broker, recorded by `busmsg listen --queue-name … --output …`, then `report` (text,
 * `--json`, `--nagios`) asserted for every proxy and date. Our own simulations of their call
 * patterns:
 * - A, the deployed bash script: `send_bus_msg` as busmsg's drop-in (scripts/examples/), and as a
 *   fedora-messaging dump line piped to `busmsg publish -`; `host=$(hostname)` (a short name),
 *   failure texts in `failure=`, `fail.retry` for every failed attempt, `logdate.finish` always,
 *   one `fail.final` (the rare case).
 * - B, its Python successor: 5 worker processes publishing at once (events interleave), FQDN
 *   host, `fail.retry` for every failed attempt and never `fail.final`, a skip, a proxy listed
 *   twice, and the job's YAML host list as `--expect-hosts`.
 */
import { SYNC_U } from "../support/plugin_output.ts";
import { assert, assertEquals } from "../support/assert.ts";
import { busmsg, ROOT, spawnBusmsg } from "../support/run.ts";
import { tlsConfig } from "../support/broker.ts";
import { recordedWhile } from "../support/listener.ts";
import { PREFIX, sandbox } from "../support/example_sandbox.ts";

/** Our simulation of caller A (the deployed bash script) and its stub rsync. */
const CALLER_A = `${ROOT}tests/support/caller_a.sh`;
const STUB_RSYNC = `${ROOT}tests/support/caller_a_rsync.sh`;

const DAYS = ["2026-11-25", "2026-11-26", "2026-11-27"];

Deno.test("caller A (the deployed bash script), through the drop-in and through dump lines: nothing lost, every failed date FAILED", async () => {
  const { dir, env } = await sandbox();
  for (
    const [name, text] of [
      ["rsync", `#!/bin/sh\nexec bash '${STUB_RSYNC}' "$@"\n`],
      ["hostname", "#!/bin/sh\necho log01\n"],
      ["uuidgen", "#!/bin/sh\ncat /proc/sys/kernel/random/uuid\n"],
    ]
  ) {
    await Deno.writeTextFile(`${dir}/bin/${name}`, text!);
    await Deno.chmod(`${dir}/bin/${name}`, 0o755);
  }
  // Short names and FQDNs, as a host list has them.
  const proxies = ["good01", "flaky01.example.org", "slow01", "bad01.example.org", "final01"];
  // Per proxy: host.start, 3 x (logdate.start, failed attempts, logdate.finish), host.finish.
  const failures = {
    good01: 0,
    "flaky01.example.org": 1,
    slow01: 2,
    "bad01.example.org": 3,
    final01: 3,
  };
  const events = 2 + Object.values(failures).reduce((n, f) => n + 2 + 3 * (2 + f), 0);
  const reports: Record<string, { code: number; stdout: string }> = {};
  const hosts = `${dir}/proxies`;
  await Deno.writeTextFile(
    hosts,
    "# the proxies the sync must cover\ngood01.example.org\nflaky01.example.org\nslow01\n" +
      "bad01.example.org\nfinal01.example.org\ngone01.example.org  # never synced\n",
  );
  // Both ways at once, each under its own topic prefix (prod, stg) with its own recorder.
  const stg = "org.fedoraproject.stg";
  const stgConf = await tlsConfig("logging", [`topic_prefix = "${stg}"`]);
  await Promise.all(["drop-in", "dump-line"].map(async (mode) => {
    const state = `${dir}/rsync-state-${mode}`;
    await Deno.mkdir(state);
    const refused = `${dir}/refused-${mode}`;
    const prefix = mode === "drop-in" ? PREFIX : stg;
    const day = await recordedWhile(`${dir}/${mode}`, events, async () => {
      const run = await new Deno.Command("bash", {
        args: [CALLER_A],
        env: {
          ...env,
          ...(mode === "drop-in" ? {} : { FEDORA_MESSAGING_CONF: stgConf }),
          MODE: mode,
          EXAMPLES: `${ROOT}scripts/examples`,
          PROXIES: proxies.join(" "),
          TODAY: "2026-11-28",
          DEST: `${dir}/logs`,
          REFUSED: refused,
          RSYNC_STATE: state,
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(run.code, 0, new TextDecoder().decode(run.stderr));
    }, prefix);
    // Nothing refused: the failure events with failure= went out like every other one.
    assertEquals(await Deno.readTextFile(refused).catch(() => ""), "", mode);
    const text = await busmsg(["report", "--expect-hosts", hosts, day]);
    assertEquals(text.code, 1, text.stderr);
    assertEquals(text.stderr, "");
    const lines = text.stdout.split("\n");
    assert(/^run [0-9a-f-]{36} on log01: \S+ to \S+ \(\d+[ms]/.test(lines[0]!), lines[0]);
    const bad = (d: string) =>
      `FAILED ${d}: all 3 attempts failed; the sender sent no fail.final (last: Error code: 23)`;
    const final = (d: string) => `FAILED ${d}: Error code: 30 (fail.final after 3 attempts)`;
    const after = (d: string, n: string, code: number) =>
      `${d} fetched after ${n} (last: Error code: ${code})`;
    assertEquals(lines.slice(1), [
      `  bad01.example.org    0/3 dates fetched; ${DAYS.map(bad).join("; ")}`,
      `  final01              0/3 dates fetched; ${DAYS.map(final).join("; ")}`,
      `  flaky01.example.org  3/3 dates fetched; ${
        DAYS.map((d) => after(d, "1 retry", 12)).join("; ")
      }`,
      "  gone01.example.org   MISSING: no events",
      "  good01               3/3 dates fetched",
      `  slow01               3/3 dates fetched; ${
        DAYS.map((d) => after(d, "2 retries", 10)).join("; ")
      }`,
      "SYNC CRITICAL - 6 dates failed: bad01.example.org 2026-11-25 (Error code: 23), " +
      "bad01.example.org 2026-11-26 (Error code: 23), bad01.example.org 2026-11-27 " +
      "(Error code: 23), and 3 more, 1 proxy missing: gone01.example.org, " +
      "6 dates fetched after retries",
      "",
    ]);
    reports[mode] = { code: text.code, stdout: lines.slice(1).join("\n") };

    const plugin = await busmsg(["report", "--expect-hosts", hosts, "--nagios", day]);
    assertEquals(plugin.code, 2);
    assertEquals(
      plugin.stdout.split("\n")[0],
      `${lines.at(-2)} | runs=1 dates_fetched=9 dates_fetched_after_retry=6 dates_failed=6 ` +
        "dates_unfinished=0 retries=24 missing=1 skipped=0 ignored=0 unfinished_runs=0 kept_aside=0",
    );
    const json = JSON.parse(
      (await busmsg(["report", "--expect-hosts", hosts, "--json", day])).stdout,
    );
    assertEquals([json.state, json.summary, json.ignored], [
      "CRITICAL",
      lines.at(-2)!.slice("SYNC CRITICAL - ".length),
      0,
    ]);
    const run = json.runs[0];
    assertEquals([run.host, run.missing_hosts], ["log01", ["gone01.example.org"]]);
    const statusOf = (p: string) =>
      Object.values(run.hosts[p].syncs[0].dates).map((d) =>
        `${(d as { status: string }).status}/${(d as { attempts: number }).attempts}`
      );
    assertEquals(statusOf("good01"), ["fetched/1", "fetched/1", "fetched/1"]);
    assertEquals(statusOf("flaky01.example.org"), Array(3).fill("fetched_after_retry/2"));
    assertEquals(statusOf("slow01"), Array(3).fill("fetched_after_retry/3"));
    assertEquals(statusOf("bad01.example.org"), Array(3).fill("failed/3"));
    assertEquals(statusOf("final01"), Array(3).fill("failed/3"));
    assertEquals(run.hosts["final01"].syncs[0].dates["2026-11-26"], {
      status: "failed",
      attempts: 3,
      retries: 2,
      fail_final: true,
      last_reason: "Error code: 30",
    });
  }));
  assertEquals(reports["drop-in"], reports["dump-line"], "both ways of sending, one report");
  // The attempts the sync makes: from --attempts, else $BUSMSG_REPORT_ATTEMPTS, else 3.
  const day = `${dir}/drop-in/sync-${new Date().toISOString().slice(0, 10)}.jsonl`;
  const statuses = async (args: string[], env: Record<string, string> = {}) => {
    const got = await busmsg(["report", "--json", ...args, day], { env });
    const hosts = JSON.parse(got.stdout).runs[0].hosts;
    return ["flaky01.example.org", "slow01"].map((p) =>
      hosts[p].syncs[0].dates["2026-11-26"].status
    );
  };
  assertEquals(await statuses([], { BUSMSG_REPORT_ATTEMPTS: "2" }), [
    "fetched_after_retry",
    "failed",
  ]);
  assertEquals(await statuses(["--attempts", "3"], { BUSMSG_REPORT_ATTEMPTS: "2" }), [
    "fetched_after_retry",
    "fetched_after_retry",
  ]);
  const bad = await busmsg(["report", "--nagios", day], {
    env: { BUSMSG_REPORT_ATTEMPTS: "three" },
  });
  assertEquals([bad.code, bad.stdout], [
    3,
    `SYNC UNKNOWN - BUSMSG_REPORT_ATTEMPTS: must be a whole number from 1 to 100, got "three"${SYNC_U}\n`,
  ]);
});

/** The Python successor's host list, as /etc/sync-http-logs.yaml holds it. */
const SYNC_HTTP_LOGS_YAML = `# hosts whose http logs the log server fetches
log_dir: /var/log/hosts
synced_hosts:
  - proxy01.iad2.example.org
  - proxy02.iad2.example.org   # flaky network
  - proxy03.iad2.example.org
#  - proxy04.iad2.example.org   (retired)
  - proxy05.iad2.example.org
  - unknown.example.org
  - proxy05.iad2.example.org
  - proxy06                    # a short name here, the FQDN in its events
  - proxy07.iad2.example.org
days: 3
`;

/**
 * What caller B's workers send for one proxy: attempts per date (each failed attempt a
 * fail.retry, never a fail.final, then logdate.finish whatever happened), or a skip.
 */
type Plan = { skip: string } | { dates: Record<string, string[]> };

/** Per proxy as B syncs it (per sync for the one listed twice): the failures of each date. */
function planFor(proxy: string, sync: number): Plan {
  const ok = { "2026-11-25": [], "2026-11-26": [], "2026-11-27": [] };
  switch (proxy) {
    case "unknown.example.org":
      return { skip: "Synced host unknown" };
    case "proxy02.iad2.example.org":
      return {
        dates: { ...ok, "2026-11-27": ["Timeout expired.", "Timeout expired.", "Error code: 23"] },
      };
    case "proxy03.iad2.example.org":
      return { dates: { ...ok, "2026-11-26": ["Error code: 23"] } };
    case "proxy05.iad2.example.org":
      // Listed twice: the second sync's last date never comes through.
      return sync === 0 ? { dates: ok } : {
        dates: { ...ok, "2026-11-25": ["Error code: 12", "Error code: 12", "Error code: 12"] },
      };
    default:
      return { dates: ok };
  }
}

/**
 * The events of one sync of one proxy, in the order a worker sends them, each with the seconds
 * the worker has spent so far: every rsync attempt takes one second.
 */
function eventsOf(proxy: string, plan: Plan): [string, Record<string, string>, number][] {
  const p = { synced_host: proxy };
  if ("skip" in plan) return [["host.skip", { ...p, reason: plan.skip }, 0]];
  let t = 0;
  const out: [string, Record<string, string>, number][] = [["host.start", p, t]];
  for (const [day, failures] of Object.entries(plan.dates)) {
    const d = { ...p, log_date: day };
    out.push(["host.logdate.start", d, t]);
    for (const reason of failures) out.push(["host.logdate.fail.retry", { ...d, reason }, ++t]);
    out.push(["host.logdate.finish", d, ++t]);
  }
  out.push(["host.finish", p, t]);
  return out;
}

Deno.test("caller B (the Python successor): 5 workers at once, retries never final, a skip, a proxy listed twice, its YAML host list", async () => {
  const { dir, env } = await sandbox();
  const yaml = `${dir}/sync-http-logs.yaml`;
  await Deno.writeTextFile(yaml, SYNC_HTTP_LOGS_YAML);
  // The job's list: proxy06 is synced by its FQDN; proxy07 is listed but never synced.
  const synced = [
    "proxy01.iad2.example.org",
    "proxy02.iad2.example.org",
    "proxy03.iad2.example.org",
    "proxy05.iad2.example.org",
    "unknown.example.org",
    "proxy05.iad2.example.org",
    "proxy06.iad2.example.org",
  ];
  const run = { host: "log01.iad2.example.org", run_id: crypto.randomUUID() };
  // sent-at as the Python client sets it, whole seconds, from each worker's own clock.
  const start = Math.floor(Date.now() / 1000) * 1000;
  const line = (event: string, body: Record<string, string>, seconds = 0) =>
    JSON.stringify({
      topic: `logging.stats.sync.${event}`,
      body: { ...run, ...body },
      headers: {
        "sent-at": new Date(start + seconds * 1000).toISOString().replace(".000Z", "+00:00"),
      },
    }) + "\n";
  // Each worker takes the next proxy from the list, as a process pool does.
  const queues: string[][] = [[], [], [], [], []];
  const clocks = [1, 1, 1, 1, 1];
  const seen = new Map<string, number>();
  synced.forEach((proxy, i) => {
    const sync = seen.get(proxy) ?? 0;
    seen.set(proxy, sync + 1);
    const worker = i % 5;
    let spent = 0;
    for (const [event, body, t] of eventsOf(proxy, planFor(proxy, sync))) {
      queues[worker]!.push(line(event, body, clocks[worker]! + t));
      spent = t;
    }
    clocks[worker]! += spent;
  });
  const last = Math.max(...clocks);
  const total = 2 + queues.reduce((n, q) => n + q.length, 0);
  const day = await recordedWhile(dir, total, async () => {
    const first = await busmsg(["publish", "-"], { stdin: line("start", {}), env });
    assertEquals(first.code, 0, first.stderr);
    // Five publishers at once, one line at a time each, in turn: their events interleave.
    const workers = queues.map(() => spawnBusmsg(["publish", "--stream", "-"], env, "piped"));
    const writers = workers.map((w) => w.stdin.getWriter());
    const encode = (s: string) => new TextEncoder().encode(s);
    for (let i = 0; queues.some((q) => i < q.length); i++) {
      for (const [k, q] of queues.entries()) {
        if (i < q.length) await writers[k]!.write(encode(q[i]!));
      }
    }
    for (const w of writers) await w.close();
    for (const w of workers) {
      const out = await w.output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    }
    const end = await busmsg(["publish", "-"], { stdin: line("finish", {}, last), env });
    assertEquals(end.code, 0, end.stderr);
  });
  const text = await busmsg(["report", "--expect-hosts", yaml, day]);
  assertEquals([text.code, text.stderr], [1, ""]);
  const lines = text.stdout.split("\n");
  assertEquals(
    lines[0]!.startsWith(`run ${run.run_id} on log01.iad2.example.org: `),
    true,
    lines[0],
  );
  const syncs = [
    "sync 1: 3/3 dates fetched",
    "sync 2: 2/3 dates fetched; FAILED 2026-11-25: all 3 attempts failed; the sender sent no " +
    "fail.final (last: Error code: 12)",
  ];
  const got = lines.slice(1);
  // Which of the two concurrent syncs is "sync 1" is arbitrary: each outcome once.
  const dup = got.findIndex((l) => l.startsWith("  proxy05.iad2.example.org"));
  const pair = got.slice(dup + 1, dup + 3).map((l) => l.trim().replace(/^sync \d/, "sync N"));
  assertEquals(pair.sort(), syncs.map((s) => s.replace(/^sync \d/, "sync N")).sort());
  got.splice(dup + 1, 2);
  assertEquals(got, [
    "  proxy01.iad2.example.org  3/3 dates fetched",
    "  proxy02.iad2.example.org  2/3 dates fetched; FAILED 2026-11-27: all 3 attempts failed; " +
    "the sender sent no fail.final (last: Error code: 23)",
    "  proxy03.iad2.example.org  3/3 dates fetched; 2026-11-26 fetched after 1 retry " +
    "(last: Error code: 23)",
    "  proxy05.iad2.example.org  synced 2 times in this run",
    "  proxy06.iad2.example.org  3/3 dates fetched",
    "  proxy07.iad2.example.org  MISSING: no events",
    "  unknown.example.org       skipped: Synced host unknown",
    "SYNC CRITICAL - 2 dates failed: proxy02.iad2.example.org 2026-11-27 (Error code: 23), " +
    "proxy05.iad2.example.org 2026-11-25 (Error code: 12), 1 proxy missing: " +
    "proxy07.iad2.example.org, 1 proxy skipped, 1 date fetched after retries, " +
    "1 proxy synced more than once",
    "",
  ]);
  const plugin = await busmsg(["report", "--expect-hosts", yaml, "--nagios", day]);
  assertEquals(plugin.code, 2);
  assertEquals(
    plugin.stdout.split("\n")[0],
    `${got.at(-2)} | runs=1 dates_fetched=16 dates_fetched_after_retry=1 dates_failed=2 ` +
      "dates_unfinished=0 retries=7 missing=1 skipped=1 ignored=0 unfinished_runs=0 kept_aside=0",
  );
  const json = JSON.parse((await busmsg(["report", "--expect-hosts", yaml, "--json", day])).stdout);
  assertEquals([json.state, json.summary], [
    "CRITICAL",
    got.at(-2)!.slice("SYNC CRITICAL - ".length),
  ]);
  const hosts = json.runs[0].hosts;
  assertEquals(json.runs[0].missing_hosts, ["proxy07.iad2.example.org"]);
  assertEquals(hosts["unknown.example.org"].syncs, [
    { finished: false, dates: {}, skipped: "Synced host unknown" },
  ]);
  assertEquals(hosts["proxy05.iad2.example.org"].syncs.length, 2);
  assertEquals(hosts["proxy02.iad2.example.org"].syncs[0].dates["2026-11-27"], {
    status: "failed",
    attempts: 3,
    retries: 3,
    fail_final: false,
    last_reason: "Error code: 23",
  });
  // Every date of every synced proxy, in the JSON: fetched unless planned otherwise.
  for (const [proxy, h] of Object.entries(hosts) as [string, { syncs: { dates: object }[] }][]) {
    if (proxy === "unknown.example.org") continue;
    assertEquals(h.syncs.map((s) => Object.keys(s.dates)).flat().length, 3 * h.syncs.length);
  }
});
