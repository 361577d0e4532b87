import { assert, assertEquals } from "../../support/assert.ts";
import { HOSTILE, parsePluginOutput } from "../../support/plugin_output.ts";
import {
  coverage,
  type CoverageRun,
  type Gap,
  GAPS,
  type Try,
} from "../../../lib/sync/coverage.ts";
import { coverageCheck, coverageVerdict } from "../../../lib/sync/coverage_verdict.ts";
import { type Check, pluginOutput } from "../../../lib/text/check.ts";
import { jsonText } from "../../../lib/text/printable.ts";
import { CHECKS, discovery, readStatus, statusDoc } from "../../../lib/commands/status_file.ts";
import { parse } from "yaml";

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

/** One nightly run of `server` on `day` that tried each proxy's dates as given. */
const night = (server: string, day: string, tries: CoverageRun["tries"]): CoverageRun => ({
  run_id: `${server}-${day}`,
  start: `${day}T03:15:00+00:00`,
  finished: true,
  tries,
  skipped: {},
  server,
});

Deno.test("status file: a date no run tried and an unverified one count on every proxy they hit, over every log server", () => {
  const fetched: Try = { outcome: "fetched", attempts: 1 };
  const silent: Try = { outcome: "unverified", attempts: 0, seconds: 21_600 };
  const all = (dates: string[], t: Try) => Object.fromEntries(dates.map((d) => [d, t]));
  const first = ["2026-11-28", "2026-11-29", "2026-11-30"];
  const last = ["2026-12-02", "2026-12-03", "2026-12-04"];
  // log01: 12-01 tried by no run (three nights whose runs tried nothing); log02: silent timeouts.
  const log01 = coverage([
    night("log01", "2026-12-01", { proxy01: all(first, fetched), proxy02: all(first, fetched) }),
    night("log01", "2026-12-02", {}),
    night("log01", "2026-12-03", {}),
    night("log01", "2026-12-04", {}),
    night("log01", "2026-12-05", { proxy01: all(last, fetched), proxy02: all(last, fetched) }),
  ], { window: 3 });
  const log02 = coverage([
    night("log02", "2026-12-01", {
      proxy01: { ...all(first, fetched), "2026-11-28": silent },
      proxy03: all(first, silent),
    }),
  ], { window: 3 });
  const zero = Object.fromEntries(GAPS.map((g) => [g, 0])) as Record<Gap, number>;
  assertEquals(discovery([log01, log02]), [
    // 12-02 fetched on 12-05, after its merge night by --merge-after 2: late.
    { proxy: "proxy01", ...zero, late: 1, untried: 1, unverified: 1 },
    { proxy: "proxy02", ...zero, late: 1, untried: 1 },
    // 11-29 and 11-30: the window is still open on log02, but 11-29's merge (by --merge-after
    // 2, after the run of 12-01) has run without it: unmerged, as the check's CRITICAL says.
    { proxy: "proxy03", ...zero, pending: 1, unmerged: 1, unverified: 1 },
  ]);
});

Deno.test("status file: the Zabbix template has an item, a trigger and a macro for every column of the discovery array", async () => {
  const yaml = await Deno.readTextFile(
    new URL("../../../zabbix/zabbix_template_busmsg.yaml", import.meta.url),
  );
  const [template] = (parse(yaml) as {
    zabbix_export: { templates: Record<string, unknown>[] };
  }).zabbix_export.templates as {
    discovery_rules: {
      item_prototypes: {
        key: string;
        preprocessing: { parameters: string[] }[];
        trigger_prototypes: { expression: string }[];
      }[];
    }[];
    macros: { macro: string }[];
  }[];
  const prototypes = template!.discovery_rules[0]!.item_prototypes;
  const macros = template!.macros.map((m) => m.macro);
  for (const gap of GAPS) {
    const key = `busmsg.proxy.${gap}[{#PROXY}]`;
    const item = prototypes.find((p) => p.key === key);
    assert(item, `no item prototype ${key}`);
    assertEquals(
      item.preprocessing[0]!.parameters[0],
      `$.proxies[?(@.proxy=='{#PROXY}')].${gap}.first()`,
    );
    const macro = `{$BUSMSG.${gap.toUpperCase()}.MAX}`;
    assertEquals(
      item.trigger_prototypes.map((t) => t.expression),
      [`last(/busmsg by Zabbix agent/${key})>${macro}`],
    );
    assert(macros.includes(macro), `no macro ${macro}`);
  }
  assertEquals(prototypes.length, GAPS.length);
});

Deno.test("status file: a log server that runs no merge while another does counts no gap for DNF Counting", () => {
  const failed: Try = { outcome: "failed", attempts: 3, reason: "Error code: 23" };
  const fetched: Try = { outcome: "fetched", attempts: 1 };
  const dates = ["2026-11-28", "2026-11-29", "2026-11-30"];
  const other = coverage([
    night("log02", "2026-12-01", {
      proxy01: { ...Object.fromEntries(dates.map((d) => [d, fetched])), "2026-11-28": failed },
    }),
  ], { window: 3, mergedElsewhere: true });
  assertEquals(Object.values(other.proxies["proxy01"]!).some((c) => c.state === "lost"), true);
  const zero = Object.fromEntries(GAPS.map((g) => [g, 0])) as Record<Gap, number>;
  assertEquals(discovery([other]), [{ proxy: "proxy01", ...zero }]);
});
