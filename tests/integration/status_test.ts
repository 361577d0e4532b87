/**
 * The status file: `busmsg status --update` from recorded nights (a lost proxy-date), the real
 * broker's queue depth and real certificates, written atomically; `busmsg status` reading it
 * alone, in every state, through the strict plugin-output parser.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { durableQueue, tlsConfig } from "../support/broker.ts";
import { CERTS } from "../support/addresses.ts";
import { busmsg, fillSpool, writeConfig } from "../support/run.ts";
import { gapNights, type Night, PROXIES, sixNights, writeDayFiles } from "../support/nights.ts";
import { labelsOf, parsePluginOutput } from "../support/plugin_output.ts";
import { PLAIN_URL } from "../support/addresses.ts";

/** Every number in a JSON value is a number: no null anywhere. */
function noNull(value: unknown, where = "$"): void {
  assert(value !== null, `${where} is null`);
  if (Array.isArray(value)) value.forEach((v, i) => noNull(v, `${where}[${i}]`));
  else if (typeof value === "object") {
    for (const [k, v] of Object.entries(value as object)) noNull(v, `${where}.${k}`);
  }
}

/** A scratch host: day files, spool, status file. */
async function host(nights: Night[]) {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-status-" });
  await Deno.mkdir(`${dir}/log`);
  await writeDayFiles(`${dir}/log`, nights);
  return {
    dir,
    file: `${dir}/status.json`,
    /** Runs `status --update` on the scratch host; `extra` flags replace the defaults. */
    update: (extra: string[] = []) => {
      const defaults: Record<string, string> = {
        "--file": `${dir}/status.json`,
        "--log-dir": `${dir}/log`,
        "--since": "3650d",
        "--spool-dir": `${dir}/spool`,
        "--publisher-conf": `${dir}/none.toml`,
        "--recorder-conf": `${dir}/none.toml`,
        "--queue-name": "",
      };
      for (let i = 0; i < extra.length; i += 2) delete defaults[extra[i]!];
      return busmsg(["status", "--update", ...Object.entries(defaults).flat(), ...extra]);
    },
  };
}

/** Nights where every date is fetched. */
const goodNights = (): Night[] => sixNights().slice(0, 2).map((n) => ({ ...n, fails: {} }));

Deno.test("status --update: a log date no run tried, an unverified one and a failed merge count on every proxy they hit", async () => {
  const h = await host(gapNights());
  const written = await h.update();
  assertEquals(written.code, 0, written.stderr);
  const doc = JSON.parse(await Deno.readTextFile(h.file));
  assertEquals(doc.checks.coverage.state, "CRITICAL");
  assertEquals(doc.checks.coverage.perf.lost, 0);
  const none = { late: 0, pending: 0, unverified: 0, lost: 0, missing: 0, untried: 0, unmerged: 0 };
  assertEquals(doc.proxies, [
    { proxy: PROXIES[0], ...none, late: 1, unverified: 1, untried: 1, unmerged: 3 },
    { proxy: PROXIES[1], ...none, late: 1, untried: 1, unmerged: 3 },
  ]);
});

Deno.test("status --update: a lost proxy-date in recorded nights is CRITICAL per proxy, every number a number, mode 0640", async () => {
  const h = await host(sixNights());
  const written = await h.update();
  assertEquals(written.code, 0, written.stderr);
  const text = await Deno.readTextFile(h.file);
  const doc = JSON.parse(text);
  noNull(doc);
  assertEquals(doc.format, 1);
  assertEquals(doc.checks.coverage.state, "CRITICAL");
  assertEquals(doc.checks.coverage.perf.lost, 1);
  const p4 = doc.proxies.find((p: { proxy: string }) => p.proxy === "proxy04.fedoraproject.org");
  assertEquals(p4, {
    proxy: "proxy04.fedoraproject.org",
    lost: 1,
    late: 0,
    pending: 0,
    missing: 0,
    unverified: 0,
    untried: 0,
    unmerged: 0,
  });
  const p5 = doc.proxies.find((p: { proxy: string }) => p.proxy === "proxy05.fedoraproject.org");
  assertEquals(p5.late, 1, "fetched after its date's merge");
  const p6 = doc.proxies.find((p: { proxy: string }) => p.proxy === "proxy06.fedoraproject.org");
  // 12-05 pending; 12-04 pending too, but its merge night (12-06) has passed without it.
  assertEquals([p6.pending, p6.unmerged], [1, 1]);
  assertEquals(doc.checks.coverage.perf.late, 1);
  assertEquals(doc.proxies.length, 8);
  assertEquals(doc.spools, [{ user: "root", dir: `${h.dir}/spool`, messages: 0, oldest_age_s: 0 }]);
  // Each user's spool under root's (users/NAME) has its own line.
  await Deno.mkdir(`${h.dir}/spool/users/alice`, { recursive: true, mode: 0o700 });
  await Deno.chmod(`${h.dir}/spool`, 0o711);
  assertEquals((await h.update()).code, 0);
  const users = JSON.parse(await Deno.readTextFile(h.file)).spools;
  assertEquals(users.map((u: { user: string }) => u.user), ["root", "alice"]);
  assertEquals(users[1], {
    user: "alice",
    dir: `${h.dir}/spool/users/alice`,
    messages: 0,
    oldest_age_s: 0,
  });
  assertEquals((await Deno.stat(h.file)).mode! & 0o777, 0o640);
  // Nothing left behind by the atomic write.
  assertEquals([...Deno.readDirSync(h.dir)].map((e) => e.name).sort(), [
    "log",
    "spool",
    "status.json",
  ]);

  const read = await busmsg(["status", "--file", h.file]);
  assertEquals(read.code, 2, read.stdout);
  const plugin = parsePluginOutput(read.stdout, read.code);
  assertIncludes(
    plugin.summary,
    "coverage: 1 date lost, missing from DNF Counting: proxy04.fedoraproject.org 2026-11-30",
  );
  assertEquals(plugin.perf.find((p) => p.label === "coverage_lost")?.value, 1);
  assertEquals(plugin.long[0], `CRITICAL coverage: ${doc.checks.coverage.summary}`);
  const json = await busmsg(["status", "--file", h.file, "--json"]);
  assertEquals(json.code, 2);
  assertEquals(JSON.parse(json.stdout).perf.coverage_lost, 1);
});

