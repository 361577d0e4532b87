/**
 * The man page and the shell completions, generated from the command table: each command's
 * --help text (the man page shows it as the command prints it) and its option table (what the
 * completions offer). One source, so the docs cannot drift from the program. Pure: text in,
 * text out (scripts/dist.ts does the reading and writing).
 * @module
 */
import type { OptionTable } from "./option_table.ts";

/** One command as the docs see it. */
export interface CommandDoc {
  name: string;
  summary: string;
  help: string;
  options: OptionTable;
  /**
   * Options not accepted after some first arguments (`--synced-host` after the event `start`):
   * `--flag` to those arguments. The completions leave them out there.
   */
  excludedAfter?: Record<string, string[]>;
}

/**
 * What `excludedAfter` holds, from the options each first argument accepts: every option
 * some argument does not accept, with those arguments.
 */
export function exclusionsOf(
  flags: string[],
  accepted: Record<string, string[]>,
): Record<string, string[]> {
  const excluded: Record<string, string[]> = {};
  for (const flag of flags) {
    const not = Object.keys(accepted).filter((arg) => !accepted[arg]!.includes(flag));
    if (not.length > 0) excluded[flag] = not;
  }
  return excluded;
}

/** The options offered after each first argument that excludes any, grouped by the same list. */
function offeredAfter(c: CommandDoc, flags: string[]): [args: string[], offered: string[]][] {
  const excluded = c.excludedAfter ?? {};
  const groups = new Map<string, string[]>();
  for (const arg of new Set(Object.values(excluded).flat())) {
    const offered = flags.filter((f) => !excluded[f]?.includes(arg)).join(" ");
    groups.set(offered, [...(groups.get(offered) ?? []), arg]);
  }
  return [...groups].map(([offered, args]) => [args, offered.split(" ")]);
}

/** One option as the completions see it. */
export interface OptionDoc {
  /** `--name` */
  flag: string;
  /** The placeholder of its value (PATH, N, ...); undefined for a switch. */
  arg?: string;
  /** The first line of its help. */
  text: string;
}

/** What the docs are made of. */
export interface Docs {
  version: string;
  /** YYYY-MM-DD, the date the page shows. */
  date: string;
  /** The program's own --help (its first line says what busmsg is). */
  help: string;
  commands: CommandDoc[];
  /** The options that may come before the command name. */
  shared: OptionTable;
  /** Known values of placeholders (EVENT: the sync events, ...), for completions. */
  values: Record<string, string[]>;
}

/** A line of a help text that lists an option (as formatOptions writes it). */
const OPTION_LINE =
  /^ {2}((?:-[A-Za-z], )?--[a-z][a-z0-9-]*(?:, --[a-z][a-z0-9-]*)*)(?: ([A-Z][A-Z_|.-]*))?(?: {2,}(\S.*))?$/;
const CONTINUATION = /^ {10,}\S/;

/** A table's long options, in its order. */
export function optionsOf(table: OptionTable): OptionDoc[] {
  return Object.entries(table).map(([name, spec]) => {
    const text = spec.help.split("\n")[0]!;
    return spec.type === "string"
      ? { flag: `--${name}`, arg: spec.arg ?? "VALUE", text }
      : { flag: `--${name}`, text };
  });
}

/** What follows `busmsg NAME` on each usage line (the "Usage:" block, up to its first blank line). */
function usagesOf(command: CommandDoc): string[] {
  const block = /^Usage:.*(?:\n[ \t]+\S.*)*/m.exec(command.help)?.[0] ?? "";
  const usage = new RegExp(`busmsg ${command.name}\\b(.*)`);
  return block.split("\n").flatMap((line) => {
    const rest = usage.exec(line)?.[1]?.split(/ {2,}/)[0];
    return rest === undefined ? [] : [rest.trim()];
  });
}

/** The placeholders of a command's usage lines after its name: ["EVENT", "KEY[:TYPE]=VALUE"]. */
export function positionalsOf(command: CommandDoc): string[] {
  const found: string[] = [];
  for (const rest of usagesOf(command)) {
    let optionValue = false; // the word after "[--conf" is the option's value, not an argument
    for (const word of rest.split(/\s+/)) {
      const bare = word.replace(/^\[|\]?(\.\.\.)?\]?$/g, "");
      if (!optionValue && /^[A-Z]/.test(bare) && !found.includes(bare)) found.push(bare);
      optionValue = /^\[?--/.test(word) && !word.endsWith("]");
    }
  }
  return found;
}

