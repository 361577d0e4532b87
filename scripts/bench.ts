/**
 * busmsg as it ships (dist/busmsg.js) side by side with a peer, in one run, on the private
 * broker (scripts/bench starts it). Peers: the Deno floor (a minimal Deno program that opens TCP
 * to the broker and reads Connection.Start: what any Deno program pays), busmsg from source (the
 * bundle's gain), `amqp-publish` from Debian's amqp-tools (a C client, no publisher confirms: the
 * floor for one process per message) and, for validation, Python's json module and jq; memory
 * against the targets.
 * Prints medians and ratios; absolute numbers drift on shared machines, ratios are what count.
 * Start-up first: an empty Deno script, `--version`, `publish --dry-run`, `validate` of one line
 * and the installed launcher (scripts/install's, BUSMSG_NO_COMPILE=1), in turns, against the
 * empty script; one TLS publish against the Deno-native floor (scripts/bench_native.ts).
 * With `--baseline REV`, only a change's cost: busmsg as it ships against the bundle of git
 * revision REV (built in a worktree of its own), every per-process row in turns.
 *
 * `--start-up`: the start-up rows only.
 *
 *   deno run -A scripts/bench.ts [--quick] [--start-up] [--baseline REV]
 */
import { parseArgs } from "node:util";
import {
  CERTS,
  PLAIN_PORT,
  PLAIN_URL as PLAIN,
  TEST_PASSWORD,
  TEST_USER,
  TLS_PORT,
  TLS_URL,
} from "../tests/support/addresses.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const FLAGS = (await Deno.readTextFile(`${ROOT}permissions.flags`)).trim().split(/\s+/);
/** The TLS port with a password login, for amqp-publish (which has no EXTERNAL). */
const TLS_PASSWORD_URL = Object.assign(new URL(TLS_URL), {
  username: TEST_USER,
  password: TEST_PASSWORD,
}).href;
const { values: given } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean" },
    baseline: { type: "string" },
    "start-up": { type: "boolean" },
  },
});
const quick = given.quick === true;
const RUNS = quick ? 7 : 25;
/** Start-up rows: a few milliseconds apart, so more turns. */
const STARTUP_RUNS = quick ? 11 : 41;
const work = await Deno.makeTempDir({ prefix: "busmsg-bench-" });

/** busmsg as it ships: the bundle (scripts/bench builds it), the binary's flags, no config. */
const BUNDLE = Deno.env.get("BUSMSG_BUNDLE") ?? `${ROOT}dist/busmsg.js`;
const denoRun = [Deno.execPath(), "run", "--quiet", "--no-prompt"];
const shipped = [...denoRun, "--no-config", "--cached-only", ...FLAGS, BUNDLE];
// As the installed launcher runs it for root: Deno's cache (V8 code cache) in its own directory
// (/var/cache/busmsg there), not in $HOME.
const busmsg = ["env", `DENO_DIR=${work}/deno-dir`, ...shipped];
/** The same for a user who may not write that directory: no code cache, nothing written. */
const uncached = ["env", "DENO_DIR=/dev/null", ...shipped];
/** busmsg run from source, for the bundle's gain. */
const fromSource = [...denoRun, "--config", `${ROOT}deno.json`, ...FLAGS, `${ROOT}main.ts`];

