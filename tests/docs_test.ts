/** The man page and completion generator (lib/cli/docs.ts): reading help texts, writing roff. */
import { assertEquals, assertIncludes, assertNotIncludes } from "./assert.ts";
import {
  type CommandDoc,
  flagsOf,
  helpToRoff,
  manPage,
  optionsOf,
  positionalsOf,
  roffEscape,
} from "../lib/cli/docs.ts";

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
Example:
  busmsg thing start --conf a\\b`;

Deno.test("optionsOf: every option line, its value placeholder and continued text", () => {
  assertEquals(optionsOf(HELP), [
    { flags: ["--conf"], arg: "PATH", text: "the config (default: $X, else /etc/x.toml)" },
    { flags: ["--json"], text: "JSON out" },
    { flags: ["-h", "--help"], text: "this help" },
    { flags: ["--conf", "--url"], text: "as for publish" },
  ]);
});

Deno.test("flagsOf: each flag once; one listed without its value takes the one another command gives", () => {
  const commands: CommandDoc[] = [
    { name: "thing", summary: "", help: HELP },
    { name: "other", summary: "", help: "Options:\n  --url URL            where" },
  ];
  const flags = flagsOf(commands).get("thing")!;
  assertEquals(flags.map((o) => `${o.flags[0]}=${o.arg ?? ""}`), [
    "--conf=PATH",
    "--json=",
    "--help=",
    "--url=URL",
  ]);
});

Deno.test("positionalsOf: the placeholders after the command name in the usage lines", () => {
  assertEquals(positionalsOf({ name: "thing", summary: "", help: HELP }), ["EVENT", "FILE|-"]);
  assertEquals(
    positionalsOf({
      name: "publish",
      summary: "",
      help: `Usage:
  busmsg publish [options] FILE|-            publish dump lines
  busmsg publish [options] --topic TOPIC [KEY[:TYPE]=VALUE ...]`,
    }),
    ["FILE|-", "TOPIC", "KEY[:TYPE]=VALUE"],
  );
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
    commands: [{ name: "thing", summary: "do a thing", help: HELP }],
    values: {},
  });
  assertEquals(page.split("\n")[0], '.TH BUSMSG 1 2026-01-02 "busmsg 9.9" "User Commands"');
  assertIncludes(page, ".SH NAME\nbusmsg \\- publish things\n");
  assertIncludes(page, '.SS "busmsg thing"');
  for (const section of ["EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"]) {
    assertIncludes(page, `.SH ${section}\n`);
  }
  assertIncludes(page, ".TP\n\\fB121\\fR\n");
  assertNotIncludes(page, "undefined");
});
