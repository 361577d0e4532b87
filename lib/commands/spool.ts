/** `busmsg spool status`: the spool as a monitoring check (Nagios/NRPE, Zabbix, systemd timer). */
import { parseCommand } from "../cli/options.ts";
import { formatOptions, HELP_OPTION, SPOOL_DIR_OPTION } from "../cli/option_table.ts";
import { HelpRequested, UsageError } from "../errors.ts";
import { parseTimeout } from "../config.ts";
import { closest } from "../text/suggest.ts";
import { out } from "../io/output.ts";
import { formatAge, parseDuration } from "../text/duration.ts";
import { waitingFigures } from "../text/waiting.ts";
import { exitCodeFor, type State, worst } from "../text/nagios.ts";
import { type Check, checkJson, pluginOutput, unknownCheck } from "../text/check.ts";
import {
  resolveSpool,
  type SpoolCount,
  type SpoolSummary,
  summarizeSpool,
  summarizeSystemSpools,
} from "../spool/spool.ts";
import { SYSTEM_SPOOL } from "../spool/users.ts";

/** The options of `busmsg spool status`. */
export const OPTIONS = {
  warning: {
    type: "string",
    arg: "DURATION",
    short: "w",
    help: "WARNING when the oldest message waited longer (default: never;\n" +
      "seconds, or 30m, 6h, 2d, 0s)",
  },
  critical: {
    type: "string",
    arg: "DURATION",
    short: "c",
    help: "CRITICAL when the oldest message waited longer (default 6h)",
  },
  "max-age": {
    type: "string",
    arg: "DURATION",
    help: "the same as --critical (kept for existing checks)",
  },
  timeout: {
    type: "string",
    arg: "SECONDS",
    help: "stop counting after this long and say what is a lower bound\n" +
      "(default 2: with start-up, under the Zabbix agent's 3 s)",
  },
  json: { type: "boolean", help: "one JSON object instead of the plugin lines" },
  ...SPOOL_DIR_OPTION,
  ...HELP_OPTION,
} as const;

export const HELP =
  `Usage: busmsg spool status [-w DURATION] [-c DURATION] [--timeout SECONDS] [--json]
                           [--spool-dir DIR]

A monitoring check of the spool: messages waiting, the oldest one's age, their
destinations, and files moved aside. The first line is a plugin line
(SPOOL OK - 0 messages | perfdata), so it drops into NRPE or a
Zabbix user parameter; the next line names the spool checked. Root's spool (/var/spool/busmsg)
not there yet is OK ("no spool yet": nothing was ever spooled); any other spool that
does not exist is a WARNING, and so is a user's own spool picked by default when root's
exists (a monitoring user that forgot sudo would check the wrong spool): give
--spool-dir to check that one on purpose. Run as root on the system spool (the
default), it counts root's spool and every user's directory under
/var/spool/busmsg/users together, one "user NAME: DIR: N messages, oldest AGE" line each
(--json: "users") when there are user directories; one that may not be used is CRITICAL.
Counting stops at --timeout (default 2 s), so that the check answers within its plugin's
timeout however many files wait: the count and the oldest age come from the file names
(TIME-SEQ-UUID.msg: exact once the directory is listed), each file is then read for its
destination until the budget is spent; files not read only leave their contents
unchecked ("N message(s) not read in time" in the details) and do not change the state.
A directory not even listed to its end gives lower bounds ("at least N messages, oldest
at least AGE") and is at least a WARNING: a file not listed may be older.

${formatOptions(OPTIONS)}

Examples:
  busmsg spool status -w 1h -c 6h
  command[check_busmsg_spool]=/usr/bin/sudo -n /usr/bin/busmsg spool status --max-age 6h      (NRPE)

--json prints the same check as one JSON object: state, code, summary, perf (label to
number), details, and the spool's messages, oldest_age_s (0 when it is empty, never null),
destinations, files moved aside, and complete (false when counting stopped at --timeout).

Exit status (a monitoring plugin's, unlike the sending commands'): 0 OK (messages younger
than -w/-c may wait during an outage), 1 WARNING (files were moved aside, or wait that are
not valid messages: someone must look; or the oldest message is older than -w; or the
directory was not listed to its end within --timeout),
2 CRITICAL (the oldest message is older than -c), 3 UNKNOWN (the check could not run).`;

const DEFAULT_MAX_AGE = "6h";
/** Counting's default budget: with start-up, under the Zabbix agent's default 3 s timeout. */
export const SPOOL_BUDGET_MS = 2000;

/** How long the oldest message may wait: WARNING after `warnMs` (when given), CRITICAL after `criticalMs`. */
export interface AgeLimits {
  warnMs?: number;
  criticalMs: number;
}