/** The floor of any Deno program here: open TCP to the broker and read Connection.Start. */
const floorJs = `${work}/floor.js`;
await Deno.writeTextFile(
  floorJs,
  `const c = await Deno.connect({ hostname: "127.0.0.1", port: ${PLAIN_PORT} });
await c.write(new TextEncoder().encode("AMQP\\x00\\x00\\x09\\x01"));
const buf = new Uint8Array(4096);
for (let got = 0; got < 12;) got += (await c.read(buf.subarray(got))) ?? Deno.exit(1);
if (buf[0] !== 1 || buf[7] !== 0 || buf[8] !== 10 || buf[9] !== 0 || buf[10] !== 10) Deno.exit(1);
c.close();
`,
);
const floor = [...denoRun, "--no-config", "--allow-net=127.0.0.1", floorJs];
/** An empty Deno script, run as busmsg is (its flags, its cache): the floor of start-up. */
const emptyJs = `${work}/empty.js`;
await Deno.writeTextFile(emptyJs, "");
const empty = ["env", `DENO_DIR=${work}/deno-dir`, ...denoRun, "--no-config", ...FLAGS, emptyJs];
/** One TLS publish, Deno-native: the least a Deno program pays for what busmsg does. */
const nativeTls = [
  ...denoRun,
  "--no-config",
  "--allow-net",
  "--allow-read",
  `${ROOT}scripts/bench_native.ts`,
  "localhost",
  `${TLS_PORT}`,
  "/pubsub",
  `${CERTS}/ca.pem`,
  `${CERTS}/logging.pem`,
  `${CERTS}/logging.key`,
  "logging.stats.sync.host.start",
];

interface Sample {
  ms: number;
  /**
   * CPU time (user + system; the mean of the runs, as /usr/bin/time counts it in 10 ms steps):
   * load from other jobs stretches wall time, much less the CPU a program spends.
   */
  cpuMs: number;
  maxRssKb: number;
  /** The median of the runs' peaks: steadier than the highest, for comparing two builds. */
  medianRssKb: number;
}

/** Runs a command under /usr/bin/time; wall time and peak RSS. Fails loudly on a non-zero exit. */
async function run(cmd: string[]): Promise<Sample> {
  const started = performance.now();
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%U %S %M", ...cmd],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { BUSMSG_SPOOL_DIR: `${work}/spool`, NO_COLOR: "1" },
  }).output();
  const ms = performance.now() - started;
  const err = new TextDecoder().decode(out.stderr).trim().split("\n");
  if (!out.success) throw new Error(`${cmd.join(" ")} failed: ${err.join(" | ")}`);
  const [user, system, kb] = err.at(-1)!.split(" ").map(Number) as [number, number, number];
  return { ms, cpuMs: (user + system) * 1000, maxRssKb: kb, medianRssKb: kb };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * The median time and the peak memory of each command. The commands take turns, so that load
 * from elsewhere on a shared machine weighs on all of them alike and their ratio holds.
 */
async function mediansOf(cmds: string[][], runs = RUNS): Promise<Sample[]> {
  for (const cmd of cmds) await run(cmd); // warm caches
  const samples: Sample[][] = cmds.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [j, cmd] of cmds.entries()) samples[j]!.push(await run(cmd));
  }
  return samples.map((s) => ({
    ms: median(s.map((x) => x.ms)),
    maxRssKb: Math.max(...s.map((x) => x.maxRssKb)),
    medianRssKb: median(s.map((x) => x.maxRssKb)),
    cpuMs: s.reduce((sum, x) => sum + x.cpuMs, 0) / s.length,
  }));
}

async function medianOf(cmd: string[], runs = RUNS): Promise<Sample> {
  return (await mediansOf([cmd], runs))[0]!;
}

const sh = (script: string) => ["bash", "-c", script];
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const rows: string[][] = [];
const row = (what: string, ours: string, peer: string, peerName: string, ratio: string) =>
  rows.push([what, ours, peer, peerName, ratio]);

// Configs: Fedora's setup (TLS, client certificate, EXTERNAL) for busmsg.
const tlsConf = `${work}/logging.toml`;
await Deno.writeTextFile(
  tlsConf,
  `amqp_url = "${TLS_URL}"\n[tls]\nca_cert = "${CERTS}/ca.pem"\n` +
    `certfile = "${CERTS}/logging.pem"\nkeyfile = "${CERTS}/logging.key"\n`,
);

