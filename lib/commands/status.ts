/**
 * `busmsg status`: the status file as a monitoring check, read without sudo, broker or key; and
 * `busmsg status --update`, what root's timer runs to write it (coverage, certificates, the
 * recorder, the spool), atomically.
 */
import { parseCommand } from "../cli/options.ts";
import { formatOptions, HELP_OPTION, SPOOL_DIR_OPTION } from "../cli/option_table.ts";
import { HelpRequested, ioReason, UsageError } from "../errors.ts";
import { out, say } from "../io/output.ts";
import { parseDuration } from "../text/duration.ts";
import { type Check, checkExit, checkJson, pluginOutput, unknownCheck } from "../text/check.ts";
import type { State } from "../text/nagios.ts";
import { jsonText } from "../text/printable.ts";
import { loadConfig, parseConfig } from "../config.ts";
import { daysLeft, describeCertificate } from "../bus/certificate.ts";
import { readPem } from "../bus/tls.ts";
import { BrokerSession } from "../bus/transport.ts";
import { summarizeSystemSpools } from "../spool/spool.ts";
import { SYSTEM_SPOOL } from "../spool/users.ts";
import { summarize, type SyncEvent } from "../sync/runs.ts";
import type { Ignored } from "../sync/report.ts";
import { coverageCheck, coverageVerdict } from "../sync/coverage_verdict.ts";
import { GAPS } from "../sync/coverage.ts";
import type { MergeEvent } from "../sync/merges.ts";
import { attemptsFrom, readDayFiles } from "./report.ts";
import { coverageOf } from "./report_coverage.ts";
import { SPOOL_BUDGET_MS, spoolCheck } from "./spool.ts";
import {
  type CheckName,
  discovery,
  type ProxyCounts,
  readStatus,
  RECORDER_FAILED,
  type SpoolLine,
  STATUS_FILE,
  STATUS_TIMER,
  statusDoc,
  statusLabels,
} from "./status_file.ts";

/** The options of `busmsg status`. */
export const OPTIONS = {
  nagios: { type: "boolean", help: "the plugin output (the default)" },
  json: { type: "boolean", help: "the same check as one JSON object" },
  "max-age": {
    type: "string",
    arg: "DURATION",
    help: "CRITICAL when the file is older than this (default 20m)",
  },
  file: {
    type: "string",
    arg: "PATH",
    help: `the status file (default ${STATUS_FILE})`,
  },
  update: {
    type: "boolean",
    help: `write the file instead (root's ${STATUS_TIMER}): coverage, certificates,\n` +
      "recorder, spool; atomically, readable by the busmsg-monitor group",
  },
  "log-dir": {
    type: "string",
    arg: "DIR",
    help: "with --update: the recorder's day files (default /var/log/busmsg)",
  },
  since: {
    type: "string",
    arg: "DURATION",
    help: "with --update: the log dates the coverage counts (default 31d)",
  },
  "publisher-conf": {
    type: "string",
    arg: "PATH",
    help: "with --update: the publishers' config, for its certificate's days\n" +
      "(default /etc/fedora-messaging/config.toml)",
  },
  "recorder-conf": {
    type: "string",
    arg: "PATH",
    help: "with --update: the recorder's config, for its certificate and queue\n" +
      "(default /etc/fedora-messaging/busmsg-recorder.toml)",
  },
  "queue-name": {
    type: "string",
    arg: "NAME",
    help: "with --update: the recorder's queue, whose depth is asked (default\n" +
      'busmsg-recorder; "" asks nothing)',
  },
  ...SPOOL_DIR_OPTION,
  ...HELP_OPTION,
} as const;

export const HELP = `Usage: busmsg status [--nagios|--json] [--max-age DURATION] [--file PATH]
       busmsg status --update [--log-dir DIR] [--since DURATION] [--file PATH] [...]

Reads the status file that root's ${STATUS_TIMER} writes (${STATUS_FILE}) and prints
it as one check: no broker, no key, no root, no sudo (a member of the busmsg-monitor group
may read it: NRPE's and Zabbix's users). The state is the worst of the file's checks:
coverage (the proxies' log dates not in DNF Counting yet, and why), cert_publisher and
cert_recorder (the client certificates' days left), recorder (when it last wrote a line, its
queue's depth), spool (messages waiting, the oldest one's age: counted as spool status
counts it, within its 2 s budget). A file that is missing, not
a status file, or older than --max-age is CRITICAL and names the timer to look at.

Plugin output: BUSMSG STATE - summary | status_age=... coverage_lost=... (the same labels in
every state; U where nothing is known), then one line per check.

--update writes the file: a temporary file in its directory, fsync, then a rename, so a
reader sees the old file or the new one whole; mode 0640, group of the directory. It holds
for each check its state, code, summary and numbers (every number a number, in every state),
the proxies as a discovery array (each proxy's log dates not in DNF Counting yet, by why:
${GAPS.join(", ")}), the spools; a few kB for 50
proxies. Its exit code says whether it was written (0, else 1; 2 usage), not the states
inside.

${formatOptions(OPTIONS)}

Examples:
  busmsg status
  command[check_busmsg]=/usr/bin/busmsg status      (NRPE, no sudo)
  busmsg status --update

Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (a bad option); with --update 0 written,
1 not written, 2 usage.`;

