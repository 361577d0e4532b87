/**
 * Every example command in the help texts (busmsg --help and each command's, which the man page
 * repeats) goes through the real option parser of its command: no example names an option or a
 * command that does not exist, or gives a switch a value.
 */
import { assert, assertEquals } from "../../support/assert.ts";
import { COMMANDS, HELP } from "../../../main.ts";
import { splitCommand } from "../../../lib/cli/option_table.ts";
import { parseCommand } from "../../../lib/cli/options.ts";

/** The help texts, each with where it comes from. */
async function helpTexts(): Promise<Array<[string, string]>> {
  const texts: Array<[string, string]> = [["busmsg --help", HELP]];
  for (const [name, c] of Object.entries(COMMANDS)) {
    texts.push([`busmsg ${name} --help`, (await c.load()).HELP]);
  }
  return texts;
}

/** The lines of a help text's Examples: section, a trailing backslash joining the next. */
export function exampleLines(help: string): string[] {
  const at = help.indexOf("\nExamples:\n");
  if (at < 0) return [];
  const section = help.slice(at + "\nExamples:\n".length).split("\n\n")[0]!;
  return section.replace(/\\\n\s*/g, "").split("\n").map((l) => l.trim()).filter(Boolean);
}

/** A shell line's words: quotes removed, `$(...)` kept whole, `;` and `|` words of their own. */
function words(line: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === "$" && line[i + 1] === "(") {
      let depth = 0, j = i + 1;
      for (; j < line.length; j++) {
        if (line[j] === "(") depth++;
        if (line[j] === ")" && --depth === 0) break;
      }
      word = (word ?? "") + line.slice(i, j + 1);
      i = j;
    } else if (c === ";" || c === "|") {
      if (word !== undefined) out.push(word);
      out.push(c);
      word = undefined;
    } else if (/\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) out.push(word);
  return out;
}

/** The busmsg command lines in one example line: each as the arguments after `busmsg`. */
export function invocations(line: string): string[][] {
  // A note after the command: "      (NRPE)", "(/etc/cron.d/busmsg)".
  const bare = line.replace(/\s{2,}\([^)]*\)$/, "");
  const found: string[][] = [];
  const inner = [...bare.matchAll(/\$\((busmsg [^)]*)\)/g)].map((m) => m[1]!);
  for (const text of [bare, ...inner]) {
    const all = words(text);
    for (let i = 0; i < all.length; i++) {
      if (!/^(?:.*\/)?busmsg$/.test(all[i]!) && !/\]=(?:.*\/)?busmsg$/.test(all[i]!)) continue;
      const args: string[] = [];
      for (i++; i < all.length && !["|", ";"].includes(all[i]!); i++) {
        if (/^\d?>/.test(all[i]!)) {
          if (all[i] === ">" || all[i] === "2>") i++;
          continue;
        }
        args.push(all[i]!);
      }
      found.push(args);
    }
  }
  return found;
}

/** Parses one command line as main.ts does, with the command's own parser. */
async function parse(args: string[]): Promise<void> {
  const { leading, name, rest } = splitCommand(args);
  assert(name !== undefined && Object.hasOwn(COMMANDS, name), `no command in ${args.join(" ")}`);
  const command = await COMMANDS[name]!.load();
  parseCommand(name, [...leading, ...rest], command.OPTIONS);
}

Deno.test("help examples: the example lines are found (the NRPE, cron, pipe and $(...) forms too)", () => {
  assertEquals(invocations("export BUSMSG_RUN_ID=$(busmsg sync-event start)"), [[
    "sync-event",
    "start",
  ]]);
  assertEquals(
    invocations(
      "command[check_busmsg]=/usr/bin/sudo -n /usr/bin/busmsg doctor --conf /x.toml      (NRPE)",
    ),
    [["doctor", "--conf", "/x.toml"]],
  );
  assertEquals(
    invocations("busmsg listen --conf c.toml > day.jsonl;  busmsg report day.jsonl"),
    [["listen", "--conf", "c.toml"], ["report", "day.jsonl"]],
  );
  assertEquals(
    invocations("*/30 * * * *  root  /usr/bin/busmsg flush >/dev/null       (/etc/cron.d/busmsg)"),
    [["flush"]],
  );
  assertEquals(
    invocations(`busmsg report --date "$(date -u -d yesterday +%F)" --nagios x`),
    [["report", "--date", "$(date -u -d yesterday +%F)", "--nagios", "x"]],
  );
  assertEquals(exampleLines("x\n\nExamples:\n  busmsg a \\\n      b\n  busmsg c\n\nExit"), [
    "busmsg a b",
    "busmsg c",
  ]);
});

Deno.test("help examples: every example command in every help text parses with its command's real option parser", async () => {
  let seen = 0;
  for (const [where, help] of await helpTexts()) {
    for (const line of exampleLines(help)) {
      const commands = invocations(line);
      assert(commands.length > 0, `${where}: no busmsg command in example: ${line}`);
      for (const args of commands) {
        try {
          await parse(args);
        } catch (e) {
          throw new Error(`${where}: example does not parse: ${line}: ${(e as Error).message}`);
        }
        seen++;
      }
    }
  }
  assert(seen >= 20, `only ${seen} examples found`);
});