Deno.test("status --update: the spool is counted within the budget as spool status counts it (20,000 files took 9 s to read): exact count and age from the names, OK", async () => {
  const h = await host(goodNights());
  await Deno.mkdir(`${h.dir}/spool`, { mode: 0o700 });
  const spooled = await busmsg(
    [
      "publish",
      "--url",
      "amqp://127.0.0.1:1/",
      "--retry-after",
      "0s",
      "--topic",
      "logging.stats.debug.x",
      "a=1",
    ],
    { spoolDir: `${h.dir}/spool` },
  );
  assertEquals(spooled.code, 0, spooled.stderr);
  const [model] = [...Deno.readDirSync(`${h.dir}/spool`)].filter((e) => e.name.endsWith(".msg"));
  const line = await Deno.readTextFile(`${h.dir}/spool/${model!.name}`);
  await Deno.remove(`${h.dir}/spool/${model!.name}`);
  fillSpool(`${h.dir}/spool`, line, 20_000, 3_600_000);
  const started = Date.now();
  const written = await h.update();
  const ms = Date.now() - started;
  assertEquals(written.code, 0, written.stderr);
  const doc = JSON.parse(await Deno.readTextFile(h.file));
  const spool = doc.checks.spool;
  assertEquals(spool.state, "OK", spool.summary);
  assertEquals(spool.summary, "20000 messages, oldest 60 min");
  assertEquals(doc.spools[0].messages, 20000);
  assert(doc.spools[0].oldest_age_s >= 3600 && doc.spools[0].oldest_age_s < 3660, doc.spools[0]);
  const unread = spool.details.find((d: string) => / message\(s\) not read in time: /.test(d));
  assert(unread !== undefined, spool.details.join("\n"));
  // Reading them all took 9 s on the 2-core machine; the budget is 2 s, start-up aside.
  assert(ms < 6000, `took ${ms} ms`);
  // A user's spool is listed before root's files are read: reading root's does not spend the
  // budget its listing needs (it was "at least 0 messages", a WARNING).
  await Deno.chmod(`${h.dir}/spool`, 0o711);
  await Deno.mkdir(`${h.dir}/spool/users/alice`, { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(`${h.dir}/spool/users/alice/${model!.name}`, line, { mode: 0o600 });
  assertEquals((await h.update()).code, 0);
  const again = JSON.parse(await Deno.readTextFile(h.file));
  assertEquals(again.checks.spool.state, "OK", again.checks.spool.summary);
  assertEquals(again.checks.spool.summary.startsWith("20001 messages, oldest "), true);
  assertEquals(again.spools[1].messages, 1);
  assertIncludes(
    again.checks.spool.details.join("\n"),
    `user alice: ${h.dir}/spool/users/alice: 1 message, oldest `,
  );
  await Deno.remove(h.dir, { recursive: true });
});

Deno.test("status: missing, stale or not a status file is CRITICAL and names the timer; the labels never change", async () => {
  const h = await host(goodNights());
  const outputs: [string, number][] = [];
  const check = async (args: string[], code: number, part: string) => {
    const run = await busmsg(["status", "--file", h.file, ...args]);
    assertEquals(run.code, code, run.stdout);
    assertIncludes(run.stdout.split("\n")[0]!, part);
    outputs.push([run.stdout, run.code]);
  };
  await check([], 2, `${h.file} does not exist: look at busmsg-status.timer (systemctl status`);
  assertEquals((await h.update()).code, 0);
  const doc = JSON.parse(await Deno.readTextFile(h.file));
  assertEquals([doc.state, doc.checks.coverage.state], ["OK", "OK"], doc.summary);
  await check([], 0, "BUSMSG OK - 5 checks OK, written ");
  doc.written_unix -= 3600;
  await Deno.writeTextFile(h.file, JSON.stringify(doc));
  await check(["--max-age", "30m"], 2, "is stale: written 60 min ago");
  await check(["--max-age", "2h"], 0, "BUSMSG OK");
  doc.checks.spool.state = "WARNING";
  doc.checks.spool.summary = "a | b\nc";
  await Deno.writeTextFile(h.file, JSON.stringify(doc));
  await check(["--max-age", "2h"], 1, "BUSMSG WARNING - spool: a / b\\x0ac |");
  await Deno.writeTextFile(h.file, "{}");
  await check([], 2, "is not a busmsg status file");
  await check(["--max-age", "soon"], 3, "BUSMSG UNKNOWN - --max-age");
  const labels = outputs.map(([out, code]) => labelsOf(out, code));
  for (const l of labels) assertEquals(l, labels[0]!);
  assertEquals(labels[0]!.length, 11);
});

Deno.test("status --update: certificates' days left and the recorder queue's depth from the real broker", async () => {
  const h = await host(goodNights());
  await durableQueue("busmsg-status-test", "busmsg.status.test.#");
  const recorder = await writeConfig([`amqp_url = "${PLAIN_URL}"`]);
  const written = await h.update([
    "--publisher-conf",
    await tlsConfig("expires-20"),
    "--recorder-conf",
    recorder,
    "--queue-name",
    "busmsg-status-test",
  ]);
  assertEquals(written.code, 0, written.stderr);
  const doc = JSON.parse(await Deno.readTextFile(h.file));
  noNull(doc);
  assertEquals(doc.checks.cert_publisher.state, "WARNING", doc.checks.cert_publisher.summary);
  assertIncludes(doc.checks.cert_publisher.summary, `${CERTS}/expires-20.pem: `);
  assert(doc.checks.cert_publisher.perf.days_left <= 20, doc.checks.cert_publisher.summary);
  assertEquals(doc.checks.cert_publisher.perf.configured, 1);
  assertEquals(doc.checks.cert_recorder.perf, { days_left: 0, configured: 0 });
  assertEquals(doc.checks.recorder.perf.queue_depth, 0, doc.checks.recorder.summary);
  assert(doc.checks.recorder.perf.last_line_age_s < 60, doc.checks.recorder.summary);
  const gone = await h.update(["--recorder-conf", recorder, "--queue-name", "no-such-queue"]);
  assertEquals(gone.code, 0, gone.stderr);
  const after = JSON.parse(await Deno.readTextFile(h.file));
  assertEquals(after.checks.recorder.perf.queue_depth, -1);
  assertIncludes(after.checks.recorder.summary, "queue depth unknown: ");
});

Deno.test("status --update: a reader never sees half a file while it is rewritten", async () => {
  const h = await host(sixNights());
  assertEquals((await h.update()).code, 0);
  let reads = 0, done = false;
  const reader = (async () => {
    while (!done) {
      JSON.parse(await Deno.readTextFile(h.file)); // throws on a torn file
      reads++;
      await new Promise((r) => setTimeout(r, 0));
    }
  })();
  for (let i = 0; i < 4; i++) assertEquals((await h.update()).code, 0);
  done = true;
  await reader;
  assert(reads > 10, `${reads} reads`);
});

Deno.test("status --update: a recorder that ended for good (exit 78, expired certificate) is CRITICAL, saying why", async () => {
  const h = await host(goodNights());
  const recorder = await busmsg([
    "listen",
    "--conf",
    await tlsConfig("expired"),
    "--queue-name",
    "busmsg-status-expired",
    "--timeout",
    "5",
    "--output",
    `${h.dir}/log/sync-%Y-%m-%d.jsonl`,
  ]);
  assertEquals(recorder.code, 78, recorder.stderr);
  assertEquals((await h.update()).code, 0);
  const doc = JSON.parse(await Deno.readTextFile(h.file));
  assertEquals(doc.checks.recorder.state, "CRITICAL");
  assertIncludes(doc.checks.recorder.summary, "stopped: ");
  assertIncludes(doc.checks.recorder.summary, "expired");
  assertIncludes(doc.checks.recorder.summary, "(exit 78, ");
  const read = await busmsg(["status", "--file", h.file]);
  assertEquals(read.code, 2, read.stdout);
  assertIncludes(parsePluginOutput(read.stdout, 2).summary, "recorder: stopped: ");
});