/** The words a command's usage lines put right after its name (`busmsg spool status`). */
export function subcommandsOf(command: CommandDoc): string[] {
  const words = usagesOf(command).map((rest) => rest.split(/\s+/)[0]!);
  return [...new Set(words.filter((w) => /^[a-z][a-z-]*$/.test(w)))];
}

/** How a value is completed: from a list, as a file, as a directory, or not at all. */
type Completion = { words: string[] } | "file" | "dir" | "none";

function completionOf(
  placeholder: string | undefined,
  values: Record<string, string[]>,
): Completion {
  if (placeholder === undefined) return "none";
  const words = values[placeholder];
  if (words) return { words };
  if (placeholder === "DIR") return "dir";
  if (/\bFILE\b|^PATH$/.test(placeholder)) return "file";
  return "none";
}

/** The first positional's completion, and whether later ones are files. */
function positionalCompletion(c: CommandDoc, values: Record<string, string[]>) {
  const positionals = positionalsOf(c);
  const subcommands = subcommandsOf(c);
  const first: Completion = subcommands.length > 0
    ? { words: subcommands }
    : completionOf(positionals[0], values);
  const files = positionals.some((p) => completionOf(p, values) === "file");
  return { first, files };
}

function firstSentence(text: string): string {
  return text.replace(/\s+/g, " ").replace(/(\.( |$)|;| \().*$/, "").trim();
}

const quoteSh = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

// ---------------------------------------------------------------------------------------------
// bash

/** The `case $prev in` arms completing the values of options that take one. */
function bashValueArms(options: OptionDoc[], values: Record<string, string[]>, indent: string) {
  return options.filter((o) => o.arg !== undefined).map((o) => {
    const how = completionOf(o.arg, values);
    const reply = how === "file"
      ? "_busmsg_reply -f"
      : how === "dir"
      ? "_busmsg_reply -d"
      : how === "none"
      ? ":"
      : `_busmsg_reply -W ${quoteSh(how.words.join(" "))}`;
    return `${indent}${o.flag}) ${reply}; return ;;`;
  });
}

const valueFlags = (options: OptionDoc[]) =>
  quoteSh(options.filter((o) => o.arg !== undefined).map((o) => o.flag).join(" "));

/** busmsg.bash: completes commands, each command's options, their values and arguments. */
export function bashCompletion(docs: Docs): string {
  const shared = optionsOf(docs.shared);
  const arms: string[] = [];
  const takesArg: string[] = [];
  for (const c of docs.commands) {
    const opts = optionsOf(c.options);
    takesArg.push(`    ${c.name}) echo ${valueFlags(opts)} ;;`);
    const values = bashValueArms(opts, docs.values, "        ");
    const { first, files } = positionalCompletion(c, docs.values);
    const flags = opts.map((o) => o.flag);
    const after = offeredAfter(c, flags);
    arms.push(
      `    ${c.name})`,
      ...(values.length ? ["      case $prev in", ...values, "      esac"] : []),
      ...(after.length
        ? [
          "      if [[ $cur == -* ]]; then",
          "        case $arg1 in",
          ...after.map(([args, offered]) =>
            `          ${args.join("|")}) _busmsg_reply -W ${quoteSh(offered.join(" "))}; return ;;`
          ),
          "        esac",
          `        _busmsg_reply -W ${quoteSh(flags.join(" "))}; return`,
          "      fi",
        ]
        : [
          `      if [[ $cur == -* ]]; then _busmsg_reply -W ${
            quoteSh(flags.join(" "))
          }; return; fi`,
        ]),
      ...(typeof first === "object"
        ? [
          `      [ "$npos" -eq 0 ] && { _busmsg_reply -W ${
            quoteSh(first.words.join(" "))
          }; return; }`,
        ]
        : []),
      ...(files ? ["      _busmsg_reply -f"] : []),
      "      ;;",
    );
  }
  return `# bash completion for busmsg ${docs.version} (generated from the command table)

_busmsg_reply() {
  local IFS=$'\\n'
  case $1 in
    -f) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
    -d) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
    -W) IFS=$' \\t\\n'; COMPREPLY=($(compgen -W "$2" -- "$cur")) ;;
  esac
}

# The options that take a value: of a command, or (no command) those before it.
_busmsg_takes_value() {
  case $1 in
    "") echo ${valueFlags(shared)} ;;
${takesArg.join("\n")}
  esac
}

_busmsg() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local cmd="" arg1="" npos=0 i word
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    [[ $word == -* ]] && continue
    # An option's value is neither the command nor an argument.
    [[ $i -gt 1 && " $(_busmsg_takes_value "$cmd") " == *" \${COMP_WORDS[i-1]} "* ]] && continue
    if [[ -z $cmd ]]; then cmd=$word; else npos=$((npos + 1)); [[ $npos -eq 1 ]] && arg1=$word; fi
  done
  case $cmd in
    "")
      case $prev in
${bashValueArms(shared, docs.values, "        ").join("\n")}
      esac
      if [[ $cur == -* ]]; then _busmsg_reply -W ${
    quoteSh([...shared.map((o) => o.flag), "--version"].join(" "))
  }; return; fi
      _busmsg_reply -W ${quoteSh(docs.commands.map((c) => c.name).join(" "))}
      ;;
    help)
      [ "$npos" -eq 0 ] && _busmsg_reply -W ${quoteSh(docs.commands.map((c) => c.name).join(" "))}
      ;;
${arms.join("\n")}
  esac
}

complete -F _busmsg busmsg
`;
}

// ---------------------------------------------------------------------------------------------
// zsh

const zshText = (s: string) => firstSentence(s).replace(/[[\]:'\\]/g, "");

/** _busmsg: the same for zsh (an autoloaded #compdef function). */
export function zshCompletion(docs: Docs): string {
  const zshAction = (how: Completion) =>
    how === "file"
      ? "_files"
      : how === "dir"
      ? "_files -/"
      : how === "none"
      ? " "
      : `(${how.words.join(" ")})`;
  const arms = docs.commands.map((c) => {
    const specs = optionsOf(c.options).map((o) =>
      o.arg === undefined
        ? `'${o.flag}[${zshText(o.text)}]'`
        : `'${o.flag}=[${zshText(o.text)}]:${o.arg.toLowerCase()}:${
          zshAction(completionOf(o.arg, docs.values))
        }'`
    );
    const { first, files } = positionalCompletion(c, docs.values);
    if (typeof first === "object") specs.push(`'1:${positionalsOf(c)[0]!}:${zshAction(first)}'`);
    specs.push(files ? "'*:file:_files'" : "'*:argument: '");
    const excluded = c.excludedAfter ?? {};
    if (Object.keys(excluded).length === 0) {
      return `    ${c.name})\n      _arguments -s \\\n        ${
        specs.join(" \\\n        ")
      }\n      ;;`;
    }
    // An option some first arguments do not take is offered only when none of them is given.
    const flags = optionsOf(c.options).map((o) => o.flag);
    const always = specs.filter((_, i) => !(flags[i]! in excluded));
    const sometimes = specs.flatMap((spec, i) => {
      const not = excluded[flags[i]!];
      return not ? [`      (( \${words[(I)(${not.join("|")})]} )) || specs+=(${spec})`] : [];
    });
    return `    ${c.name})\n      local -a specs\n      specs=(\n        ${
      always.join("\n        ")
    }\n      )\n${sometimes.join("\n")}\n      _arguments -s $specs\n      ;;`;
  });
  const names = docs.commands.map((c) => c.name).join("|");
  return `#compdef busmsg
# zsh completion for busmsg ${docs.version} (generated from the command table)

_busmsg() {
  local -a commands
  commands=(
${docs.commands.map((c) => `    '${c.name}:${zshText(c.summary)}'`).join("\n")}
  )
  local i cmd
  for (( i = 2; i < CURRENT; i++ )); do
    case \${words[i]} in
      ${names}) cmd=\${words[i]}; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    _describe -t commands 'busmsg command' commands
    return
  fi
  # From the command on, as if it were the program.
  words=("\${(@)words[i,-1]}")
  (( CURRENT -= i - 1 ))
  case $cmd in
${arms.join("\n")}
  esac
}

_busmsg "$@"
`;
}

// ---------------------------------------------------------------------------------------------
// fish

/**
 * The `complete` lines of a set of options, offered while `condition` holds (and, for an option
 * in `excluded`, while none of the first arguments that do not take it is given).
 */
function fishOptions(
  options: OptionDoc[],
  condition: string,
  values: Record<string, string[]>,
  excluded: Record<string, string[]> = {},
) {
  return options.map((o) => {
    const not = excluded[o.flag];
    const when = not
      ? `"${condition}; and not __fish_seen_subcommand_from ${not.join(" ")}"`
      : `"${condition}"`;
    const how = completionOf(o.arg, values);
    const value = o.arg === undefined
      ? ""
      : how === "file"
      ? " -r -F"
      : how === "dir"
      ? " -x -a '(__fish_complete_directories)'"
      : how === "none"
      ? " -x"
      : ` -x -a ${quoteSh(how.words.join(" "))}`;
    return `complete -c busmsg -n ${when} -l ${o.flag.slice(2)}${value} -d ${
      quoteSh(firstSentence(o.text))
    }`;
  });
}

/** busmsg.fish: the same for fish. */
export function fishCompletion(docs: Docs): string {
  const noCommand = `not __fish_seen_subcommand_from ${docs.commands.map((c) => c.name).join(" ")}`;
  const lines = [
    `# fish completion for busmsg ${docs.version} (generated from the command table)`,
    "complete -c busmsg -f",
    `complete -c busmsg -n "${noCommand}" -l version -d 'print versions'`,
    ...fishOptions(optionsOf(docs.shared), noCommand, docs.values),
  ];
  for (const c of docs.commands) {
    lines.push(
      `complete -c busmsg -n "${noCommand}" -a ${c.name} -d ${quoteSh(firstSentence(c.summary))}`,
    );
    const seen = `__fish_seen_subcommand_from ${c.name}`;
    const when = `"${seen}"`;
    lines.push(...fishOptions(optionsOf(c.options), seen, docs.values, c.excludedAfter));
    const { first, files } = positionalCompletion(c, docs.values);
    if (typeof first === "object") {
      lines.push(`complete -c busmsg -n ${when} -a ${quoteSh(first.words.join(" "))}`);
    }
    if (files) lines.push(`complete -c busmsg -n ${when} -F`);
  }
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// man

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
  ["XDG_STATE_HOME", "where a user's spool goes ($XDG_STATE_HOME/busmsg/spool)"],
  ["NO_COLOR", "no progress line on stderr (nor with TERM=dumb)"],
];
const FILES: [string, string][] = [
  ["/etc/fedora-messaging/config.toml", "fedora-messaging's configuration, read by default"],
  ["/etc/pki/fedora-messaging/", "CA, client certificate and key, as the config names them"],
  [
    "/var/spool/busmsg/",
    "the spool for root and for the directory's owner; other users: $XDG_STATE_HOME/busmsg/spool " +
    "or ~/.local/state/busmsg/spool. A spool directory or parent owned by another user, or " +
    "writable by group or others, is refused (the rule OpenSSH applies to ~/.ssh)",
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
  ["/usr/lib/sysusers.d/busmsg.conf", "the busmsg system user (systemd-sysusers)"],
  [
    "/etc/logrotate.d/busmsg",
    "compresses the recorder's days that are over (day and side files) and deletes compressed " +
    "days older than about 13 months; no reload needed",
  ],
  [
    "/usr/lib/tmpfiles.d/busmsg.conf",
    "/var/spool/busmsg (0700 root), /var/log/busmsg (0750 busmsg) and /var/cache/busmsg " +
    "(0755 root) (systemd-tmpfiles)",
  ],
  [
    "/var/cache/busmsg/",
    "Deno's code cache for the launcher, written by root only; never a cache in $HOME",
  ],
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
    `${bold("fedora-messaging")}(1)`,
    "",
  ].join("\n");
}