const DEFAULT_MAX_AGE = "20m";
const PUBLISHER_CONF = "/etc/fedora-messaging/config.toml";
const RECORDER_CONF = "/etc/fedora-messaging/busmsg-recorder.toml";
const RECORDER_QUEUE = "busmsg-recorder";
const LOG_DIR = "/var/log/busmsg";
/** Certificates: WARNING within 30 days, CRITICAL within 7 (as doctor's defaults). */
const CERT_WARN_DAYS = 30, CERT_CRITICAL_DAYS = 7;
/** The recorder is CRITICAL when no line was written for this long (a night and some). */
const SILENCE_MS = 26 * 3_600_000;
/** Asking the broker for the queue's depth: at most this long. */
const QUEUE_MS = 3000;
/** The spool's oldest message: CRITICAL after this long (as `spool status`). */
const SPOOL_MAX_AGE_MS = 6 * 3_600_000;

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>["values"];

/** Runs `busmsg status`. */
export async function run(args: string[]): Promise<number> {
  let values: Values;
  const json = args.includes("--json");
  try {
    const parsed = parseCommand("status", args, OPTIONS);
    if (parsed.positionals.length > 0) throw new UsageError("status: takes no arguments");
    values = parsed.values;
    if (values.json && values.nagios) {
      throw new UsageError("status: --json and --nagios do not go together");
    }
    if (values.update) return await update(values);
  } catch (e) {
    if (e instanceof HelpRequested || args.includes("--update")) throw e;
    return render(unknownCheck("BUSMSG", (e as Error).message, statusLabels()), json);
  }
  const path = values.file ?? STATUS_FILE;
  let maxAgeMs: number;
  try {
    maxAgeMs = parseDuration(values["max-age"] ?? DEFAULT_MAX_AGE, "--max-age");
  } catch (e) {
    return render(unknownCheck("BUSMSG", (e as Error).message, statusLabels()), json);
  }
  let text: string | undefined;
  try {
    text = await readSmall(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      // Unreadable is blind too: CRITICAL, with the reason (often the group).
      const check = readStatus(undefined, { path, now: Date.now(), maxAgeMs });
      check.summary = check.summary.replace("does not exist", `cannot be read: ${ioReason(e)}`);
      return render(check, json);
    }
  }
  return render(readStatus(text, { path, now: Date.now(), maxAgeMs }), json);
}

/** A status file is a few kB: more than 1 MiB is not one. */
async function readSmall(path: string): Promise<string> {
  const file = await Deno.open(path);
  try {
    const info = await file.stat();
    if (!info.isFile || info.size > 1024 * 1024) return "";
    const bytes = new Uint8Array(info.size);
    let n = 0;
    while (n < bytes.length) {
      const got = await file.read(bytes.subarray(n));
      if (got === null) break;
      n += got;
    }
    return new TextDecoder().decode(bytes.subarray(0, n));
  } finally {
    file.close();
  }
}

function render(check: Check, json: boolean): number {
  out(json ? JSON.stringify(checkJson(check)) + "\n" : pluginOutput(check));
  return checkExit(check);
}

