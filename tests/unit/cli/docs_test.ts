/**
 * The man page and completion generators (lib/cli/docs.ts, man_page.ts, completions.ts): reading
 * help texts, writing roff and the completions.
 */
import { assertEquals, assertIncludes, assertNotIncludes } from "../../support/assert.ts";
import {
  type Docs,
  exclusionsOf,
  optionsOf,
  positionalsOf,
  subcommandsOf,
} from "../../../lib/cli/docs.ts";
import { bashCompletion, fishCompletion } from "../../../lib/cli/completions.ts";
import {
  examplesOf,
  helpToRoff,
  manPage,
  roffEscape,
  SEE_ALSO,
} from "../../../lib/cli/man_page.ts";

const HELP = `Usage: busmsg thing EVENT [options] [FILE|-]...

Does a thing. Lines starting
.with a dot stay text.

Options:
  --conf PATH          the config (default: $X, else
                       /etc/x.toml)
  --json               JSON out
  -h, --help           this help

Broker options:
  --conf, --url   as for publish

Examples:
  busmsg thing start --conf a\\b`;

Deno.test("optionsOf: each option of a table, with its value's placeholder and first help line", () => {
  assertEquals(
    optionsOf({
      conf: { type: "string", arg: "PATH", help: "the config\n(more)" },
      json: { type: "boolean", help: "JSON out" },
      name: { type: "string", help: "a name" },
    }),
    [
      { flag: "--conf", arg: "PATH", text: "the config" },
      { flag: "--json", text: "JSON out" },
      { flag: "--name", arg: "VALUE", text: "a name" },
    ],
  );
});

Deno.test("examplesOf: the indented lines under the Examples heading", () => {
  assertEquals(examplesOf(HELP), ["busmsg thing start --conf a\\b"]);
});

Deno.test("positionalsOf: the placeholders after the command name in the usage lines", () => {
  assertEquals(positionalsOf({ name: "thing", summary: "", help: HELP, options: {} }), [
    "EVENT",
    "FILE|-",
  ]);
  assertEquals(
    positionalsOf({
      name: "publish",
      summary: "",
      options: {},
      help: `Usage:
  busmsg publish [options] FILE|-            publish dump lines
  busmsg publish [options] --topic TOPIC [KEY[:TYPE]=VALUE ...]`,
    }),
    ["FILE|-", "KEY[:TYPE]=VALUE"],
  );
  const doctor = "Usage: busmsg doctor [--conf PATH] [--publish] [options]\n\n  busmsg doctor FILE";
  assertEquals(positionalsOf({ name: "doctor", summary: "", help: doctor, options: {} }), []);
});

Deno.test("roffEscape: backslashes, minus signs and a leading dot are literal", () => {
  assertEquals(roffEscape(".a-b\\c"), "\\&.a\\-b\\ec");
  assertEquals(roffEscape("'quoted"), "\\&'quoted");
});

