/**
 * `report --coverage` over a month of day files, timed and weighed: 30 nights of 50 proxies in
 * the Python sync script's pattern (5 interleaved workers, 3 dates each, some dates retried,
 * some failed every attempt), as the recorder writes them, plain and gzipped. busmsg as it
 * ships (dist/busmsg.js with the flags of permissions.flags), under /usr/bin/time; medians.
 * The per-run `report` over the same files is the peer: coverage should cost little more.
 * Then 400 nights of the same 50 proxies, each night followed by the merge job's events (the
 * merge of D-2, as `combineHttpLogs.sh` sends them): the whole read, and `--since 31d`, which
 * reads every night and shows a month.
 *
 *   deno run -A scripts/coverage_bench.ts [--quick]
 */
import { type Night, nightEvents, plusDays } from "../tests/support/nights.ts";
import { ENTRY } from "../tests/support/run.ts";

// busmsg as it ships: the bundle (rebuilt when stale) with permissions.flags, as the tests run it.
const busmsg = ENTRY;
const RUNS = Deno.args.includes("--quick") ? 5 : 11;
const NIGHTS = 30, PROXIES = 50;
const work = await Deno.makeTempDir({ prefix: "busmsg-coverage-bench-" });

// A fixed pseudo-random sequence, so every run measures the same files.
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

const proxies = Array.from(
  { length: PROXIES },
  (_, i) => `proxy${String(i + 1).padStart(2, "0")}.fedoraproject.org`,
);
const first = "2026-11-01";
const files: string[] = [];
let events = 0;
for (let n = 0; n < NIGHTS; n++) {
  const day = plusDays(first, n);
  const fails: Night["fails"] = {};
  for (const p of proxies) {
    for (let back = 1; back <= 3; back++) {
      const r = random();
      // 1% of dates fail every attempt, 4% fail once or twice and are fetched.
      if (r < 0.05) (fails[p] ??= {})[plusDays(day, -back)] = r < 0.01 ? 3 : r < 0.03 ? 2 : 1;
    }
  }
  const lines = nightEvents({ day, pattern: "python", proxies, fails }).map((e) => e.line);
  events += lines.length;
  const path = `${work}/sync-${day}.jsonl`;
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  files.push(path);
}
// logrotate's compress: the same files gzipped.
const gz: string[] = [];
for (const f of files) {
  const out = await new Deno.Command("gzip", { args: ["-k", "-f", f] }).output();
  if (!out.success) throw new Error(`gzip ${f} failed`);
  gz.push(`${f}.gz`);
}
const bytes = (await Promise.all(files.map((f) => Deno.stat(f)))).reduce((n, s) => n + s.size, 0);

// 400 nights up to the day before "today" (so --since 31d shows a month), each with its merge.
const LONG = 400;
const longFiles: string[] = [];
let longEvents = 0;
const today = new Date().toISOString().slice(0, 10);
for (let n = 0; n < LONG; n++) {
  const day = plusDays(today, n - LONG);
  const fails: Night["fails"] = {};
  for (const p of proxies) {
    for (let back = 1; back <= 3; back++) {
      const r = random();
      if (r < 0.05) (fails[p] ??= {})[plusDays(day, -back)] = r < 0.01 ? 3 : r < 0.03 ? 2 : 1;
    }
  }
  const lines = nightEvents({ day, pattern: "python", proxies, fails, merge: {} })
    .map((e) => e.line);
  longEvents += lines.length;
  const path = `${work}/long-sync-${day}.jsonl`;
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  longFiles.push(path);
}
const longBytes = (await Promise.all(longFiles.map((f) => Deno.stat(f))))
  .reduce((n, s) => n + s.size, 0);

interface Sample {
  ms: number;
  rssKb: number;
}

async function run(args: string[]): Promise<Sample> {
  const started = performance.now();
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M", ...busmsg, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const ms = performance.now() - started;
  const err = new TextDecoder().decode(out.stderr).trim().split("\n");
  // report exits 1 when something needs a person (the lost dates here): not a failure.
  if (out.code > 1) throw new Error(`busmsg ${args.join(" ")} failed: ${err.join(" | ")}`);
  return { ms, rssKb: Number(err.at(-1)) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cases: [string, string[]][] = [
  ["report --coverage, 1 night", ["report", "--coverage", files.at(-1)!]],
  ["report --coverage, 30 nights", ["report", "--coverage", ...files]],
  ["report --coverage --json, 30 nights", ["report", "--coverage", "--json", ...files]],
  [
    "report --coverage --html, 30 nights",
    ["report", "--coverage", "--html", `${work}/coverage.html`, ...files],
  ],
  ["report --coverage, 30 nights gzipped", ["report", "--coverage", ...gz]],
  ["report (per run, the peer), 30 nights", ["report", ...files]],
  [`report --coverage, ${LONG} nights with merges`, ["report", "--coverage", ...longFiles]],
  [
    `report --coverage --since 31d, ${LONG} nights with merges`,
    ["report", "--coverage", "--since", "31d", ...longFiles],
  ],
];
for (const [, args] of cases) await run(args); // warm caches
const samples: Sample[][] = cases.map(() => []);
for (let i = 0; i < RUNS; i++) {
  // Taking turns: load from elsewhere weighs on every case alike.
  for (const [j, [, args]] of cases.entries()) samples[j]!.push(await run(args));
}
const result = samples.map((s) => ({
  ms: median(s.map((x) => x.ms)),
  rssKb: Math.max(...s.map((x) => x.rssKb)),
}));

console.log(
  `${NIGHTS} nights x ${PROXIES} proxies: ${events} events, ${
    (bytes / 1e6).toFixed(1)
  } MB of day files; median of ${RUNS} runs (Deno ${Deno.version.deno})`,
);
console.log("| measure | wall time | peak RSS |");
console.log("| --- | --- | --- |");
for (const [i, [label]] of cases.entries()) {
  console.log(
    `| ${label} | ${result[i]!.ms.toFixed(0)} ms | ${Math.round(result[i]!.rssKb / 1024)} MB |`,
  );
}
const perNight = (result[1]!.ms - result[0]!.ms) / (NIGHTS - 1);
console.log(`| each night more (30-night minus 1-night, / 29) | ${perNight.toFixed(1)} ms | |`);
const long = result.at(-2)!.ms;
console.log(
  `${LONG} nights with merges: ${longEvents} events, ${(longBytes / 1e6).toFixed(1)} MB; ` +
    `${(long / (LONG / 31)).toFixed(0)} ms per 31 nights read`,
);
const page = await Deno.stat(`${work}/coverage.html`);
console.log(`the page: ${(page.size / 1024).toFixed(0)} KiB`);
await Deno.remove(work, { recursive: true });
