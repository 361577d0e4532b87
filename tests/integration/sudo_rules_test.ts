/**
 * The README's sudoers rules for the monitoring users: exact command lines, no wildcards, so
 * that nrpe and zabbix cannot give a root busmsg `--publish`, nor any option that names a file
 * it reads or writes or a destination it sends to; and the NRPE/Zabbix lines run exactly them.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { ROOT } from "../support/run.ts";
import { OPTIONS as DOCTOR } from "../../lib/commands/doctor.ts";
import { OPTIONS as SPOOL } from "../../lib/commands/spool.ts";
import type { OptionTable } from "../../lib/cli/option_table.ts";
import { COMMANDS } from "../../main.ts";
import { manPage } from "../../lib/cli/man_page.ts";

const readme = await Deno.readTextFile(`${ROOT}README.md`);
const block = readme.slice(readme.indexOf("# /etc/sudoers.d/busmsg-checks"));
const lines = block.slice(0, block.indexOf("```")).split("\n");

/** The commands a sudoers line allows (after NOPASSWD:), each as its words. */
const allowed = lines.filter((l) => /^\w+\s+ALL=\(root\) NOPASSWD: /.test(l))
  .flatMap((l) => l.split("NOPASSWD: ")[1]!.split(/,\s*/))
  .map((c) => c.trim().split(/\s+/));

/** What NRPE's command[] and Zabbix's UserParameter lines run through sudo. */
const invoked = lines.filter((l) => l.includes("/usr/bin/sudo -n "))
  .map((l) => l.split("/usr/bin/sudo -n ")[1]!.trim().split(/\s+/));

/** Options naming a file (read or written) or a destination: by their value's name. */
function naming(table: OptionTable): string[] {
  return Object.entries(table)
    .filter(([name, o]) =>
      ["PATH", "FILE", "DIR", "URL", "NAME", "P"].includes(o.arg ?? "") || name === "publish"
    )
    .map(([name]) => `--${name}`);
}

Deno.test("README sudo rules: exact command lines, no wildcard, nothing that names a file or a destination but the system config", () => {
  assertEquals(allowed.length, 3, lines.join("\n"));
  const dangerous = [...new Set([...naming(DOCTOR), ...naming(SPOOL)])];
  for (const words of ["--publish", "--conf", "--url", "--spool-dir", "--topic-prefix"]) {
    assert(dangerous.includes(words), `${words} is found dangerous`);
  }
  for (const command of allowed) {
    assertEquals(command[0], "/usr/bin/busmsg", command.join(" "));
    // sudo allows any arguments to a command listed without any: every rule has some.
    assert(command.length > 1, command.join(" "));
    for (const word of command) assert(!/[*?[\]\\]/.test(word), `wildcard in ${command.join(" ")}`);
    for (const [i, word] of command.entries()) {
      if (!dangerous.includes(word)) continue;
      // The only one allowed: the system config, fixed in the rule.
      assertEquals(
        [word, command[i + 1]],
        ["--conf", "/etc/fedora-messaging/config.toml"],
        command.join(" "),
      );
    }
  }
  // Every monitoring line runs a command the rules allow, word for word.
  assertEquals(invoked.length, 3);
  for (const command of invoked) {
    assert(
      allowed.some((a) => a.join(" ") === command.join(" ")),
      `not allowed by the rules: ${command.join(" ")}`,
    );
  }
});

Deno.test("README sudo rules: visudo accepts them (where sudo is installed)", async () => {
  const visudo = await new Deno.Command("sh", {
    args: ["-c", "command -v visudo"],
    stdout: "piped",
  })
    .output();
  if (!visudo.success) return;
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/rules`,
    lines.filter((l) => /NOPASSWD/.test(l)).join("\n") + "\n",
  );
  const check = await new Deno.Command("visudo", {
    args: ["-c", "-f", `${dir}/rules`],
    stderr: "piped",
    stdout: "piped",
  }).output();
  assert(check.success, new TextDecoder().decode(check.stderr));
});

Deno.test("the NRPE and Zabbix examples of the help texts and the man page run what the README's sudo rules allow, word for word", async () => {
  const sudoLines = (text: string) =>
    text.split("\n").filter((l) => l.includes("/usr/bin/sudo -n "))
      .map((l) => l.split("/usr/bin/sudo -n ")[1]!.replace(/\s{2,}\(.*\)$/, "").trim());
  const rules = allowed.map((a) => a.join(" "));
  let seen = 0;
  for (const [name, c] of Object.entries(COMMANDS)) {
    for (const command of sudoLines((await c.load()).HELP)) {
      assert(
        rules.includes(command),
        `busmsg ${name} --help: refused by the sudo rules: ${command}`,
      );
      seen++;
    }
  }
  assert(seen >= 2, `${seen} sudo examples in the help texts`);
  const commands = await Promise.all(
    Object.entries(COMMANDS).map(async ([name, c]) => ({
      name,
      summary: c.summary,
      help: (await c.load()).HELP,
      options: {},
    })),
  );
  const page = manPage({
    version: "0",
    date: "2026-12-07",
    help: "busmsg: x",
    commands,
    shared: {},
    values: {},
  });
  for (const command of sudoLines(page.replaceAll("\\-", "-"))) {
    assert(rules.includes(command), `man page: refused by the sudo rules: ${command}`);
  }
});
