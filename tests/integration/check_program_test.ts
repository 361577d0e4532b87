/**
 * scripts/check_program, the RPM's %check of the installed program: it passes on the whole
 * bundle, and fails naming what when a chunk is missing: a command's own, the AMQP library's, the
 * YAML library's (none of which `--version`, the check before it, reads).
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { BUNDLE, entryOf, ROOT, runCommand } from "../support/run.ts";
import { COMMANDS } from "../../main.ts";

const DIST = BUNDLE.slice(0, BUNDLE.lastIndexOf("/"));

/** A copy of the bundle without the chunks whose names start with `prefix`; its command line. */
async function without(prefix: string): Promise<{ dir: string; entry: string[] }> {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-check-" });
  const copied = await runCommand("cp", ["-r", `${DIST}/busmsg.js`, `${DIST}/chunks`, dir]);
  assertEquals(copied.code, 0, copied.stderr);
  let removed = 0;
  for (const e of Deno.readDirSync(`${dir}/chunks`)) {
    if (prefix !== "" && e.name.startsWith(prefix)) {
      Deno.removeSync(`${dir}/chunks/${e.name}`);
      removed++;
    }
  }
  assert(prefix === "" || removed > 0, `no chunk ${prefix}* in the bundle`);
  return { dir, entry: entryOf(Deno.execPath(), `${dir}/busmsg.js`) };
}

Deno.test("RPM %check: check_program passes on the whole program, and the spec runs it on the installed launcher", async () => {
  const { dir, entry } = await without("");
  try {
    const run = await runCommand(`${ROOT}scripts/check_program`, entry);
    assertEquals(run.code, 0, run.stderr);
    const count = Object.keys(COMMANDS).length;
    assertIncludes(
      run.stdout,
      `check_program: ${count} commands, the AMQP and YAML libraries load`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const spec = await Deno.readTextFile(`${ROOT}rpm/busmsg.spec.in`);
  assertIncludes(spec, "\nscripts/check_program sh launcher-check\n");
});

for (
  const [prefix, what] of [
    ["status-", "busmsg help status failed: a chunk of the program missing?"],
    ["channel_api-", "busmsg test-message to a closed port exited 1, not 111 (unreachable)"],
    ["dist-", "busmsg report did not read a YAML host list"],
  ]
) {
  Deno.test(`RPM %check: a missing ${prefix}* chunk, which --version does not read, fails check_program`, async () => {
    const { dir, entry } = await without(prefix!);
    try {
      // What %check ran before: the entry alone loads.
      const version = await runCommand(entry[0]!, [...entry.slice(1), "--version"]);
      assertEquals(version.code, 0, version.stderr);
      const run = await runCommand(`${ROOT}scripts/check_program`, entry);
      assertEquals(run.code, 1, run.stdout);
      assertIncludes(run.stderr, `check_program: ${what}`);
      assertIncludes(run.stderr, "Module not found");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