/** `--update`: gathers every check and writes the file. */
async function update(values: Values): Promise<number> {
  for (const only of ["json", "nagios", "max-age"] as const) {
    if (values[only] !== undefined) {
      throw new UsageError(`status: --${only} does not go with --update`);
    }
  }
  const now = Date.now();
  const logDir = values["log-dir"] ?? LOG_DIR;
  const since = values.since ?? "31d";
  parseDuration(since, "--since");
  const [cov, publisher, recorderCert, recorder, spool] = await Promise.all([
    coverageNow(logDir, since, now),
    certCheck("CERT_PUBLISHER", values["publisher-conf"] ?? PUBLISHER_CONF, now),
    certCheck("CERT_RECORDER", values["recorder-conf"] ?? RECORDER_CONF, now),
    recorderCheck(
      logDir,
      values["recorder-conf"] ?? RECORDER_CONF,
      values["queue-name"] ?? RECORDER_QUEUE,
      now,
    ),
    spoolNow(values, now),
  ]);
  const checks: Record<CheckName, Check> = {
    coverage: cov.check,
    cert_publisher: publisher,
    cert_recorder: recorderCert,
    recorder,
    spool: spool.check,
  };
  const doc = statusDoc(checks, cov.proxies, spool.lines, now);
  const path = values.file ?? STATUS_FILE;
  try {
    await writeAtomically(path, jsonText(doc, 1) + "\n");
  } catch (e) {
    say(`busmsg status --update: cannot write ${path}: ${ioReason(e)}`);
    return 1;
  }
  say(`${path}: ${doc.state}: ${doc.summary}`);
  return 0;
}

/** Writes `text` whole or not at all: temporary file, fsync, rename, then the directory synced. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/")) || ".";
  const tmp = `${dir}/.${path.slice(dir.length + 1)}.tmp-${Deno.pid}`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o640 });
  try {
    // Whatever the umask: the monitoring group reads it, nobody else.
    await Deno.chmod(tmp, 0o640);
    const bytes = new TextEncoder().encode(text);
    for (let n = 0; n < bytes.length;) n += await file.write(bytes.subarray(n));
    await file.sync();
  } catch (e) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  file.close();
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  try {
    // The rename itself survives a crash only once the directory is on disk.
    const d = await Deno.open(dir);
    await d.sync().finally(() => d.close());
  } catch {
    // Some file systems cannot sync a directory: the file is whole either way.
  }
}

/** The day files of the recorder: plain, rotated and side files. */
async function dayFiles(logDir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(logDir)) {
    if (e.isFile && /^sync-.*\.jsonl/.test(e.name)) names.push(`${logDir}/${e.name}`);
  }
  return names.sort();
}

/** Coverage of the day files (every log server), with each proxy's counts. */
async function coverageNow(
  logDir: string,
  since: string,
  now: number,
): Promise<{ check: Check; proxies: ProxyCounts[] }> {
  try {
    const events: SyncEvent[] = [], ignored: Ignored[] = [], merges: MergeEvent[] = [];
    const files = await dayFiles(logDir);
    const aside = files.length === 0
      ? { count: 0, files: [] }
      : await readDayFiles(files, "", {}, { events, ignored, merges });
    const runs = summarize(events, {
      attempts: attemptsFrom(undefined, Deno.env.get("BUSMSG_REPORT_ATTEMPTS")),
    });
    const { list, v } = coverageOf(runs, merges, { since, ignored: ignored.length, aside }, now);
    return { check: coverageCheck(v), proxies: discovery(list) };
  } catch (e) {
    const labels = coverageCheck(coverageVerdict([])).perf;
    return { check: unknownCheck("COVERAGE", (e as Error).message, labels), proxies: [] };
  }
}

/** A config's client certificate: days left (`configured` 0 when there is none). */
async function certCheck(service: string, conf: string, now: number): Promise<Check> {
  const check = (state: State, summary: string, days: number, configured: number): Check => ({
    service,
    state,
    summary,
    perf: [
      {
        label: "days_left",
        value: days,
        warn: `${CERT_WARN_DAYS}:`,
        crit: `${CERT_CRITICAL_DAYS}:`,
      },
      { label: "configured", value: configured },
    ],
    details: [],
  });
  let text: string;
  try {
    text = await Deno.readTextFile(conf);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return check("OK", `no config ${conf}`, 0, 0);
    return check("CRITICAL", `${conf}: cannot read: ${ioReason(e)}`, 0, 1);
  }
  try {
    const certfile = parseConfig(text, conf).tls.certfile;
    if (!certfile) return check("OK", `${conf}: no client certificate`, 0, 0);
    const facts = await describeCertificate(await readPem(certfile, "client certificate"));
    const left = daysLeft(facts.notAfter, new Date(now));
    if (facts.notAfter.getTime() < now) {
      return check("CRITICAL", `${certfile} expired: renew it`, left, 1);
    }
    const state: State = left < CERT_CRITICAL_DAYS
      ? "CRITICAL"
      : left < CERT_WARN_DAYS
      ? "WARNING"
      : "OK";
    return check(state, `${certfile}: ${left} days left`, left, 1);
  } catch (e) {
    return check("CRITICAL", (e as Error).message, 0, 1);
  }
}

