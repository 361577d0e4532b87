import { parseArgs } from "node:util";
import { assertEquals, assertThrows } from "../../support/assert.ts";
import { HelpRequested, UsageError } from "../../../lib/errors.ts";
import {
  BROKER_OPTIONS,
  formatOptions,
  HELP_OPTION,
  scanArgs,
  splitCommand,
} from "../../../lib/cli/option_table.ts";
import { parseCommand } from "../../../lib/cli/options.ts";
import { closest, editDistance } from "../../../lib/text/suggest.ts";

const TABLE = {
  reason: { type: "string", arg: "TEXT", help: "why" },
  tag: { type: "string", help: "repeatable", multiple: true },
  ...BROKER_OPTIONS,
  ...HELP_OPTION,
} as const;

const parse = (...args: string[]) => parseCommand("cmd", args, TABLE);

Deno.test("options: a value option takes the next argument, whatever it looks like", () => {
  for (const value of ["-rsync: connection reset", "--help", "--", "-", "", "--timeout=3"]) {
    const { values, positionals } = parse("--reason", value, "word");
    assertEquals([values.reason, positionals], [value, ["word"]], value);
  }
  assertEquals(parse("--reason=-x").values.reason, "-x");
  assertEquals(parse("--reason=").values.reason, "");
  assertEquals(parse("--timeout", "-1").values.timeout, "-1");
});

Deno.test("options: --help as an option asks for help; as a value or after -- it does not", () => {
  assertThrows(() => parse("x", "--help"), HelpRequested);
  assertThrows(() => parse("-h"), HelpRequested);
  assertEquals(parse("--reason", "--help").values.help, undefined);
  assertEquals(parse("--", "--help").positionals, ["--help"]);
});

Deno.test("options: -- ends options; - is a positional", () => {
  assertEquals(parse("-", "--", "--reason", "-x").positionals, ["-", "--reason", "-x"]);
});

Deno.test("options: mistakes are one line, with the closest option", () => {
  const cases: [string[], string][] = [
    [
      ["--reasn", "x"],
      "cmd: unknown option --reasn; did you mean --reason? (see busmsg cmd --help)",
    ],
    [["--ulr", "x"], "cmd: unknown option --ulr; did you mean --url?"],
    [["--dry"], "cmd: unknown option --dry; did you mean --dry-run?"],
    [["--zzzzzz"], "cmd: unknown option --zzzzzz (see busmsg cmd --help)"],
    [["-x"], "cmd: unknown option -x (see busmsg cmd --help)"],
    [["--timeout", "3", "--timeout", "5"], "cmd: --timeout is given more than once"],
    [["--timeout=3", "--timeout", "5"], "cmd: --timeout is given more than once"],
    [["--timeout"], "cmd: --timeout needs a value (SECONDS)"],
    [["--dry-run=yes"], "cmd: --dry-run takes no value"],
  ];
  for (const [args, message] of cases) {
    const error = assertThrows(() => parse(...args), UsageError);
    assertEquals(error.message.startsWith(message), true, `${args}: ${error.message}`);
    assertEquals(error.message.includes("\n"), false);
  }
});

Deno.test("options: repeatable options and booleans may repeat", () => {
  const { values } = parse("--tag", "a", "--tag", "-b", "--dry-run", "--dry-run");
  assertEquals([values.tag, values["dry-run"]], [["a", "-b"], true]);
});

Deno.test("options: values and positionals as node:util's parseArgs gave them (no longer loaded)", () => {
  const options = Object.fromEntries(
    Object.entries(TABLE).map(([name, spec]) => [name, {
      type: spec.type,
      multiple: "multiple" in spec && spec.multiple,
    }]),
  );
  for (
    const args of [
      [],
      ["a", "-", "b"],
      ["--reason", "--", "x", "--", "--tag", "t"],
      ["--tag", "a", "w", "--tag=", "--dry-run", "--dry-run", "--verbose", "--url", "u"],
      ["--reason=a=b", "--timeout", "-1", "--", "-"],
      ["--", "--"],
    ]
  ) {
    const { values, positionals } = parse(...args);
    const scanned = scanArgs("cmd", args, TABLE).args;
    const node = parseArgs({ args: scanned, options, allowPositionals: true, strict: true });
    assertEquals([{ ...values }, positionals], [{ ...node.values }, node.positionals], `${args}`);
  }
});

Deno.test("options: shared options before the command are split off with their values", () => {
  assertEquals(splitCommand(["--conf", "X", "--dry-run", "publish", "F"]), {
    leading: ["--conf", "X", "--dry-run"],
    name: "publish",
    rest: ["F"],
  });
  // The value of --timeout is taken even when it looks like a command.
  assertEquals(splitCommand(["--timeout", "flush", "publish"]).name, "publish");
  assertEquals(splitCommand(["--url=amqp://", "flush"]).name, "flush");
  assertEquals(splitCommand(["--help"]), { leading: ["--help"], name: undefined, rest: [] });
});

Deno.test("options: help sections are made from the table", () => {
  assertEquals(
    formatOptions({
      a: { type: "string", arg: "N", help: "first\nsecond" },
      "a-much-longer-option-name": { type: "boolean", help: "long" },
      b: { type: "boolean", short: "b", group: "Other", help: "other" },
    }),
    [
      "Options:",
      "  --a N                first",
      "                       second",
      "  --a-much-longer-option-name",
      "                       long",
      "",
      "Other:",
      "  -b, --b              other",
    ].join("\n"),
  );
});

Deno.test("suggestions: close misspellings only", () => {
  assertEquals(editDistance("ulr", "url"), 1);
  assertEquals(editDistance("pubish", "publish"), 1);
  assertEquals(closest("pubish", ["publish", "flush"]), "publish");
  assertEquals(closest("lsiten", ["listen", "report"]), "listen");
  assertEquals(closest("frobnicate", ["publish", "flush", "listen"]), undefined);
  assertEquals(closest("--sev", ["--severity", "--strict"]), "--severity");
});