const syncEvent = ["sync-event", "host.start", "--run-id", "bench", "--synced-host", "proxy01"];
const DRY = ["publish", "--dry-run", "--topic", "bench.one", "a=1"];
const oneLine = `${work}/one.jsonl`;
await Deno.writeTextFile(
  oneLine,
  JSON.stringify({
    topic: "logging.stats.sync.host.logdate.finish",
    body: { host: "log01", run_id: "r", synced_host: "proxy01", log_date: "2026-11-27" },
  }) + "\n",
);
const VALIDATE_ONE = ["validate", oneLine];
const emptySpool = `${work}/empty-spool`;
await Deno.mkdir(emptySpool, { mode: 0o700 });

// The workloads of the rows that are not start-up: a 10,000-line file to publish, its first
// 5,000 lines to spool with the broker down, 100,000 lines to validate.
const N = 10_000;
const lines = Array.from(
  { length: N },
  (_, i) => JSON.stringify({ topic: `bench.file.${i % 10}`, body: { i, host: "h" } }),
);
await Deno.writeTextFile(`${work}/10k.jsonl`, lines.join("\n") + "\n");
const fileRuns = quick ? 3 : 7;
const S = 5000;
await Deno.writeTextFile(`${work}/5k.jsonl`, lines.slice(0, S).join("\n") + "\n");
/** A shell prefix that makes a fresh, empty spool directory `$d`. */
const fresh = `d=$(mktemp -d -p ${work})`;
const V = 100_000;
const vlines = Array.from({ length: V }, (_, i) =>
  JSON.stringify({
    topic: "logging.stats.sync.host.logdate.finish",
    body: { host: "log01", run_id: "r", synced_host: `proxy${i % 35}`, log_date: "2026-11-27" },
  }));
await Deno.writeTextFile(`${work}/100k.jsonl`, vlines.join("\n") + "\n");

if (given.baseline !== undefined) {
  await againstBaseline(given.baseline);
  printTable();
  await Deno.remove(work, { recursive: true });
  Deno.exit(0);
}

// (1) One message per process.
async function perProcess(
  label: string,
  ours: string[],
  peer: string[],
  peerName: string,
  runs = RUNS,
) {
  const [a, b] = await mediansOf([ours, peer], runs) as [Sample, Sample];
  row(label, `${a.ms.toFixed(1)} ms`, `${b.ms.toFixed(1)} ms`, peerName, (a.ms / b.ms).toFixed(2));
  return [a, b] as const;
}

