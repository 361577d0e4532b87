/**
 * The shell completions (bash, zsh, fish), generated from the docs (docs.ts): each command's
 * options, their values and its arguments, as its option table and usage lines give them.
 * @module
 */
import {
  type CommandDoc,
  type Docs,
  type OptionDoc,
  optionsOf,
  positionalsOf,
  subcommandsOf,
} from "./docs.ts";

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

/** The first sentence of a help line: a completion's description. */
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
