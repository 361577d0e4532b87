import { assert, assertEquals } from "../../support/assert.ts";
import { HOSTILE, parsePluginOutput } from "../../support/plugin_output.ts";
import { coverage, type CoverageRun } from "../../../lib/sync/coverage.ts";
import { coverageCheck, coverageVerdict } from "../../../lib/sync/coverage_verdict.ts";
import { type Check, pluginOutput } from "../../../lib/text/check.ts";
import { jsonText } from "../../../lib/text/printable.ts";
import { CHECKS, discovery, readStatus, statusDoc } from "../../../lib/commands/status_file.ts";

const DAY = 86_400_000;
const day = (n: number) => new Date(Date.UTC(2025, 10, 1) + n * DAY).toISOString().slice(0, 10);

/** `nights` nightly runs over `proxies` long-named proxies, one in 7 dates never fetched. */
function runs(proxies: number, nights: number): CoverageRun[] {
  const names = Array.from(
    { length: proxies },
    (_, i) =>
      `proxy${String(i).padStart(2, "0")}.${
        "a-very-long-datacenter-name".repeat(2)
      }.fedoraproject.org`,
  );
  return Array.from({ length: nights }, (_, n) => {
    const tries: CoverageRun["tries"] = {};
    for (const [i, name] of names.entries()) {
      tries[name] = {};
      for (let back = 1; back <= 3; back++) {
        const date = day(n - back);
        const fail = (n - back + i) % 7 === 0;
        tries[name]![date] = fail
          ? { outcome: "failed", attempts: 3, reason: `${"rsync error | ".repeat(40)}${date}` }
          : { outcome: "fetched", attempts: 1 };
      }
    }
    return {
      run_id: `run-${n}`,
      start: `${day(n)}T03:15:00+00:00`,
      finished: true,
      tries,
      skipped: {},
      server: "log01",
    };
  });
}

const ok = (service: string): Check => ({
  service,
  state: "OK",
  summary: "fine",
  perf: [{ label: "n", value: 1 }],
  details: [],
});

Deno.test("status file: 50 proxies x 400 nights stays under 64 KB, every number a number", () => {
  const c = coverage(runs(50, 400), { window: 3 });
  const v = coverageVerdict(c);
  assertEquals(v.state, "CRITICAL");
  const checks = Object.fromEntries(CHECKS.map((n) => [n, ok(n)])) as Record<string, Check>;
  checks["coverage"] = { ...coverageCheck(v), details: Array(1000).fill("x".repeat(5000)) };
  const doc = statusDoc(
    checks as Parameters<typeof statusDoc>[0],
    discovery([c]),
    [{ user: "root", dir: "/var/spool/busmsg", messages: 0, oldest_age_s: 0 }],
    Date.UTC(2026, 11, 7),
  );
  const text = jsonText(doc, 1) + "\n";
  const size = new TextEncoder().encode(text).length;
  console.log(`status file for 50 proxies x 400 nights: ${size} bytes`);
  assert(size < 64 * 1024, `${size} bytes`);
  assertEquals(doc.proxies.length, 50);
  assert(doc.proxies.every((p) => p.lost > 50), JSON.stringify(doc.proxies[0]));
  assertEquals(text.includes("null"), false);
});

Deno.test("status: hostile summaries in the file never break the plugin output", () => {
  for (const text of HOSTILE) {
    const checks = Object.fromEntries(CHECKS.map((n) => [n, ok(n)])) as Record<string, Check>;
    checks["recorder"] = { ...ok("RECORDER"), state: "CRITICAL", summary: text };
    const now = Date.UTC(2026, 11, 7);
    const doc = statusDoc(checks as Parameters<typeof statusDoc>[0], [], [], now);
    const check = readStatus(JSON.stringify(doc), { path: "/s", now, maxAgeMs: 1_200_000 });
    const read = parsePluginOutput(pluginOutput(check), 2);
    assertEquals(read.perf[0]!.label, "status_age");
    assertEquals(read.long.length, CHECKS.length);
  }
});
