/**
 * `busmsg doctor`: every check a connection needs, in the order it needs them: a summary plugin
 * line first, then one line each (`OK|WARNING|CRITICAL check: detail`); exit codes as a
 * monitoring plugin.
 */
import { configFrom, parseCommand } from "../cli/options.ts";
import {
  CONNECT_OPTIONS,
  formatOptions,
  HELP_OPTION,
  SPOOL_DIR_OPTION,
} from "../cli/option_table.ts";
import { out, say } from "../io/output.ts";
import { waitingFigures } from "../text/waiting.ts";
import { type State, worst } from "../text/nagios.ts";
import {
  type Check,
  checkExit,
  checkJson,
  type Perf,
  pluginOutput,
  unknownCheck,
} from "../text/check.ts";
import { type Config, parseTimeout, redactUrl } from "../config.ts";
import { DeliveryError, HelpRequested, ioReason, UsageError } from "../errors.ts";
import { day, daysLeft, describeCertificate } from "../bus/certificate.ts";
import { diagnoseTls, readPem, type TlsFiles } from "../bus/tls.ts";
import { BrokerSession, withDeadline } from "../bus/transport.ts";
import { ms, type Step } from "../bus/trace.ts";
import { toPublication } from "../message/wire.ts";
import { defaultsFor, messageFromFields } from "../message/compose.ts";
import { resolveSpool, type SpoolOptions, summarizeSpool } from "../spool/spool.ts";
import { DEFAULT_RETRY_AFTER_MS, recentFailure } from "../spool/failfast.ts";

/** The options of `busmsg doctor`. */
export const OPTIONS = {
  publish: {
    type: "boolean",
    help: "also publish a test message (checks the publish permission)",
  },
  warning: {
    type: "string",
    arg: "DAYS",
    short: "w",
    help: "WARNING when the client certificate expires within DAYS (default 30)",
  },
  critical: {
    type: "string",
    arg: "DAYS",
    short: "c",
    help: "CRITICAL when it expires within DAYS (default 7)",
  },
  json: {
    type: "boolean",
    help: "the same check as one JSON object: state, code, summary, perf (label to\n" +
      "number, null for a step not run), details",
  },
  ...SPOOL_DIR_OPTION,
  ...CONNECT_OPTIONS,
  ...HELP_OPTION,
} as const;

export const HELP = `Usage: busmsg doctor [--conf PATH] [--publish] [-w DAYS] [-c DAYS] [options]

First a summary line, the plugin line monitoring reads: its state, the most severe problem
(or "all OK"), and performance data: each network step's time and the client
certificate's days left ("DOCTOR OK - 14 checks, all OK | cert_days=358;30:;7: dns=0.4ms;;;0
..."), the same labels in every state (U: not measured, as for a step not run). Then the
checks, in the order a connection needs them, one line each ("STATE check: detail"):
  config, url, vhost, exchange, topic prefix   the file used (or none) and its settings
                       (never a password)
  client certificate   readable, PEM, subject CN (the broker user under EXTERNAL), issuer,
                       days until it expires (WARNING under -w, CRITICAL under -c)
  client key, CA file  the key matches and is not readable by group/others; the CA file
  DNS, TCP, TLS, AMQP  each with its time; TLS verifies the broker's chain and host name;
                       AMQP is the login (SASL mechanism, user) and the vhost
  publish              with --publish: a test message on logging.stats.debug.doctor, confirmed
  spool                directory, owner and mode, messages waiting, oldest age, files
                       moved aside, a failure of the broker the sending calls remember
                       (they spool at once for --retry-after, default 60s)

The whole run has one time budget, --timeout (default 2 s: with start-up, under the Zabbix agent's
3 s and NRPE's 10 s; neither the config nor $BUSMSG_TIMEOUT changes it): each network step gets
what is left, and the steps the budget does not reach are reported "UNKNOWN step: not run";
the spool check counts until the budget ends and says when the count is a lower bound.
Never run --publish on a schedule: every message on the bus is archived for good, in public.

${formatOptions(OPTIONS)}

Examples:
  busmsg doctor --conf /etc/fedora-messaging/config.toml --publish
  command[check_busmsg]=/usr/bin/sudo -n /usr/bin/busmsg doctor --conf /etc/fedora-messaging/config.toml  (NRPE)

Exit status (a monitoring plugin's, unlike the sending commands'): 0 OK, 1 WARNING,
2 CRITICAL, 3 UNKNOWN (doctor itself could not run, e.g. a bad option).`;

