/**
 * bus/ speaks AMQP only: it prints nothing and imports none of the layers that print or store
 * (io/, spool/, cli/) nor any above it; what a person must hear goes through a BusReporter.
 */
import { assertEquals } from "../../support/assert.ts";

const BUS = new URL("../../../lib/bus/", import.meta.url);
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;

Deno.test("bus/ prints nothing and imports neither io/, spool/, cli/ nor the layers above it", async () => {
  const wrong: string[] = [];
  let files = 0;
  for await (const entry of Deno.readDir(BUS)) {
    if (!entry.name.endsWith(".ts")) continue;
    files++;
    const text = await Deno.readTextFile(new URL(entry.name, BUS));
    for (const [, target] of text.matchAll(IMPORT)) {
      if (/^\.\.\/(io|spool|cli|sync|delivery|commands)\//.test(target!)) {
        wrong.push(`${entry.name} imports ${target}`);
      }
    }
    for (
      const printing
        of text.match(/\bconsole\.(log|error|warn|info|debug)\(|Deno\.std(out|err)\b/g) ?? []
    ) {
      wrong.push(`${entry.name} prints (${printing})`);
    }
  }
  assertEquals(files > 5, true, "lib/bus/ was read");
  assertEquals(wrong, []);
});
