/**
 * Run by tests/unit/io/stdout_reader_test.ts in a process of its own, with the binary's flags:
 * gives up FFI as busmsg's start-up does (watching stdout when the first argument is "watch"),
 * or runs busmsg's `main` for `schema --list` ("main"), then says on stderr whether FFI is
 * still granted and, within the milliseconds of the second argument, whether stdout's reader
 * was found gone.
 */
import { giveUpFfi, watchStdoutReader } from "../../lib/io/stdout_reader.ts";
import { main } from "../../main.ts";

const [mode, ms] = Deno.args;
if (mode === "main") await main(["schema", "--list"]);
else giveUpFfi(mode === "watch");
console.error(`ffi ${Deno.permissions.querySync({ name: "ffi" }).state}`);
const started = Date.now();
watchStdoutReader(() => {
  console.error(`gone after ${Date.now() - started} ms, at ${Date.now()}`);
  Deno.exit(0);
});
// The watch alone does not keep the process alive: this timer does.
setTimeout(() => console.error("still there"), Number(ms));