Deno.test("helpToRoff: usage as no-fill, options as tagged paragraphs, indented lines literal", () => {
  const roff = helpToRoff(HELP);
  assertIncludes(roff, ".PP\n.nf\nbusmsg thing EVENT [options] [FILE|\\-]...\n.fi");
  assertIncludes(roff, ".TP\n\\fB\\-\\-conf\\fR \\fIPATH\\fR\nthe config (default: $X, else\n");
  assertIncludes(roff, ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nthis help");
  assertIncludes(roff, ".PP\n\\fBBroker options:\\fR");
  assertIncludes(roff, ".nf\nbusmsg thing start \\-\\-conf a\\eb\n.fi");
  assertIncludes(roff, "Does a thing. Lines starting\n\\&.with a dot stay text.");
  // No roff request is made out of the help text itself.
  for (const line of roff.split("\n")) {
    if (line.startsWith(".")) assertEquals(/^\.(PP|TP|nf|fi|RS 4|RE)$/.test(line), true, line);
  }
});

Deno.test("manPage: every command's help as a section, with exit status, environment and files", () => {
  const page = manPage({
    version: "9.9",
    date: "2026-01-02",
    help: "busmsg 9.9: publish things.\n\nUsage: ...",
    commands: [{ name: "thing", summary: "do a thing", help: HELP, options: {} }],
    shared: {},
    values: {},
  });
  assertEquals(page.split("\n")[0], '.TH BUSMSG 1 2026-01-02 "busmsg 9.9" "User Commands"');
  assertIncludes(page, ".SH NAME\nbusmsg \\- publish things\n");
  assertIncludes(page, '.SS "busmsg thing"');
  for (const section of ["EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"]) {
    assertIncludes(page, `.SH ${section}\n`);
  }
  assertIncludes(page, ".TP\n\\fB121\\fR\n");
  assertIncludes(page, ".SH EXAMPLES\n.nf\nbusmsg thing start \\-\\-conf a\\eb\n.fi\n");
  assertNotIncludes(page, "undefined");
});

Deno.test("subcommandsOf: the literal words after the command name in its usage lines", () => {
  const help =
    "Usage: busmsg spool status [--json]\n       busmsg spool list\n\nbusmsg spool status";
  assertEquals(subcommandsOf({ name: "spool", summary: "", help, options: {} }), [
    "status",
    "list",
  ]);
  assertEquals(subcommandsOf({ name: "thing", summary: "", help: HELP, options: {} }), []);
});

Deno.test("exclusionsOf: each option some first arguments do not take, with those arguments", () => {
  assertEquals(
    exclusionsOf(["--a", "--b", "--c"], { one: ["--a"], two: ["--a", "--b"], three: ["--a"] }),
    { "--b": ["one", "three"], "--c": ["one", "two", "three"] },
  );
  assertEquals(exclusionsOf(["--a"], { one: ["--a"] }), {});
});

Deno.test("completions: options left out after the first arguments that do not take them; help completes commands", () => {
  const docs: Docs = {
    version: "9.9",
    date: "2026-01-02",
    help: "",
    commands: [{
      name: "thing",
      summary: "do a thing",
      help: HELP,
      options: {
        reason: { type: "string", help: "why" },
        json: { type: "boolean", help: "JSON out" },
      },
      excludedAfter: { "--reason": ["start", "finish"] },
    }],
    shared: {},
    values: {},
  };
  const bash = bashCompletion(docs);
  assertIncludes(bash, "          start|finish) _busmsg_reply -W '--json'; return ;;\n");
  assertIncludes(bash, "        _busmsg_reply -W '--reason --json'; return\n");
  assertIncludes(bash, "    help)\n      [ \"$npos\" -eq 0 ] && _busmsg_reply -W 'thing'\n");
  const fish = fishCompletion(docs);
  assertIncludes(
    fish,
    `complete -c busmsg -n "__fish_seen_subcommand_from thing; and not __fish_seen_subcommand_from start finish" -l reason -x -d 'why'`,
  );
  assertIncludes(fish, `complete -c busmsg -n "__fish_seen_subcommand_from thing" -l json -d`);
});

Deno.test("manPage: FILES names every unit systemd/ ships; SEE ALSO names pages that exist (man -w, where man is installed)", async () => {
  const page = manPage({
    version: "1.0",
    date: "2026-12-07",
    help: "busmsg 1.0: does things.",
    commands: [],
    shared: {},
    values: {},
  });
  const files = page.slice(page.indexOf(".SH FILES"), page.indexOf(".SH EXAMPLES"));
  const units = [...Deno.readDirSync(new URL("../../../systemd", import.meta.url))]
    .map((e) => e.name).filter((n) => /\.(service|timer)$/.test(n)).sort();
  for (const unit of units) assertIncludes(files, unit.replaceAll("-", "\\-"));
  const seeAlso = page.slice(page.indexOf(".SH SEE ALSO"));
  const named = [...seeAlso.matchAll(/\\fB([^\\]+)\\fR\((\d)\)/g)].map((m) => [m[1]!, m[2]!]);
  assertEquals(named.map(([p, s]) => `${p}(${s})`), SEE_ALSO.map(([p, s]) => `${p}(${s})`));
  const man = await new Deno.Command("man", { args: ["-w", "man"], stdout: "null", stderr: "null" })
    .output().catch(() => undefined);
  if (!man?.success) return;
  for (const [name, section] of named) {
    const found = await new Deno.Command("man", {
      args: ["-w", section!, name!],
      stdout: "null",
      stderr: "null",
    }).output();
    assertEquals(found.success, true, `SEE ALSO ${name}(${section}): no such manual page`);
  }
});