/** The state of a spool and the summary words of its plugin line. */
export function judgeSpool(
  summary: SpoolSummary,
  limits: number | AgeLimits,
): { state: State; text: string } {
  const { warnMs, criticalMs: maxAgeMs } = typeof limits === "number"
    ? { warnMs: undefined, criticalMs: limits }
    : limits;
  const age = summary.oldestAgeMs;
  // Not listed to the end: every number is what was seen, a lower bound.
  const cut = summary.stopped?.listedAll === false;
  const parts = [waitingFigures(summary.messages, age, cut)];
  let state: State = "OK";
  if (cut) {
    // The files not listed may be older than any seen: not known to be well, so at least a
    // WARNING, and what was seen (an age past -c) still decides when it is worse.
    state = "WARNING";
    parts.push("counting stopped at the time budget (--timeout): figures are lower bounds");
  }
  // Listed to the end, the count and the oldest age are exact (the names carry the time): files
  // not read in time only leave their contents unchecked, said in the details, not a WARNING.
  if (summary.notMessages > 0) {
    // Never sent: the next flush moves them aside, and someone must look at them.
    state = "WARNING";
    parts.push(`${summary.notMessages} file(s) not a valid message`);
  }
  if (summary.movedAside.length > 0) {
    state = "WARNING";
    parts.push(`${summary.movedAside.length} file(s) moved aside`);
  }
  if (age !== undefined && age > maxAgeMs) {
    state = "CRITICAL";
    parts.push(`waiting longer than ${formatAge(maxAgeMs)}`);
  } else if (age !== undefined && warnMs !== undefined && age > warnMs) {
    state = worst([state, "WARNING"]);
    parts.push(`waiting longer than ${formatAge(warnMs)}`);
  }
  if (summary.unsafe) {
    // The next message that cannot be delivered would be lost.
    state = "CRITICAL";
    parts.push(`spool not usable: ${summary.unsafe}`);
  }
  return { state, text: parts.join(", ") };
}

const SUBCOMMANDS = ["status"];

/**
 * What the choice of the spool adds to the check: a spool that does not exist, or a user's own
 * picked by default where root's is in use. `given`: named by --spool-dir or $BUSMSG_SPOOL_DIR.
 */
export function judgeLocation(
  dir: string,
  exists: boolean,
  given: boolean,
  systemSpoolExists: boolean,
): { state: State; text: string } | undefined {
  if (!exists) {
    return dir === SYSTEM_SPOOL
      ? { state: "OK", text: `no spool yet (${dir} does not exist: nothing was ever spooled)` }
      : { state: "WARNING", text: `${dir} does not exist` };
  }
  if (!given && dir !== SYSTEM_SPOOL && systemSpoolExists) {
    return {
      state: "WARNING",
      text: `checked this user's own spool ${dir}, not root's ${SYSTEM_SPOOL} ` +
        "(run through sudo, or give --spool-dir)",
    };
  }
  return undefined;
}

/** A subcommand that is not one: exit 2 on stderr, like an unknown command. */
class Wrong extends UsageError {}

/** Runs `busmsg spool SUBCOMMAND`. */
export async function run(args: string[]): Promise<number> {
  let json = false;
  try {
    const { values, positionals } = parseCommand("spool", args, OPTIONS);
    json = values.json ?? false;
    if (positionals.length !== 1 || positionals[0] !== "status") {
      // Not a check that failed but no check asked for: a usage error, as for a command.
      const [sub] = positionals;
      const guess = sub === undefined ? undefined : closest(sub, SUBCOMMANDS);
      throw new Wrong(
        sub === undefined
          ? `spool: give the subcommand "status" (see busmsg spool --help)`
          : sub === "status"
          ? "spool status: takes no arguments"
          : `spool: unknown subcommand "${sub}"${guess ? `; did you mean "${guess}"?` : ""}` +
            " (see busmsg spool --help)",
      );
    }
    const limits = ageLimits(values);
    const deadline = Date.now() +
      (values.timeout === undefined ? SPOOL_BUDGET_MS : parseTimeout(values.timeout, "--timeout"));
    const spool = resolveSpool(values, (name) => Deno.env.get(name));
    if (spool.dir === undefined) throw new Error(spool.problem ?? "no spool directory");
    const dir = spool.dir;
    // Root's check of the system spool covers every user's directory under it.
    const tree = Deno.uid() === 0 && dir === SYSTEM_SPOOL
      ? await summarizeSystemSpools(dir, Date.now(), deadline)
      : undefined;
    const summary = tree?.total ?? await summarizeSpool(dir, Date.now(), undefined, deadline);
    const users = tree && tree.each.length > 1 ? tree.each : [];
    const given = values["spool-dir"] !== undefined || !!Deno.env.get("BUSMSG_SPOOL_DIR");
    const where = judgeLocation(dir, summary.exists, given, systemSpoolExists());
    const check = spoolCheck(dir, summary, limits, where, users);
    if (json) {
      out(
        JSON.stringify({
          ...checkJson(check),
          spool: dir,
          ...(where ? { note: where.text } : {}),
          messages: summary.messages,
          oldest_age_s: Math.floor((summary.oldestAgeMs ?? 0) / 1000),
          max_age_s: limits.criticalMs / 1000,
          destinations: Object.fromEntries(summary.destinations),
          moved_aside: summary.movedAside,
          complete: summary.stopped === undefined,
          ...(users.length > 0 ? { users: usersJson(users) } : {}),
        }) + "\n",
      );
    } else out(pluginOutput(check));
    return exitCodeFor(check.state);
  } catch (e) {
    if (e instanceof HelpRequested || e instanceof Wrong) throw e;
    // A check that cannot run is UNKNOWN, never a CRITICAL nobody can act on.
    const reason = (e as Error).message;
    const check = unknownCheck("SPOOL", reason, SPOOL_LABELS);
    // Every number a number, also here: nothing measured is 0 (the state says why).
    out(
      json
        ? JSON.stringify({
          ...checkJson(check),
          perf: Object.fromEntries(SPOOL_LABELS.map((p) => [p.label, 0])),
          error: reason,
          messages: 0,
          oldest_age_s: 0,
        }) + "\n"
        : pluginOutput(check),
    );
    return exitCodeFor("UNKNOWN");
  }
}