/** The recorder: when it last wrote a day file, and how many messages wait in its queue. */
async function recorderCheck(
  logDir: string,
  conf: string,
  queue: string,
  now: number,
): Promise<Check> {
  let last = 0;
  try {
    for await (const e of Deno.readDir(logDir)) {
      if (!/^sync-.*\.jsonl$/.test(e.name) || /\.rejects\.jsonl$/.test(e.name)) continue;
      const m = (await Deno.stat(`${logDir}/${e.name}`)).mtime?.getTime() ?? 0;
      last = Math.max(last, m);
    }
  } catch {
    // No directory: no line written, said below.
  }
  const failed = await recorderFailure(logDir, last);
  const depth = queue === "" ? { n: -1 } : await queueDepth(conf, queue);
  const ageS = last === 0 ? 0 : Math.max(0, Math.floor((now - last) / 1000));
  const silent = last === 0 || now - last > SILENCE_MS;
  const parts = [
    last === 0 ? `no day file in ${logDir}` : `last line written ${new Date(last).toISOString()}`,
    depth.why === undefined
      ? (depth.n < 0 ? "queue not asked" : `${depth.n} messages in ${queue}`)
      : `queue depth unknown: ${depth.why}`,
  ];
  return {
    service: "RECORDER",
    state: silent || failed ? "CRITICAL" : "OK",
    summary: (failed ? `stopped: ${failed}; ` : silent && last !== 0 ? "silent: " : "") +
      parts.join(", "),
    perf: [
      { label: "last_line_unix", value: Math.floor(last / 1000) },
      { label: "last_line_age_s", value: ageS, unit: "s", crit: String(SILENCE_MS / 1000) },
      { label: "queue_depth", value: depth.n },
    ],
    details: [],
  };
}

/**
 * Why the recorder ended for good (exit 78: expired or unreadable certificate, unknown CA,
 * refused login), when it says so beside its day files later than its last line.
 */
async function recorderFailure(logDir: string, lastLine: number): Promise<string | undefined> {
  try {
    const path = `${logDir}/${RECORDER_FAILED}`;
    const info = await Deno.stat(path);
    if ((info.mtime?.getTime() ?? 0) < lastLine || info.size > 64 * 1024) return undefined;
    const note = JSON.parse(await Deno.readTextFile(path));
    const text = `${note.reason}${
      note.fix ? `: ${note.fix}` : ""
    } (exit ${note.code}, ${note.time})`;
    return `${text}; systemctl status busmsg-recorder`;
  } catch {
    return undefined; // None: the recorder did not end for good.
  }
}

/** The recorder queue's depth, asked with the recorder's own config; -1 when it cannot be. */
async function queueDepth(conf: string, queue: string): Promise<{ n: number; why?: string }> {
  const deadline = Date.now() + QUEUE_MS;
  let session: BrokerSession | undefined;
  try {
    const config = await loadConfig({ conf }, (name) => Deno.env.get(name));
    session = await BrokerSession.open({ ...config, expiryWarnDays: 0 }, deadline, {
      say: () => {},
    });
    return { n: await session.queueDepth(queue, deadline) };
  } catch (e) {
    return { n: -1, why: (e as Error).message };
  } finally {
    await session?.close(Math.min(deadline, Date.now() + 500));
  }
}

/** Root's spool and every user's under it (or the tree at --spool-dir), one line per user. */
async function spoolNow(
  values: Values,
  now: number,
): Promise<{ check: Check; lines: SpoolLine[] }> {
  const dir = values["spool-dir"] ?? SYSTEM_SPOOL;
  try {
    // Counted as `spool status` counts it: reading 20,000 files for their destinations took
    // 9 s; listed to its end, the count and the oldest age (from the names) are exact anyway.
    const tree = await summarizeSystemSpools(dir, now, Date.now() + SPOOL_BUDGET_MS);
    const users = tree.each.length > 1 ? tree.each : [];
    const check = spoolCheck(dir, tree.total, { criticalMs: SPOOL_MAX_AGE_MS }, undefined, users);
    const lines = tree.each.map(({ spool, summary }) => ({
      user: spool.user,
      dir: spool.dir,
      messages: summary.messages,
      oldest_age_s: Math.floor((summary.oldestAgeMs ?? 0) / 1000),
    }));
    return { check, lines };
  } catch (e) {
    const check = unknownCheck("SPOOL", (e as Error).message, [
      { label: "messages", value: 0 },
      { label: "oldest", value: 0, unit: "s" },
      { label: "moved_aside", value: 0 },
    ]);
    return { check, lines: [{ user: "root", dir, messages: 0, oldest_age_s: 0 }] };
  }
}
