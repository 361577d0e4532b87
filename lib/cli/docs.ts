/**
 * What the man page (man_page.ts) and the shell completions (completions.ts) are generated
 * from: the command table, each command's --help text and its option table, and what is read
 * off them. One source, so the docs cannot drift from the program. Pure: text in, text out
 * (scripts/dist.ts does the reading and writing).
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
