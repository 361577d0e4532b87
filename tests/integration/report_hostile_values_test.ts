/**
 * Values from the bus that the report and the dump lines must survive and keep safe: an integer
 * beyond 2^53 in an event recorded twice (at-least-once redelivery), and DEL and C1 characters
 * (U+009B is a CSI on a terminal) in listen's dump lines and in report --json.
 */
import { assert, assertEquals, assertIncludes, assertNotIncludes } from "../support/assert.ts";
import { tlsConfig } from "../support/broker.ts";
import { busmsg } from "../support/run.ts";
import { background } from "../support/listener.ts";

function event(topic: string, extra: Record<string, string>, id: string, at: string): string {
  return JSON.stringify({
    topic: `logging.stats.sync.${topic}`,
    body: { host: "log01", run_id: "r1", ...extra },
    headers: { "sent-at": at },
    id,
  });
}

const D = { synced_host: "p1.example.org", log_date: "2026-12-05" };
const night = [
  event("start", {}, "1", "2026-12-06T03:00:00+00:00"),
  event("host.start", { synced_host: "p1.example.org" }, "2", "2026-12-06T03:00:01+00:00"),
  event("host.logdate.start", D, "3", "2026-12-06T03:00:02+00:00"),
  event("host.logdate.finish", D, "5", "2026-12-06T03:00:04+00:00"),
  event("host.finish", { synced_host: "p1.example.org" }, "6", "2026-12-06T03:00:05+00:00"),
  event("finish", {}, "7", "2026-12-06T03:00:06+00:00"),
];

Deno.test("report and --coverage: an event recorded twice with an integer above 2^53 counts once", async () => {
  const big = night[3]!.replace('"host":"log01"', '"bytes":9007199254740993,"host":"log01"');
  const lines = [...night, big, big].join("\n") + "\n";
  const report = await busmsg(["report", "--nagios", "-"], { stdin: lines });
  assertEquals(report.stderr, "");
  assertEquals(report.code, 0, report.stdout);
  assert(report.stdout.startsWith("SYNC OK - "), report.stdout);
  const json = await busmsg(["report", "--json", "-"], { stdin: lines });
  assertEquals(json.code, 0, json.stderr);
  assertEquals(JSON.parse(json.stdout).state, "OK");
  const coverage = await busmsg(["report", "--coverage", "--nagios", "-"], { stdin: lines });
  assertEquals(coverage.stderr, "");
  assertEquals(coverage.code, 0, coverage.stdout);
  assert(coverage.stdout.startsWith("COVERAGE OK - 1 date of 1 proxy fetched"), coverage.stdout);
});

const RAW_CONTROL = /[\x7f-\x9f]/;

Deno.test("report --json and --coverage --json escape DEL and C1 from the bus", async () => {
  const reason = "bad\u009b2J\u009d0;x\u0007\u007fend";
  const lines = [
    ...night.slice(0, 3),
    event("host.logdate.fail.final", { ...D, reason }, "4", "2026-12-06T03:00:03+00:00"),
    ...night.slice(3),
  ].join("\n") + "\n";
  for (const args of [["report", "--json"], ["report", "--coverage", "--json"]]) {
    const r = await busmsg([...args, "-"], { stdin: lines });
    // The failed date: CRITICAL for the run; still pending for coverage (its window is open).
    assertEquals(r.code, args.includes("--coverage") ? 0 : 1, r.stderr);
    assert(!RAW_CONTROL.test(r.stdout), `${args.join(" ")}: raw DEL or C1 in ${r.stdout}`);
    assertNotIncludes(r.stdout, "\u0007");
    // The same JSON: the escapes read back as the characters sent.
    assert(JSON.stringify(JSON.parse(r.stdout)).includes(JSON.stringify(reason).slice(1, -1)));
  }
});

Deno.test("listen writes DEL and C1 as \\u escapes in its dump lines", async () => {
  const consumer = await tlsConfig("consumer");
  const publisher = await tlsConfig("logging");
  const listener = await background([
    "listen",
    "--conf",
    consumer,
    "--count",
    "1",
    "--timeout",
    "30",
  ]);
  const body = { host: "log01", text: "a\u009bb\u009dc\u007fd\u0085e" };
  const sent = await busmsg(["publish", "--conf", publisher, "-"], {
    stdin: JSON.stringify({ topic: "logging.stats.debug.c1", body }),
  });
  assertEquals(sent.code, 0, sent.stderr);
  const got = await listener.done();
  assertEquals(got.code, 0, got.stderr);
  assert(!RAW_CONTROL.test(got.stdout), `raw DEL or C1 in ${got.stdout}`);
  assertEquals(JSON.parse(got.stdout).body, body);
  assert(got.stdout.includes('"a\\u009bb\\u009dc\\u007fd\\u0085e"'), got.stdout);
});

Deno.test("report --expect-hosts: an empty list, or 100,000 keys under 1 MiB, is UNKNOWN at once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-hosts-" });
  const empty = `${dir}/empty.yaml`, keys = `${dir}/keys.yaml`;
  await Deno.writeTextFile(empty, "synced_hosts: []\n");
  await Deno.writeTextFile(
    keys,
    "synced_hosts:\n  - p1.example.org\n" +
      Array.from({ length: 100_000 }, (_, i) => `k${i}: 1\n`).join(""),
  );
  const lines = night.join("\n") + "\n";
  for (const coverage of [[], ["--coverage"]]) {
    const none = await busmsg(["report", ...coverage, "--nagios", "--expect-hosts", empty, "-"], {
      stdin: lines,
    });
    assertEquals(none.code, 3, none.stdout);
    assertIncludes(none.stdout, `UNKNOWN - --expect-hosts ${empty}:1: no host name in the list`);
  }
  const started = Date.now();
  const big = await busmsg(["report", "--nagios", "--expect-hosts", keys, "-"], { stdin: lines });
  assert(Date.now() - started < 10_000, `${Date.now() - started} ms`);
  assertEquals(big.code, 3, big.stdout);
  assertIncludes(big.stdout, "more than 2000 lines or entries: not a host list");
  await Deno.remove(dir, { recursive: true });
});
