/** Memory does not grow with line size: publish rounds are bounded by bytes as well as by count. */
import { assertEquals } from "../support/assert.ts";
import { ENTRY } from "../support/run.ts";

Deno.test("60 lines of 1 MiB go through publish --dry-run in a 128 MB heap, in order", async () => {
  const path = `${await Deno.makeTempDir()}/large.jsonl`;
  const line = (i: number) =>
    JSON.stringify({ topic: "large.x", body: { i, pad: "x".repeat(1024 * 1024 - 100) } });
  const file = await Deno.open(path, { write: true, create: true });
  for (let i = 0; i < 60; i++) await file.write(new TextEncoder().encode(line(i) + "\n"));
  file.close();
  // The heap is capped to make growth with the input fail loudly rather than pass unnoticed
  // (DENO_V8_FLAGS: every form of busmsg reads it; the program's own flags set no heap size).
  const run = await new Deno.Command(ENTRY[0]!, {
    args: [...ENTRY.slice(1), "publish", "--dry-run", path],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_V8_FLAGS: "--max-old-space-size=128" },
  }).output();
  const stderr = new TextDecoder().decode(run.stderr);
  assertEquals(run.code, 0, stderr.slice(0, 500));
  const lines = new TextDecoder().decode(run.stdout).trim().split("\n");
  assertEquals(lines.map((l) => JSON.parse(l).body.i), Array.from({ length: 60 }, (_, i) => i));
});