const TEST_TOPIC = "logging.stats.debug.doctor";

/** Days before a client certificate's expiry that doctor warns, and calls it critical. */
const CERT_WARN_DAYS = 30, CERT_CRITICAL_DAYS = 7;
/** The whole run's default budget: with start-up, under the Zabbix agent's default 3 s. */
const BUDGET_MS = 2000;
/** Kept from the network steps for the local spool check at the end. */
const SPOOL_RESERVE_MS = 300;

/** Certificate expiry thresholds in days. */
interface Thresholds {
  warn: number;
  critical: number;
}

/** The labels of doctor's performance data, in order, in every state (`U` when not measured). */
const LABELS = ["cert_days", "dns", "tcp", "tls", "amqp", "publish", "total"] as const;
type Label = typeof LABELS[number];

/**
 * The checks' lines, kept until all have run: monitoring takes the first line as the status, so
 * the summary goes first. Their states decide the exit code.
 */
class Report {
  readonly states: State[] = [];
  readonly problems: { state: State; text: string }[] = [];
  readonly lines: string[] = [];
  readonly perf = new Map<Label, Perf>();
  constructor(publish: boolean) {
    for (const label of LABELS) {
      if (label === "publish" && !publish) continue;
      this.perf.set(label, { label, value: undefined, ...(label === "cert_days" ? {} : MS) });
    }
  }
  add(state: State, check: string, detail: string): void {
    this.states.push(state);
    if (state !== "OK") this.problems.push({ state, text: `${check}: ${detail}` });
    this.lines.push(`${state} ${check}: ${detail}`);
  }
  /** A step's time in ms, as performance data (`dns=0.4ms;;;0`). */
  time(label: Label, ms: number): void {
    this.perf.set(label, { label, value: Number(ms.toFixed(1)), ...MS });
  }
  /** A measure with its thresholds. */
  measure(item: Perf & { label: Label }): void {
    this.perf.set(item.label, item);
  }
  /** The checks a spent budget left out: named, never silently missing. */
  notRun(checks: string[], budgetMs: number): void {
    for (const c of checks) {
      this.add("UNKNOWN", c, `not run: the ${budgetMs / 1000} s budget (--timeout) was spent`);
    }
  }
  /** The one check: the worst state, the most severe problem, every measure, every line. */
  check(): Check {
    const state = worst(this.states);
    const counts = (["CRITICAL", "WARNING", "UNKNOWN"] as const)
      .map((s) => [s, this.states.filter((x) => x === s).length] as const)
      .filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s.toLowerCase()}`);
    // The headline names the most severe problem, the first of that state.
    const headline = this.problems.find((p) => p.state === state) ?? this.problems[0];
    const summary = `${this.states.length} checks` +
      (counts.length ? `, ${counts.join(", ")}: ${headline?.text}` : ", all OK");
    return {
      service: "DOCTOR",
      state,
      summary,
      perf: [...this.perf.values()],
      details: this.lines,
    };
  }
}

const MS = { unit: "ms", min: 0 } as const;

/** Prints the check as the plugin output or JSON; returns the plugin exit code. */
function render(check: Check, json: boolean): number {
  out(json ? JSON.stringify(checkJson(check)) + "\n" : pluginOutput(check));
  return checkExit(check);
}

/** Runs `busmsg doctor`. */
export async function run(args: string[]): Promise<number> {
  let values;
  const json = args.includes("--json");
  const unknown = (e: unknown) =>
    render(
      unknownCheck(
        "DOCTOR",
        (e as Error).message,
        new Report(args.includes("--publish")).check().perf,
      ),
      json,
    );
  try {
    const parsed = parseCommand("doctor", args, OPTIONS);
    if (parsed.positionals.length > 0) throw new Error("doctor: takes no arguments");
    values = parsed.values;
  } catch (e) {
    if (e instanceof HelpRequested) throw e;
    return unknown(e);
  }
  const started = Date.now();
  let budgetMs: number, thresholds: Thresholds;
  try {
    budgetMs = values.timeout === undefined ? BUDGET_MS : parseTimeout(values.timeout, "--timeout");
    thresholds = {
      warn: days(values.warning, "--warning", CERT_WARN_DAYS),
      critical: days(values.critical, "--critical", CERT_CRITICAL_DAYS),
    };
    if (thresholds.critical > thresholds.warn) {
      throw new UsageError(
        `--critical ${thresholds.critical} is more days than --warning ${thresholds.warn}`,
      );
    }
  } catch (e) {
    return unknown(e);
  }
  const report = new Report(values.publish ?? false);
  let config: Config | undefined;
  try {
    // The budget is doctor's own: the config's or $BUSMSG_TIMEOUT's timeout is not used.
    config = await configFrom({ ...values, timeout: undefined });
  } catch (e) {
    report.add("CRITICAL", "config", (e as Error).message);
  }
  const networkDeadline = started + Math.max(0, budgetMs - SPOOL_RESERVE_MS);
  if (config) {
    checkSettings(config, report);
    if (await checkCertificates(config, report, thresholds)) {
      await checkBroker(config, report, values.publish ?? false, networkDeadline, budgetMs);
    }
  }
  await checkSpool(resolveSpool(values, (name) => Deno.env.get(name)), report, config, {
    deadline: started + budgetMs,
    budgetMs,
  });
  report.measure({ label: "total", value: Date.now() - started, ...MS, max: budgetMs });
  return render(report.check(), values.json ?? false);
}

/** A `-w`/`-c` value: whole days, 0 to 3650. */
function days(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,4}$/.test(text) || Number(text) > 3650) {
    throw new UsageError(`${flag}: must be a number of days from 0 to 3650, got "${text}"`);
  }
  return Number(text);
}

function checkSettings(config: Config, report: Report): void {
  if (config.path) report.add("OK", "config", config.path);
  else {
    report.add(
      "WARNING",
      "config",
      "no config file found (--conf, $FEDORA_MESSAGING_CONF, /etc/fedora-messaging/config.toml): built-in defaults",
    );
  }
  const url = new URL(config.amqpUrl);
  report.add("OK", "url", redactUrl(config.amqpUrl));
  report.add("OK", "vhost", decodeURIComponent(url.pathname.slice(1)) || "/");
  report.add("OK", "exchange", config.exchange);
  report.add("OK", "topic prefix", `"${config.topicPrefix}"`);
}

/** The file's text, or the line saying why it cannot be read and what to do. */
async function readFile(path: string, what: string): Promise<string | DeliveryError> {
  try {
    return await readPem(path, what);
  } catch (e) {
    return e as DeliveryError;
  }
}

const withFix = (e: DeliveryError) => e.fix ? `${e.message}: ${e.fix}` : e.message;

/** The [tls] checks; false when a connection cannot work (no point trying the broker). */
async function checkCertificates(
  config: Config,
  report: Report,
  thresholds: Thresholds,
): Promise<boolean> {
  if (new URL(config.amqpUrl).protocol !== "amqps:") return true;
  const tls: TlsFiles = config.tls;
  let usable = true;
  if (tls.certfile && tls.keyfile) {
    usable = await checkClientCertificate(tls.certfile, tls.keyfile, report, thresholds) &&
      usable;
  } else {
    report.add("OK", "client certificate", "none configured: SASL PLAIN with the URL's user");
  }
  if (tls.caCert) {
    const ca = await readFile(tls.caCert, "CA certificate");
    if (ca instanceof DeliveryError) {
      report.add("CRITICAL", "CA file", withFix(ca));
      return false;
    }
    try {
      const facts = await describeCertificate(ca);
      report.add(
        "OK",
        "CA file",
        `${tls.caCert}: ${facts.subject}, expires ${day(facts.notAfter)}`,
      );
    } catch {
      report.add("CRITICAL", "CA file", `${tls.caCert}: not a PEM certificate`);
      usable = false;
    }
  } else report.add("OK", "CA file", "none configured: the system trust store");
  return usable;
}

async function checkClientCertificate(
  certfile: string,
  keyfile: string,
  report: Report,
  thresholds: Thresholds,
): Promise<boolean> {
  const cert = await readFile(certfile, "client certificate");
  if (cert instanceof DeliveryError) {
    report.add("CRITICAL", "client certificate", withFix(cert));
    return false;
  }
  let facts;
  try {
    facts = await describeCertificate(cert);
  } catch {
    report.add("CRITICAL", "client certificate", `${certfile}: not a PEM certificate`);
    return false;
  }
  const now = new Date();
  const left = daysLeft(facts.notAfter, now);
  // Nagios ranges: a value below the start of "30:" is outside it, so it alerts.
  report.measure({
    label: "cert_days",
    value: left,
    warn: `${thresholds.warn}:`,
    crit: `${thresholds.critical}:`,
  });
  const about = `${certfile}: ${facts.subject} (broker user "${
    facts.commonName ?? "?"
  }" under EXTERNAL), issued by ${facts.issuer}`;
  let usable = true;
  if (facts.notAfter < now) {
    report.add(
      "CRITICAL",
      "client certificate",
      `${about}, expired ${day(facts.notAfter)}: renew ${certfile}`,
    );
    usable = false;
  } else if (facts.notBefore > now) {
    report.add(
      "CRITICAL",
      "client certificate",
      `${about}, not valid before ${day(facts.notBefore)}`,
    );
    usable = false;
  } else {
    const state: State = left < thresholds.critical
      ? "CRITICAL"
      : left < thresholds.warn
      ? "WARNING"
      : "OK";
    report.add(
      state,
      "client certificate",
      `${about}, expires ${day(facts.notAfter)} (${left} days left)` +
        (state === "OK" ? "" : `: renew ${certfile}`),
    );
  }
  const key = await readFile(keyfile, "client key");
  if (key instanceof DeliveryError) {
    report.add("CRITICAL", "client key", withFix(key));
    return false;
  }
  // Judged at a moment the certificate is valid, so that only the key is looked at.
  const mismatch = await diagnoseTls({ cert, key }, { certfile, keyfile }, facts.notBefore);
  if (mismatch) {
    report.add("CRITICAL", "client key", withFix(mismatch));
    return false;
  }
  const mode = (await Deno.stat(keyfile)).mode;
  if (mode !== null && (mode & 0o044) !== 0) {
    report.add(
      "WARNING",
      "client key",
      `${keyfile}: matches the certificate, but group or others may read it (mode ${
        (mode & 0o777).toString(8).padStart(4, "0")
      }): chmod 600 ${keyfile}`,
    );
  } else report.add("OK", "client key", `${keyfile}: matches the certificate, private`);
  return usable;
}

