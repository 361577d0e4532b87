/**
 * The man page, busmsg.1: every command's --help as the command prints it, in roff, with what a
 * man page has beyond --help (exit status, environment, files).
 * @module
 */
import type { Docs } from "./docs.ts";

/** A line of a help text that lists an option (as formatOptions writes it). */
const OPTION_LINE =
  /^ {2}((?:-[A-Za-z], )?--[a-z][a-z0-9-]*(?:, --[a-z][a-z0-9-]*)*)(?: ([A-Z][A-Z_|.-]*))?(?: {2,}(\S.*))?$/;
const CONTINUATION = /^ {10,}\S/;

/** Text as roff: backslashes, minus signs, and a leading dot or quote made literal. */
export function roffEscape(text: string): string {
  return text.replaceAll("\\", "\\e").replaceAll("-", "\\-").replace(/^([.'])/, "\\&$1");
}

const bold = (s: string) => `\\fB${roffEscape(s)}\\fR`;
const italic = (s: string) => `\\fI${roffEscape(s)}\\fR`;

/** A --help text as roff: usage lines, paragraphs, option lists, literal (indented) lines. */
export function helpToRoff(help: string): string {
  const lines = help.split("\n");
  const out: string[] = [];
  let prose: string[] = [];
  let literal: string[] = [];
  const flush = () => {
    if (prose.length) out.push(".PP", ...prose.map(roffEscape));
    if (literal.length) out.push(".PP", ".RS 4", ".nf", ...literal.map(roffEscape), ".fi", ".RE");
    prose = [];
    literal = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const option = OPTION_LINE.exec(line);
    if (line.trim() === "") {
      flush();
    } else if (/^Usage:/.test(line)) {
      flush();
      const usage = [line.replace(/^Usage:\s*/, "")];
      while (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1]!)) {
        usage.push(lines[++i]!.replace(/^ {2}/, ""));
      }
      out.push(".PP", ".nf", ...usage.filter(Boolean).map(roffEscape), ".fi");
    } else if (option) {
      flush();
      const text = [option[3] ?? ""];
      while (i + 1 < lines.length && CONTINUATION.test(lines[i + 1]!)) {
        text.push(lines[++i]!.trim());
      }
      const tag = option[1]!.split(", ").map(bold).join(", ") +
        (option[2] === undefined ? "" : " " + italic(option[2]));
      out.push(".TP", tag, ...text.filter(Boolean).map(roffEscape));
    } else if (/:$/.test(line) && OPTION_LINE.test(lines[i + 1] ?? "")) {
      flush();
      out.push(".PP", bold(line));
    } else if (/^\s/.test(line)) {
      if (prose.length) flush();
      literal.push(line.replace(/^ {2}/, ""));
    } else {
      if (literal.length) flush();
      prose.push(line);
    }
  }
  flush();
  return out.join("\n");
}

/** Exit statuses, environment, files and examples: what a man page has beyond --help. */
const EXIT_STATUS: [string, string][] = [
  ["0", "published, or durably spooled for later delivery"],
  ["1", "any other failure (e.g. credentials refused and not spooled)"],
  ["2", "bad input, usage or configuration; nothing was sent"],
  ["75", "spooled, with --strict"],
  ["111", "neither delivered nor spooled: no connection or no confirm in time"],
  ["121", "refused by the broker (nack, or access to the topic or vhost refused)"],
  [
    "0 1 2 3",
    "doctor, spool status and report --nagios, as monitoring plugins: OK, WARNING, CRITICAL, UNKNOWN",
  ],
];
const ENVIRONMENT: [string, string][] = [
  ["FEDORA_MESSAGING_CONF", "the config file when --conf is not given"],
  ["BUSMSG_TIMEOUT", "seconds bounding each network step (default 10); --timeout beats it"],
  ["BUSMSG_SPOOL_DIR", "the spool directory; --spool-dir beats it"],
  ["BUSMSG_RUN_ID", "the sync run of sync-event when --run-id is not given"],
  [
    "BUSMSG_EXPIRY_WARN_DAYS",
    "warn when the client certificate expires within N days (14; 0: never)",
  ],
  ["BUSMSG_DEBUG", "1: each connection step on stderr with its time, as --verbose"],
  [
    "XDG_STATE_HOME",
    "where a user's spool goes where /var/spool/busmsg/users is not installed " +
    "($XDG_STATE_HOME/busmsg/spool)",
  ],
  ["NO_COLOR", "no progress line on stderr (nor with TERM=dumb)"],
];
const FILES: [string, string][] = [
  ["/etc/fedora-messaging/config.toml", "fedora-messaging's configuration, read by default"],
  ["/etc/pki/fedora-messaging/", "CA, client certificate and key, as the config names them"],
  [
    "/var/spool/busmsg/",
    "the spool for root and for the directory's owner (0711); other users: their own " +
    "directory users/NAME in it (0700, made by the admin with tmpfiles.d), never their home; " +
    "where users/ is not installed, $XDG_STATE_HOME/busmsg/spool or " +
    "~/.local/state/busmsg/spool. Root's flush and spool status cover every user's directory. " +
    "A spool directory or parent owned by another user, or writable by group or others, is " +
    "refused (the rule OpenSSH applies to ~/.ssh)",
  ],
  [
    "/var/log/busmsg/",
    "the recorder's day files, sync-YYYY-MM-DD.jsonl (gzip-compressed ones, .gz, read by " +
    "report too); owned by the busmsg user, mode 0750",
  ],
  [
    "/etc/fedora-messaging/busmsg-recorder.toml",
    "the recorder's consumer configuration (busmsg-recorder.service)",
  ],
  [
    "/usr/lib/systemd/system/busmsg-flush.service, busmsg-flush.timer",
    "deliver the spool every 30 minutes; a broker outage (exit 111) is no failure of the unit",
  ],
  [
    "/usr/lib/systemd/system/busmsg-recorder.service",
    "the recorder: logging.stats messages into the day files, as the busmsg user",
  ],
  [
    "/usr/lib/systemd/system/busmsg-coverage.service, busmsg-coverage.timer",
    "daily at 07:00, the coverage page /var/log/busmsg/coverage.html from the day files (report " +
    "--coverage --since 31d --nagios), as the busmsg user, with no network",
  ],
  [
    "/usr/lib/systemd/system/busmsg-status.service, busmsg-status.timer",
    "every 5 minutes, as root, the status file for monitoring (busmsg status --update)",
  ],
  [
    "/var/lib/busmsg/status.json",
    "the status file: coverage per proxy, certificates' days left, the recorder, the spool; " +
    "mode 0640, group busmsg-monitor; read by busmsg status and the Zabbix template",
  ],
  [
    "/usr/lib/sysusers.d/busmsg.conf",
    "the busmsg system user and the busmsg-monitor group (systemd-sysusers)",
  ],
  [
    "/etc/logrotate.d/busmsg",
    "compresses the recorder's days that are over (day and side files) and deletes compressed " +
    "days older than about 13 months; no reload needed",
  ],
  [
    "/usr/lib/tmpfiles.d/busmsg.conf",
    "/var/spool/busmsg (0700 root), /var/log/busmsg (0750 busmsg), /var/cache/busmsg " +
    "(0755 root) and /var/lib/busmsg (2750 root:busmsg-monitor) (systemd-tmpfiles)",
  ],
  [
    "/var/cache/busmsg/",
    "Deno's code cache for the launcher, written by root only; never a cache in $HOME",
  ],
];
/** The manual pages SEE ALSO names, each one that exists where busmsg is installed. */
export const SEE_ALSO: [string, number][] = [
  ["logrotate", 8],
  ["sudoers", 5],
  ["systemd.exec", 5],
  ["systemd.timer", 5],
  ["journalctl", 1],
];

/** The indented lines under each "Examples:" heading of a help text. */
export function examplesOf(help: string): string[] {
  const found: string[] = [];
  let inside = false;
  for (const line of help.split("\n")) {
    if (/^Examples?:$/.test(line)) inside = true;
    else if (!/^\s/.test(line)) inside = false;
    else if (inside) found.push(line.replace(/^ {2}/, ""));
  }
  return found;
}

/** busmsg.1: every command's --help as a section, with exit status, environment and files. */
export function manPage(docs: Docs): string {
  const what = docs.help.split("\n")[0]!.replace(/^busmsg [^:]*:\s*/, "").replace(/\.$/, "");
  const entries = (rows: [string, string][]) =>
    rows.flatMap(([k, v]) => [".TP", bold(k), roffEscape(v)]);
  return [
    `.TH BUSMSG 1 ${docs.date} "busmsg ${docs.version}" "User Commands"`,
    ".nh",
    ".SH NAME",
    `busmsg \\- ${roffEscape(what)}`,
    ".SH SYNOPSIS",
    `${bold("busmsg")} ${italic("command")} [${italic("options")}] [${italic("args")}]`,
    ".br",
    `${bold("busmsg")} ${italic("command")} ${bold("--help")}`,
    ".br",
    `${bold("busmsg --version")}`,
    ".SH DESCRIPTION",
    roffEscape(
      "Each command below is described by its --help text. Data goes to stdout, diagnostics " +
        'to stderr as one line each, starting "busmsg:". Flags beat the environment, which ' +
        "beats the config file.",
    ),
    ".SH COMMANDS",
    ...docs.commands.flatMap((c) => [".TP", bold(c.name), roffEscape(c.summary)]),
    ...docs.commands.flatMap((c) => [`.SS "busmsg ${roffEscape(c.name)}"`, helpToRoff(c.help)]),
    ".SH EXIT STATUS",
    ...entries(EXIT_STATUS),
    ".SH ENVIRONMENT",
    ...entries(ENVIRONMENT),
    ".SH FILES",
    ...entries(FILES),
    ".SH EXAMPLES",
    ".nf",
    ...[docs.help, ...docs.commands.map((c) => c.help)].flatMap(examplesOf).map(roffEscape),
    ".fi",
    ".SH SEE ALSO",
    SEE_ALSO.map(([page, section]) => `${bold(page)}(${section})`).join(", "),
    ".PP",
    roffEscape(
      "fedora-messaging, whose configuration and message format busmsg shares, has no manual " +
        "page: https://fedora-messaging.readthedocs.io/",
    ),
    "",
  ].join("\n");
}
