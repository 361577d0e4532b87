/**
 * Watching stdout's reader with poll(2), in processes of their own (FFI and stdout are
 * process-wide), run with the binary's permission flags.
 */
import { assert, assertEquals, assertIncludes, assertNotIncludes } from "../../support/assert.ts";
import { ROOT } from "../../support/run.ts";

const FLAGS = (await Deno.readTextFile(`${ROOT}permissions.flags`)).trim().split(/\s+/);
const PROBE = `${ROOT}tests/support/reader_probe.ts`;

/** The probe, in a pipeline whose reader is `reader` (a shell command); its stderr. */
async function probe(mode: "watch" | "none" | "main", ms: number, reader: string): Promise<string> {
  const deno = [Deno.execPath(), "run", "--quiet", "--no-prompt", ...FLAGS, PROBE, mode, `${ms}`];
  const out = await new Deno.Command("bash", {
    args: ["-c", `${deno.map((w) => `'${w}'`).join(" ")} ${reader}`],
    stdout: "null",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(out.stderr);
}

Deno.test("stdout reader: a pipe whose reader has gone is found within 200 ms, with nothing written", async () => {
  // Timed from the reader's leaving (its clock, as the probe's: epoch milliseconds), not from
  // the probe's start: Deno's start-up on a loaded machine must not count.
  const left = await Deno.makeTempFile();
  const said = await probe("watch", 5000, `| (sleep 0.5; date +%s%3N > '${left}')`);
  const at = Number(said.match(/gone after \d+ ms, at (\d+)/)?.[1]);
  const after = at - Number(await Deno.readTextFile(left));
  await Deno.remove(left);
  assert(after >= 0 && after < 500, `found ${after} ms after the reader left: ${said}`);
  assertNotIncludes(said, "still there");
});

Deno.test("stdout reader: a reader that is there but not reading, a file, /dev/null: never gone", async () => {
  const file = await Deno.makeTempFile();
  for (const reader of ["| (sleep 2; cat >/dev/null)", `> '${file}'`, "> /dev/null"]) {
    const said = await probe("watch", 1200, reader);
    assertIncludes(said, "still there", reader);
    assertNotIncludes(said, "gone", reader);
  }
  await Deno.remove(file);
});

Deno.test("stdout reader: FFI is given up at start-up, whether stdout is watched or not; main gives it up", async () => {
  for (const mode of ["watch", "none", "main"] as const) {
    const said = await probe(mode, 700, "| (sleep 0.3; exit 0)");
    assertIncludes(said, "ffi prompt\n", mode);
    assertEquals(said.includes("gone after"), mode === "watch", `${mode}: ${said}`);
  }
});