// (0) Start-up: each command against an empty Deno script, all in turns.
const launcher = await installedLauncher();
const startup: [string, string[]][] = [
  ["start-up, --version (target 1.2)", [...busmsg, "--version"]],
  ["start-up, publish --dry-run (target 1.3)", [...busmsg, ...DRY]],
  ["start-up, validate of one line", [...busmsg, ...VALIDATE_ONE]],
  ["start-up, installed launcher --version", [launcher, "--version"]],
];
const [emptyRun, ...started] = await mediansOf(
  [empty, ...startup.map(([, cmd]) => cmd)],
  STARTUP_RUNS,
);
for (const [i, [label]] of startup.entries()) {
  const ms = started[i]!.ms;
  row(
    label,
    `${ms.toFixed(1)} ms`,
    `${emptyRun!.ms.toFixed(1)} ms`,
    "an empty Deno script",
    (ms / emptyRun!.ms).toFixed(2),
  );
}
const [versionRun, dryRun] = started as [Sample, Sample];
row(
  "  CPU user+system (mean), --version / --dry-run",
  `${versionRun.cpuMs.toFixed(0)} / ${dryRun.cpuMs.toFixed(0)} ms`,
  `${emptyRun!.cpuMs.toFixed(0)} ms`,
  "an empty Deno script",
  `${(versionRun.cpuMs / emptyRun!.cpuMs).toFixed(2)} / ${
    (dryRun.cpuMs / emptyRun!.cpuMs).toFixed(2)
  }`,
);
const [tlsCall, nativeCall] = await perProcess(
  "1 sync-event/process, TLS+cert (target 1.15)",
  [...busmsg, ...syncEvent, "--conf", tlsConf],
  nativeTls,
  "Deno-native publisher (scripts/bench_native.ts)",
  STARTUP_RUNS,
);
// Load from other jobs stretches the wall time of the one that needs more CPU the most; the CPU
// each spends is the steadier comparison of their own work.
row(
  "  the same, CPU user+system (mean)",
  `${tlsCall.cpuMs.toFixed(0)} ms`,
  `${nativeCall.cpuMs.toFixed(0)} ms`,
  "Deno-native publisher (scripts/bench_native.ts)",
  (tlsCall.cpuMs / nativeCall.cpuMs).toFixed(2),
);
if (given["start-up"]) {
  printTable();
  await Deno.remove(work, { recursive: true });
  Deno.exit(0);
}
await perProcess(
  "1 sync-event/process, AMQP",
  [...busmsg, ...syncEvent, "--url", PLAIN],
  floor,
  "Deno floor: TCP + Connection.Start (target 1.8)",
);
await perProcess(
  "  the same, bundle / from source",
  [...busmsg, ...syncEvent, "--url", PLAIN],
  [...fromSource, ...syncEvent, "--url", PLAIN],
  "busmsg from source (main.ts)",
);
await perProcess(
  "  the same, code cache / none",
  [...busmsg, ...syncEvent, "--url", PLAIN],
  [...uncached, ...syncEvent, "--url", PLAIN],
  "busmsg where it may not write its cache",
);
const peerArgs = ["-e", "amq.topic", "-r", "bench.one", "-p", "-b", '{"a": "1"}'];
await perProcess(
  "1 message/process, AMQP",
  [...busmsg, "publish", "--url", PLAIN, "--topic", "bench.one", "a=1"],
  ["amqp-publish", "-u", PLAIN, ...peerArgs],
  "amqp-publish",
);
const [oneTls, peerTls] = await perProcess(
  "1 message/process, TLS+cert",
  [...busmsg, ...syncEvent, "--conf", tlsConf],
  [
    "amqp-publish",
    "--ssl",
    `--url=${TLS_PASSWORD_URL}`,
    `--cacert=${CERTS}/ca.pem`,
    `--cert=${CERTS}/consumer.pem`,
    `--key=${CERTS}/consumer.key`,
    ...peerArgs,
  ],
  "amqp-publish (PLAIN over TLS)",
);
// The client certificate's expiry check on every call, against the same call without it.
const tlsOne = [...busmsg, "publish", "--conf", tlsConf, "--topic", "logging.stats.debug.b", "a=1"];
await perProcess(
  "  expiry check on / off (TLS+cert)",
  ["env", "BUSMSG_EXPIRY_WARN_DAYS=14", ...tlsOne],
  ["env", "BUSMSG_EXPIRY_WARN_DAYS=0", ...tlsOne],
  "busmsg, BUSMSG_EXPIRY_WARN_DAYS=0",
);
const [dry, drySource, version, versionSource] = await mediansOf([
  [...busmsg, ...DRY],
  [...fromSource, ...DRY],
  [...busmsg, "--version"],
  [...fromSource, "--version"],
]) as [Sample, Sample, Sample, Sample];
row(
  "start-up, no broker (--version / --dry-run)",
  `${version.ms.toFixed(1)} / ${dry.ms.toFixed(1)} ms`,
  `${versionSource.ms.toFixed(1)} / ${drySource.ms.toFixed(1)} ms`,
  "busmsg from source (main.ts)",
  `${(version.ms / versionSource.ms).toFixed(2)} / ${(dry.ms / drySource.ms).toFixed(2)}`,
);

