/**
 * The option tables: each command's options in one table (name, value or not, help line) that
 * its parser, its --help text, the man page and the shell completions all read; the tables the
 * commands share; and the walk over argv that applies busmsg's conventions to them. Pure, and
 * cheap to load: the entry point reads it before any command is loaded.
 */
import { UsageError } from "../errors.ts";
import { closest } from "../text/suggest.ts";

/** One option of a command. */
export interface OptionSpec {
  /** "string" takes the next argument as its value, whatever it looks like; "boolean" none. */
  readonly type: "string" | "boolean";
  /** The value's name in help and completions, e.g. "SECONDS", "PATH", "DIR", "FILE". */
  readonly arg?: string;
  /** Its help: one line, or a few separated by "\n". */
  readonly help: string;
  /** A one-letter alias (`-h`). */
  readonly short?: string;
  /** May be given more than once, values kept in order; otherwise twice is a usage error. */
  readonly multiple?: boolean;
  /** The help heading it is listed under (default "Options"). */
  readonly group?: string;
}

/** A command's options by long name (without the leading `--`). */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** `-h, --help`, in every command's table. */
export const HELP_OPTION = {
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies OptionTable;

const BROKER = "Broker options";

/** How to reach the broker: options of every command that talks to it. */
export const CONNECT_OPTIONS = {
  conf: {
    type: "string",
    arg: "PATH",
    group: BROKER,
    help: "fedora-messaging config.toml (default: $FEDORA_MESSAGING_CONF,\n" +
      "else /etc/fedora-messaging/config.toml, else built-in defaults)",
  },
  url: {
    type: "string",
    arg: "URL",
    group: BROKER,
    help: "amqp_url override (amqp:// or amqps://)",
  },
  exchange: {
    type: "string",
    arg: "NAME",
    group: BROKER,
    help: "publish_exchange override (default amq.topic)",
  },
  "topic-prefix": {
    type: "string",
    arg: "P",
    group: BROKER,
    help: 'topic_prefix override ("" for none)',
  },
  timeout: {
    type: "string",
    arg: "SECONDS",
    group: BROKER,
    help: "bound on connect + publish + confirms (default 10; $BUSMSG_TIMEOUT)",
  },
  verbose: {
    type: "boolean",
    group: BROKER,
    help: "each step of the connection on stderr with its time (also\n" +
      "$BUSMSG_DEBUG=1); never a secret",
  },
} as const satisfies OptionTable;

/** Options of every command that sends: how to reach the broker, or `--dry-run`. */
export const BROKER_OPTIONS = {
  ...CONNECT_OPTIONS,
  "dry-run": {
    type: "boolean",
    group: BROKER,
    help: "print the message(s) as dump lines; connect to nothing",
  },
} as const satisfies OptionTable;

const SPOOL = "Spool options (a message that cannot be delivered now is kept, not lost)";

/** `--spool-dir`, alone for commands that read the spool (flush). */
export const SPOOL_DIR_OPTION = {
  "spool-dir": {
    type: "string",
    arg: "DIR",
    group: SPOOL,
    help: "where (default $BUSMSG_SPOOL_DIR, else /var/spool/busmsg for root\n" +
      "or its owner, else this user's /var/spool/busmsg/users/NAME, else\n" +
      "(no system spool tree) ~/.local/state/busmsg/spool); owned by this user\n" +
      "or root, not writable by group or others, or it is not used",
  },
} as const satisfies OptionTable;

/** Options of commands that spool what cannot be delivered now (publish, sync-event). */
export const SPOOL_OPTIONS = {
  ...SPOOL_DIR_OPTION,
  "no-spool": {
    type: "boolean",
    group: SPOOL,
    help: "do not spool: a delivery failure is exit 111",
  },
  strict: {
    type: "boolean",
    group: SPOOL,
    help: "exit 75 instead of 0 when messages were spooled",
  },
  "retry-after": {
    type: "string",
    arg: "DURATION",
    group: SPOOL,
    help: "after a failure to reach the broker, or no confirm from it within the\n" +
      "timeout, calls to it within DURATION spool at once instead of waiting for\n" +
      "the timeout (default 60s; 0s: always try)",
  },
} as const satisfies OptionTable;

const OUTPUT = "Output options";

/** What a sending command prints about each message (publish, sync-event, flush, test-message). */
export const OUTPUT_OPTIONS = {
  json: {
    type: "boolean",
    group: OUTPUT,
    help: 'one JSON object per message on stdout: {"id", "routing_key", "outcome",\n' +
      '"reason"}; outcome delivered, spooled, refused or failed',
  },
  quiet: {
    type: "boolean",
    short: "q",
    group: OUTPUT,
    help: "print nothing but errors",
  },
} as const satisfies OptionTable;

/**
 * The options that may also come before the command name (`busmsg --conf X publish F`, the
 * order fedora-messaging uses); each command still decides whether it takes them.
 */
export const SHARED_OPTIONS = {
  ...BROKER_OPTIONS,
  ...SPOOL_OPTIONS,
  ...OUTPUT_OPTIONS,
  ...HELP_OPTION,
} as const satisfies OptionTable;

/** The `Options:` sections of a command's help, one per group, in table order. */
export function formatOptions(table: OptionTable): string {
  const groups = new Map<string, string[]>();
  for (const [name, spec] of Object.entries(table)) {
    const label = `${spec.short ? `-${spec.short}, ` : ""}--${name}${
      spec.arg ? ` ${spec.arg}` : ""
    }`;
    const [first, ...more] = spec.help.split("\n");
    const lines = label.length > 20
      ? [`  ${label}`, `${" ".repeat(23)}${first}`]
      : [`  ${label.padEnd(21)}${first}`];
    for (const line of more) lines.push(`${" ".repeat(23)}${line}`);
    const group = spec.group ?? "Options";
    groups.set(group, [...(groups.get(group) ?? []), ...lines]);
  }
  return [...groups].map(([group, lines]) => `${group}:\n${lines.join("\n")}`).join("\n\n");
}

/** Argv after the walk: long options only, every value attached with `=`. */
export interface Scanned {
  args: string[];
  /** `--help` or `-h` was given as an option (not as some option's value). */
  help: boolean;
}

/**
 * The values and positionals of scanned arguments ({@link scanArgs}), which hold only
 * `--name`, `--name=value`, positionals and what follows `--`: a string option's value (a list
 * when `multiple`), `true` for a boolean.
 */
export function valuesOf(
  scanned: string[],
  table: OptionTable,
): { values: Record<string, string | boolean | string[]>; positionals: string[] } {
  const values: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  for (let i = 0; i < scanned.length; i++) {
    const arg = scanned[i]!;
    if (arg === "--") {
      positionals.push(...scanned.slice(i + 1));
      break;
    }
    if (arg === "-" || !arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const value = eq > 0 ? arg.slice(eq + 1) : true;
    if (table[name]?.multiple) {
      values[name] = [...(values[name] as string[] | undefined ?? []), value as string];
    } else values[name] = value;
  }
  return { values, positionals };
}

/**
 * Applies busmsg's conventions before {@link valuesOf} sees the arguments: an option that takes a
 * value takes the next argument whatever it looks like (`--reason -rsync: reset`); an unknown
 * option is one line with the closest known one; a single-value option given twice is an
 * error rather than a silent last-one-wins. After `--` everything is a positional.
 */
export function scanArgs(command: string, args: string[], table: OptionTable): Scanned {
  const fail = (what: string): never => {
    throw new UsageError(`${command}: ${what} (see busmsg ${command} --help)`);
  };
  const out: string[] = [];
  const seen = new Set<string>();
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      out.push(...args.slice(i));
      break;
    }
    if (arg === "-" || !arg.startsWith("-")) {
      out.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const given = eq > 0 ? arg.slice(0, eq) : arg;
    const name = given.startsWith("--")
      ? given.slice(2)
      : Object.keys(table).find((n) => given.length === 2 && table[n]!.short === given[1]);
    const spec = name === undefined ? undefined : table[name];
    if (name === undefined || spec === undefined) {
      const names = Object.keys(table).map((n) => `--${n}`);
      const guess = closest(given, names);
      fail(`unknown option ${given}${guess ? `; did you mean ${guess}?` : ""}`);
    }
    const long = `--${name!}`;
    if (seen.has(name!) && !spec!.multiple && spec!.type === "string") {
      fail(`${long} is given more than once`);
    }
    seen.add(name!);
    if (spec!.type === "boolean") {
      if (eq > 0) fail(`${long} takes no value`);
      if (name === "help") help = true;
      out.push(long);
      continue;
    }
    if (eq > 0) {
      out.push(`${long}=${arg.slice(eq + 1)}`);
      continue;
    }
    if (i + 1 >= args.length) fail(`${long} needs a value${spec!.arg ? ` (${spec!.arg})` : ""}`);
    out.push(`${long}=${args[++i]}`);
  }
  return { args: out, help };
}

/**
 * Splits `busmsg [SHARED OPTIONS] COMMAND [ARGS]`: the options before the command (each with
 * its value) and the rest. The command's own parser checks the leading options as its own.
 */
export function splitCommand(
  args: string[],
): { leading: string[]; name: string | undefined; rest: string[] } {
  const leading: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-") || arg === "-" || arg === "--") break;
    leading.push(arg);
    const spec = (SHARED_OPTIONS as OptionTable)[arg.replace(/^--/, "")];
    if (spec?.type === "string" && !arg.includes("=") && i + 1 < args.length) {
      leading.push(args[++i]!);
    }
  }
  return { leading, name: args[i], rest: args.slice(i + 1) };
}
