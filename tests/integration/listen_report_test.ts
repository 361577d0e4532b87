/** listen and report against the private broker, with the example sync as the source of events. */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { tlsConfig } from "../support/broker.ts";
import { busmsg } from "../support/run.ts";
import { background } from "../support/listener.ts";
import { PREFIX, runExampleSync, sandbox } from "../support/example_sandbox.ts";
import { nightEvents } from "../support/nights.ts";

Deno.test("listen records the example sync; validate accepts it; report tells exactly what happened", async () => {
  const { dir, env } = await sandbox();
  const consumer = await tlsConfig("consumer", [`topic_prefix = "${PREFIX}"`]);
  const listener = await background([
    "listen",
    "--conf",
    consumer,
    "--count",
    "36",
    "--timeout",
    "30",
  ]);
  const sync = await runExampleSync(dir, env);
  assertEquals(sync.code, 0, sync.stderr);
  const listened = await listener.done();
  assertEquals(listened.code, 0, listened.stderr);
  const lines = listened.stdout.trim().split("\n");
  assertEquals(lines.length, 36);
  const first = JSON.parse(lines[0]!);
  assertEquals(first.topic, "logging.stats.sync.start");
  const day = `${dir}/day.jsonl`;
  await Deno.writeTextFile(day, listened.stdout);

  const valid = await busmsg(["validate", day]);
  assertEquals(valid.code, 0, valid.stdout + valid.stderr);
  const dry = await busmsg(["publish", "--dry-run", day]);
  assertEquals(dry.stdout, listened.stdout, "listen output reads back into the same dump lines");

  const report = await busmsg(["report", day]);
  assertEquals(report.code, 1, "a final failure makes report exit 1");
  const sentAt = (topic: string) =>
    JSON.parse(lines.find((l) => JSON.parse(l).topic === topic)!).headers["sent-at"];
  const start = sentAt("logging.stats.sync.start"), finish = sentAt("logging.stats.sync.finish");
  const seconds = (Date.parse(finish) - Date.parse(start)) / 1000;
  const took = seconds >= 60
    ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`
    : `${seconds}s`;
  const why = "rsync exited with 23, giving up after 3 attempts";
  const cut = "rsync exited with 23, giving up after...";
  const flaky = (day: string) => `${day} fetched after 1 retry (last: rsync exited with 12)`;
  const bad = (day: string) => `FAILED ${day}: ${why} (fail.final after 3 attempts)`;
  assertEquals(
    report.stdout,
    `run ${first.body.run_id} on ${first.body.host}: ${start} to ${finish} (${took})\n` +
      `  bad.example.org      0/3 dates fetched; ${bad("2026-11-25")}; ${bad("2026-11-26")}; ` +
      `${bad("2026-11-27")}\n` +
      `  flaky.example.org    3/3 dates fetched; ${flaky("2026-11-25")}; ${flaky("2026-11-26")}; ` +
      `${flaky("2026-11-27")}\n` +
      "  good.example.org     3/3 dates fetched\n" +
      "  unknown.example.org  skipped: Synced host unknown\n" +
      `SYNC CRITICAL - 3 dates failed: bad.example.org 2026-11-25 (${cut}), bad.example.org ` +
      `2026-11-26 (${cut}), bad.example.org 2026-11-27 (${cut}), 1 proxy skipped, ` +
      "3 dates fetched after retries\n",
  );
  const json = JSON.parse((await busmsg(["report", "--json", day])).stdout);
  assertEquals([json.state, json.ignored, json.attempts], ["CRITICAL", 0, 3]);
  assertEquals(
    json.summary,
    report.stdout.trimEnd().split("\n").at(-1)!.slice("SYNC CRITICAL - ".length),
  );
  // Report JSON speaks the messages' vocabulary: snake_case keys only.
  assertEquals(Object.keys(json.runs[0]).filter((k) => /[A-Z]/.test(k)), []);
  assert(
    "run_id" in json.runs[0] && "first_seen" in json.runs[0],
    Object.keys(json.runs[0]).join(),
  );
  assertEquals(json.runs[0].hosts["flaky.example.org"].syncs[0].dates["2026-11-26"], {
    status: "fetched_after_retry",
    attempts: 2,
    retries: 1,
    fail_final: false,
    last_reason: "rsync exited with 12",
  });
  assertEquals(json.runs[0].hosts["bad.example.org"].syncs[0].dates["2026-11-26"], {
    status: "failed",
    attempts: 3,
    retries: 2,
    fail_final: true,
    last_reason: why,
  });
  // Duplicated and shuffled input gives the same report.
  const shuffled = [...lines].reverse().concat(lines.slice(0, 5)).join("\n") + "\n";
  const again = await busmsg(["report", "-"], { stdin: shuffled });
  assertEquals(again.stdout, report.stdout);
});

Deno.test("listen --pretty prints one human line; --timeout ends a silent listen with exit 0", async () => {
  const consumer = await tlsConfig("consumer", [`topic_prefix = "${PREFIX}"`]);
  const logging = await tlsConfig("logging", [`topic_prefix = "${PREFIX}"`]);
  const listener = await background(["listen", "--conf", consumer, "--pretty", "--count", "1"]);
  const sent = await busmsg([
    "sync-event",
    "host.skip",
    "--conf",
    logging,
    "--host",
    "log01",
    "--run-id",
    "r9",
    "--synced-host",
    "proxy9",
    "--reason",
    "Synced host unknown",
  ]);
  assertEquals(sent.code, 0, sent.stderr);
  const got = await listener.done();
  assertEquals(got.code, 0);
  assert(
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 WARNING logging\.stats\.sync\.host\.skip host=log01 run_id=r9 synced_host=proxy9 reason="Synced host unknown"\n$/
      .test(got.stdout),
    got.stdout,
  );
  const quiet = await busmsg(["listen", "--conf", consumer, "--timeout", "1", "nothing.will.come"]);
  assertEquals([quiet.code, quiet.stdout], [0, ""]);
});

Deno.test("listen stops cleanly on SIGTERM and SIGINT; the publish-only user is refused in one line", async () => {
  const consumer = await tlsConfig("consumer");
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const listener = await background(["listen", "--conf", consumer]);
    listener.child.kill(signal);
    const got = await listener.done();
    assertEquals(got.code, 0, `${signal}: ${got.stderr}`);
  }
  const refused = await busmsg(["listen", "--conf", await tlsConfig("logging")]);
  assertEquals(refused.code, 121);
  assertIncludes(refused.stderr, "may not declare or bind a queue");
  assertEquals(refused.stderr.trim().split("\n").length, 1);
});

Deno.test("report --live --coverage hears the proxy merge too: a failed merge is said, not taken for one never recorded", async () => {
  const consumer = await tlsConfig("consumer");
  const logging = await tlsConfig("logging");
  // One night's sync, and right after it the merge of 12-04, whose second file fails.
  const lines = nightEvents({
    day: "2026-12-06",
    pattern: "python",
    proxies: ["proxy01.fedoraproject.org"],
    merge: { result: "1" },
  }).map((r) => r.line);
  const heard = lines.filter((l) => /\.sync\.|\.logmerge\.proxy\./.test(JSON.parse(l).topic));
  const merges = heard.filter((l) => l.includes(".logmerge.proxy."));
  assertEquals(merges.length, 4);
  const listener = await background([
    "report",
    "--live",
    "--coverage",
    "--json",
    "--conf",
    consumer,
    "--count",
    String(heard.length),
    "--timeout",
    "10",
  ]);
  const sent = await busmsg(["publish", "--conf", logging, "-"], { stdin: lines.join("\n") });
  assertEquals(sent.code, 0, sent.stderr);
  const got = await listener.done();
  assertEquals(got.code, 1, got.stderr);
  const report = JSON.parse(got.stdout);
  assertEquals(report.merges["2026-12-04"].status, "failed");
  assertEquals(report.merges["2026-12-04"].runs[0].result, "1");
  assertEquals(report.state, "CRITICAL");
  assertIncludes(report.summary, 'merge of 2026-12-04 failed (finished with result "1")');
  assertEquals(report.unmerged, undefined);
});