/** The labels of the spool check, in every state. */
const SPOOL_LABELS = [
  { label: "messages", value: 0 },
  { label: "oldest", value: 0, unit: "s" as const },
  { label: "moved_aside", value: 0 },
];

/** `-w`/`-c` (or `--max-age`, the same as `-c`). */
function ageLimits(
  values: { warning?: string; critical?: string; "max-age"?: string },
): AgeLimits {
  if (values.critical !== undefined && values["max-age"] !== undefined) {
    throw new UsageError("spool status: give --critical or --max-age, not both");
  }
  const critical = values.critical ?? values["max-age"];
  const limits: AgeLimits = {
    criticalMs: parseDuration(
      critical ?? DEFAULT_MAX_AGE,
      values.critical !== undefined ? "--critical" : "--max-age",
    ),
  };
  if (values.warning !== undefined) limits.warnMs = parseDuration(values.warning, "--warning");
  if (limits.warnMs !== undefined && limits.warnMs > limits.criticalMs) {
    throw new UsageError("spool status: --warning is longer than --critical");
  }
  return limits;
}

/**
 * The spool as a check: its state from the messages and the choice of the spool (`where`),
 * perfdata `messages`, `oldest` (whole seconds, 0 when empty), `moved_aside`; details name the
 * spool, the destinations and the files moved aside.
 */
export function spoolCheck(
  dir: string,
  summary: SpoolSummary,
  limits: AgeLimits,
  where?: { state: State; text: string },
  users: SpoolCount[] = [],
): Check {
  const judged = judgeSpool(summary, limits);
  const state = worst([judged.state, ...(where ? [where.state] : [])]);
  // Whole seconds, cut as the summary's "oldest 2 s" cuts them: one age in both.
  const ageS = Math.floor((summary.oldestAgeMs ?? 0) / 1000);
  const s = (ms: number) => String(ms / 1000);
  return {
    service: "SPOOL",
    state,
    summary: where ? `${judged.text}; ${where.text}` : judged.text,
    perf: [
      { label: "messages", value: summary.messages },
      {
        label: "oldest",
        value: ageS,
        unit: "s",
        ...(limits.warnMs === undefined ? {} : { warn: s(limits.warnMs) }),
        crit: s(limits.criticalMs),
      },
      { label: "moved_aside", value: summary.movedAside.length },
    ],
    details: [
      `spool: ${dir}`,
      ...(summary.stopped?.unread
        ? [
          `${summary.stopped.unread} message(s) not read in time: their destinations and ` +
          "validity not checked" +
          (summary.stopped.listedAll ? " (the count and the oldest age, from the names, are)" : ""),
        ]
        : []),
      ...users.map(({ spool, summary: s }) =>
        `user ${spool.user}: ${spool.dir}: ` +
        waitingFigures(s.messages, s.oldestAgeMs, s.stopped?.listedAll === false) +
        (s.unsafe ? `, not usable: ${s.unsafe}` : "")
      ),
      ...[...summary.destinations].map(([to, count]) => `destination ${to}: ${count}`),
      ...summary.movedAside.map(({ path, kind, reason }) =>
        `moved aside (${kind}): ${path}${reason ? `: ${reason}` : ""}`
      ),
    ],
  };
}

/** Each spool of the system tree for `--json`: by user, its directory, count and oldest age. */
function usersJson(users: SpoolCount[]): Record<string, unknown> {
  return Object.fromEntries(users.map(({ spool, summary: s }) => [spool.user, {
    spool: spool.dir,
    messages: s.messages,
    oldest_age_s: Math.floor((s.oldestAgeMs ?? 0) / 1000),
    ...(s.unsafe ? { unsafe: s.unsafe } : {}),
  }]));
}

function systemSpoolExists(): boolean {
  try {
    return Deno.statSync(SYSTEM_SPOOL).isDirectory;
  } catch {
    return false; // Not there (or not even visible): nothing to confuse it with.
  }
}