/** DNS, TCP, then TLS, AMQP login and vhost through the real transport, then --publish. */
async function checkBroker(
  config: Config,
  report: Report,
  publish: boolean,
  deadline: number,
  budgetMs: number,
): Promise<void> {
  // The steps after a failed one: not run because of the budget, or because of the failure.
  const later = (after: string) => {
    const steps = ["DNS", "TCP", "TLS", "AMQP", ...(publish ? ["publish"] : [])]
      .filter((s) => s !== "TLS" || url.protocol === "amqps:");
    if (Date.now() >= deadline) report.notRun(steps.slice(steps.indexOf(after) + 1), budgetMs);
  };
  const url = new URL(config.amqpUrl);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "amqps:" ? 5671 : 5672));
  let started = performance.now();
  let address: string;
  try {
    const { lookup } = await import("node:dns/promises");
    address = (await withDeadline(lookup(host), deadline, `DNS lookup of ${host}`)).address;
    report.time("dns", performance.now() - started);
    report.add("OK", "DNS", `${host} is ${address} (${ms(performance.now() - started)})`);
  } catch (e) {
    report.add("CRITICAL", "DNS", `${host}: ${(e as Error).message}`);
    later("DNS");
    return;
  }
  started = performance.now();
  const connecting = Deno.connect({ hostname: address, port });
  try {
    (await withDeadline(connecting, deadline, `TCP connect to ${address}:${port}`)).close();
    report.time("tcp", performance.now() - started);
    report.add("OK", "TCP", `connected to ${address}:${port} (${ms(performance.now() - started)})`);
  } catch (e) {
    connecting.then((c) => c.close()).catch(() => {});
    report.add("CRITICAL", "TCP", `${address}:${port}: ${ioReason(e)}`);
    later("TCP");
    return;
  }
  const steps: Step[] = [];
  const tlsLine = () => {
    const tls = steps.filter((s) => s.name === "tls");
    const tookMs = tls.find((s) => s.ms !== undefined)?.ms ?? 0;
    if (tls.length > 0) {
      report.time("tls", tookMs);
      report.add("OK", "TLS", `${tls.map((s) => s.detail).join("; ")} (${ms(tookMs)})`);
    }
  };
  let session: BrokerSession;
  try {
    // Doctor judges the certificate's expiry itself; no second word of it on stderr.
    const quiet = { ...config, expiryWarnDays: 0 };
    session = await BrokerSession.open(quiet, deadline, { step: (s) => steps.push(s), say });
  } catch (e) {
    const error = e as DeliveryError;
    const detail = withFix(error);
    // TLS 1.3 checks the client certificate after the server's: a refusal may come later.
    const tlsDone = url.protocol !== "amqps:" || steps.some((s) => s.name === "tls");
    if (tlsDone && !/TLS failed/.test(error.message)) {
      tlsLine();
      report.add("CRITICAL", "AMQP", detail);
      later("AMQP");
    } else {
      report.add("CRITICAL", "TLS", detail);
      later("TLS");
    }
    return;
  }
  tlsLine();
  const amqp = steps.find((s) => s.name === "amqp");
  report.time("amqp", amqp?.ms ?? 0);
  report.add("OK", "AMQP", `${amqp?.detail} (${ms(amqp?.ms ?? 0)})`);
  try {
    if (publish) await checkPublish(config, session, deadline, report);
  } finally {
    await session.close(Math.max(Date.now(), Math.min(deadline, Date.now() + 1000)));
  }
}