// (2) A 10,000-line file, every confirm awaited (amqp-publish -l: one connection, no confirms).
await Deno.writeTextFile(
  `${work}/10k.bodies`,
  lines.map((l) => JSON.stringify(JSON.parse(l).body)).join("\n") + "\n",
);
const [file, peerFile] = await mediansOf([
  [...busmsg, "publish", "--url", PLAIN, `${work}/10k.jsonl`],
  sh(`amqp-publish -u '${PLAIN}' -e amq.topic -r bench.file -p -l < ${work}/10k.bodies`),
], fileRuns) as [Sample, Sample];
const rate = (ms: number) => Math.round(N / (ms / 1000));
row(
  "10,000-line file",
  `${rate(file.ms)} msg/s`,
  `${rate(peerFile.ms)} msg/s`,
  "amqp-publish -l (no confirms)",
  (rate(file.ms) / rate(peerFile.ms)).toFixed(2),
);

// (2b) Spooling 5,000 messages with the broker down, each file durable before exit 0; the
// peer writes the same files the plain way (write, fsync, rename each; fsync the directory).
const spoolRun = await medianOf(
  sh(
    `${fresh} && exec ${
      busmsg.join(" ")
    } publish --url amqp://127.0.0.1:1/ --spool-dir $d ${work}/5k.jsonl`,
  ),
  fileRuns,
);
const plainWriter = `import os, sys
d = sys.argv[1]
for i, line in enumerate(open(sys.argv[2], "rb")):
    tmp = f"{d}/.tmp-{i}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, line)
    os.fdatasync(fd)
    os.close(fd)
    os.rename(tmp, f"{d}/{i}.msg")
fd = os.open(d, os.O_RDONLY)
os.fsync(fd)
os.close(fd)`;
await Deno.writeTextFile(`${work}/plain_writer.py`, plainWriter);
const spoolPeer = await medianOf(
  sh(`${fresh} && exec python3 ${work}/plain_writer.py $d ${work}/5k.jsonl`),
  fileRuns,
);
row(
  "spool 5,000 messages (broker down), all durable",
  `${spoolRun.ms.toFixed(0)} ms`,
  `${spoolPeer.ms.toFixed(0)} ms`,
  "python3, one fsync per file",
  (spoolRun.ms / spoolPeer.ms).toFixed(2),
);

// (3) validate on 100,000 lines.
const [validate, py, jq] = await mediansOf([
  [...busmsg, "validate", `${work}/100k.jsonl`],
  [
    "python3",
    "-c",
    `import json,sys\nfor l in open(sys.argv[1]): json.loads(l)`,
    `${work}/100k.jsonl`,
  ],
  sh(`jq -c . ${work}/100k.jsonl >/dev/null`),
], fileRuns) as [Sample, Sample, Sample];
const vrate = (ms: number) => Math.round(V / (ms / 1000));
row(
  "validate 100,000 lines",
  `${vrate(validate.ms)} lines/s`,
  `${vrate(py.ms)} lines/s`,
  "python3 json.loads (parse only)",
  (vrate(validate.ms) / vrate(py.ms)).toFixed(2),
);
row(
  "",
  "",
  `${vrate(jq.ms)} lines/s`,
  "jq -c . (parse only)",
  (vrate(validate.ms) / vrate(jq.ms)).toFixed(2),
);

// (4) Peak memory.
const M = quick ? 200_000 : 1_000_000;
await Deno.writeTextFile(`${work}/big.jsonl`, "");
const big = await Deno.open(`${work}/big.jsonl`, { write: true });
const chunk = new TextEncoder().encode(vlines.slice(0, 10_000).join("\n") + "\n");
for (let i = 0; i < M / 10_000; i++) await big.write(chunk);
big.close();
const validateBig = await run([...busmsg, "validate", `${work}/big.jsonl`]);
const rssRow = (label: string, ours: Sample, peer: Sample, peerName: string) =>
  row(
    label,
    mb(ours.maxRssKb),
    mb(peer.maxRssKb),
    peerName,
    (ours.maxRssKb / peer.maxRssKb).toFixed(1),
  );
rssRow("peak RSS, 1 message (TLS)", oneTls, peerTls, "amqp-publish");
rssRow("peak RSS, 10,000-line publish", file, peerFile, "amqp-publish -l");
const publishBig = await medianOf(
  [...busmsg, "publish", "--url", PLAIN, `${work}/100k.jsonl`],
  quick ? 1 : 3,
);
const targetRow = (label: string, ours: Sample, targetMb: number) =>
  row(
    label,
    mb(ours.maxRssKb),
    `${targetMb} MB`,
    "target",
    (ours.maxRssKb / 1024 / targetMb).toFixed(2),
  );
targetRow("peak RSS, 10,000-line publish", file, 100);
targetRow("peak RSS, 100,000-line publish", publishBig, 120);
row(
  `peak RSS, validate 100k / ${M / 1000}k lines`,
  `${(validate.maxRssKb / 1024).toFixed(0)} / ${(validateBig.maxRssKb / 1024).toFixed(0)} MB`,
  "",
  "",
  "",
);

// (5) Large lines: 100 lines of 1 MiB, each a body of many short strings (memory-heavy when
// parsed). publish --dry-run must stay near validate, which streams the same file.
const LARGE = 100;
const large = await Deno.open(`${work}/large.jsonl`, { write: true, create: true });
for (let i = 0; i < LARGE; i++) {
  const items = Array.from(
    { length: 96_000 },
    (_, j) => `item${String(j % 10_000).padStart(4, "0")}`,
  );
  const text = JSON.stringify({ topic: "bench.large", body: { i, items } }).slice(
    0,
    1024 * 1024 - 3,
  );
  // Cut to just under 1 MiB and closed again, so that the line stays valid JSON.
  const cut = text.slice(0, text.lastIndexOf(",")) + "]}}\n";
  await large.write(new TextEncoder().encode(cut));
}
large.close();
const largeDry = await run([...busmsg, "publish", "--dry-run", `${work}/large.jsonl`]);
const largeValidate = await run([...busmsg, "validate", `${work}/large.jsonl`]);
rssRow(
  "peak RSS, publish --dry-run 100 lines of 1 MiB",
  largeDry,
  largeValidate,
  "busmsg validate",
);

printTable();
await Deno.remove(work, { recursive: true });

/** The rows as a Markdown table, with what the ratios mean. */
function printTable() {
  const widths = [0, 1, 2, 3, 4].map((c) =>
    Math.max(
      ...[["measure", "busmsg", "peer", "peer is", "busmsg/peer"], ...rows].map((r) =>
        r[c]!.length
      ),
    )
  );
  const fmt = (r: string[]) => "| " + r.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  console.log(
    `busmsg benchmark (${RUNS} runs per single-message median, ${STARTUP_RUNS} at start-up; Deno ${Deno.version.deno}; ${Deno.build.arch})`,
  );
  console.log(fmt(["measure", "busmsg", "peer", "peer is", "busmsg/peer"]));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of rows) console.log(fmt(r));
  console.log(
    "ratios: time ratios above 1 mean busmsg is slower; rate ratios above 1 mean busmsg is faster.",
  );
}

/**
 * busmsg installed by scripts/install without a binary (the launcher and the bundle, as the RPM
 * installs them) under `work`, its Deno cache there too; the launcher's path.
 */