async function checkPublish(
  config: Config,
  session: BrokerSession,
  deadline: number,
  report: Report,
): Promise<void> {
  const message = messageFromFields(
    { topic: TEST_TOPIC, body: { test_key1: "test_value1" } },
    defaultsFor(config),
    undefined,
  );
  const pub = toPublication(message, config.exchange, config.topicPrefix);
  const started = performance.now();
  const [outcome] = await session.publish([pub], deadline);
  const took = ms(performance.now() - started);
  if (outcome?.ok) report.time("publish", performance.now() - started);
  if (outcome?.ok) {
    report.add("OK", "publish", `${message.id} ${pub.routingKey} confirmed (${took})`);
  } else {
    report.add("CRITICAL", "publish", `${pub.routingKey}: ${outcome?.error.message}`);
  }
}

/**
 * The spool directory and what waits in it; and a failure of the broker the sending calls
 * remember (fail-fast), since within its window they spool at once whatever doctor finds now.
 */
async function checkSpool(
  spool: SpoolOptions,
  report: Report,
  config: Config | undefined,
  budget: { deadline: number; budgetMs: number },
): Promise<void> {
  const dir = spool.dir;
  if (dir === undefined) {
    report.add("CRITICAL", "spool", spool.problem ?? "no spool directory");
    return;
  }
  let summary;
  try {
    // Within the run's budget: a spool of tens of thousands of files takes seconds to read.
    summary = await summarizeSpool(dir, Date.now(), undefined, budget.deadline);
  } catch (e) {
    report.add("CRITICAL", "spool", (e as Error).message);
    return;
  }
  if (summary.unsafe) {
    report.add(
      "CRITICAL",
      "spool",
      `${summary.unsafe}: busmsg will not use it, so a message that cannot be delivered is lost`,
    );
    return;
  }
  if (!summary.exists) {
    report.add("OK", "spool", `${dir}: not there yet (made on first use)`);
    return;
  }
  const { uid, mode } = await Deno.stat(dir);
  const modeText = mode === null ? "?" : (mode & 0o7777).toString(8).padStart(4, "0");
  const cut = summary.stopped?.listedAll === false;
  const waiting = `waiting: ${waitingFigures(summary.messages, summary.oldestAgeMs, cut)}`;
  const problems: string[] = [];
  const [aside] = summary.movedAside;
  if (aside) {
    problems.push(
      `${summary.movedAside.length} file(s) moved aside: look at ${aside.path}` +
        (aside.reason ? ` (${aside.reason})` : ""),
    );
  }
  if (cut) {
    problems.push(`not all counted: the ${budget.budgetMs / 1000} s budget (--timeout) was spent`);
  }
  if (summary.messages > 0) problems.push("run 'busmsg flush' once the broker is reachable");
  // Read only: what the sending calls will do is theirs to change, by trying again.
  const remembered = config &&
    await recentFailure(dir, config.amqpUrl, DEFAULT_RETRY_AFTER_MS, Date.now());
  if (remembered) problems.push(`publish and sync-event: ${remembered.message}`);
  report.add(
    problems.length ? "WARNING" : "OK",
    "spool",
    `${dir} (owner uid ${uid}, mode ${modeText}): ${waiting}` +
      (problems.length ? `; ${problems.join("; ")}` : ""),
  );
}