async function installedLauncher(): Promise<string> {
  const prefix = `${work}/prefix`;
  const out = await new Deno.Command("bash", {
    args: [`${ROOT}scripts/install`, prefix],
    env: { BUSMSG_NO_COMPILE: "1", BUSMSG_CACHE_DIR: `${work}/launcher-cache` },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`scripts/install: ${new TextDecoder().decode(out.stderr)}`);
  return `${prefix}/bin/busmsg`;
}

/** dist/busmsg.js as git revision `rev` builds it, in a worktree of its own under `work`. */
async function bundleOf(rev: string): Promise<string> {
  const tree = `${work}/baseline`;
  const step = async (cmd: string, args: string[], env: Record<string, string> = {}) => {
    const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" })
      .output();
    const said = new TextDecoder().decode(out.stderr).trim();
    if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${said}`);
    return new TextDecoder().decode(out.stdout).trim();
  };
  await step("git", ["-C", ROOT, "worktree", "add", "--quiet", "--detach", tree, rev]);
  try {
    return await step("bash", [`${tree}/scripts/bundle`], {
      BUSMSG_DENO: Deno.execPath(),
      BUSMSG_DIST: `${work}/baseline-dist`,
    });
  } finally {
    await step("git", ["-C", ROOT, "worktree", "remove", "--force", tree]);
  }
}

/**
 * The rows of a change's cost: this bundle against `rev`'s, the same commands in turns. Every
 * row of the main table that busmsg alone decides: start-up, one call per process, the file
 * workloads (time and peak memory). The peers' rows are left out: they do not change.
 */
async function againstBaseline(rev: string) {
  const before = [...busmsg.slice(0, -1), await bundleOf(rev)];
  const spooled = (cmd: string[]) =>
    sh(
      `${fresh} && exec ${
        cmd.join(" ")
      } publish --url amqp://127.0.0.1:1/ --spool-dir $d ${work}/5k.jsonl`,
    );
  const cases: [string, (cmd: string[]) => string[], number?][] = [
    ["start-up, --version", (c) => [...c, "--version"], STARTUP_RUNS],
    ["start-up, --help", (c) => [...c, "--help"], STARTUP_RUNS],
    ["start-up, publish --dry-run", (c) => [...c, ...DRY], STARTUP_RUNS],
    ["start-up, validate of one line", (c) => [...c, ...VALIDATE_ONE], STARTUP_RUNS],
    [
      "start-up, spool status",
      (c) => [...c, "spool", "status", "--spool-dir", emptySpool],
      STARTUP_RUNS,
    ],
    ["start-up, schema --list", (c) => [...c, "schema", "--list"], STARTUP_RUNS],
    ["1 sync-event/process, AMQP", (c) => [...c, ...syncEvent, "--url", PLAIN]],
    [
      "1 sync-event/process, TLS+cert",
      (c) => [...c, ...syncEvent, "--conf", tlsConf],
      STARTUP_RUNS,
    ],
    [
      "1 message/process, AMQP",
      (c) => [...c, "publish", "--url", PLAIN, "--topic", "bench.one", "a=1"],
    ],
    ["10,000-line file", (c) => [...c, "publish", "--url", PLAIN, `${work}/10k.jsonl`], fileRuns],
    ["spool 5,000 messages (broker down)", spooled, fileRuns],
    ["validate 100,000 lines", (c) => [...c, "validate", `${work}/100k.jsonl`], fileRuns],
    ["100,000-line publish", (c) => [...c, "publish", "--url", PLAIN, `${work}/100k.jsonl`], 3],
  ];
  const heavy = new Set(["10,000-line file", "validate 100,000 lines", "100,000-line publish"]);
  for (const [label, command, runs] of cases) {
    const [now, then] = await mediansOf([command(busmsg), command(before)], runs) as [
      Sample,
      Sample,
    ];
    const versus = `busmsg at ${rev}`;
    row(
      label,
      `${now.ms.toFixed(1)} ms`,
      `${then.ms.toFixed(1)} ms`,
      versus,
      (now.ms / then.ms).toFixed(2),
    );
    if (heavy.has(label)) {
      const rss = (now.medianRssKb / then.medianRssKb).toFixed(2);
      row(`  peak RSS (median), ${label}`, mb(now.medianRssKb), mb(then.medianRssKb), versus, rss);
    }
  }
}
