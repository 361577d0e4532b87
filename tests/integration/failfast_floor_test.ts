/** Fail-fast is for a broker that is gone, not for one caller's short --timeout (#18 item 12). */
import { assertEquals, assertNotIncludes } from "../support/assert.ts";
import { PLAIN_URL } from "../support/broker.ts";
import { busmsg, publishedIds, spoolLines } from "../support/run.ts";

Deno.test("fail-fast: a caller's own --timeout 0.001 spools its message but does not mark a healthy broker unreachable for the others", async () => {
  const spoolDir = await Deno.makeTempDir();
  const call = (...extra: string[]) =>
    busmsg(["publish", "--url", PLAIN_URL, ...extra, "--topic", "logging.stats.debug.ff", "a=1"], {
      spoolDir,
    });
  const hasty = await call("--timeout", "0.001");
  assertEquals(hasty.code, 0, hasty.stderr);
  assertEquals((await spoolLines(spoolDir)).length, 1, hasty.stderr);
  assertEquals(
    [...Deno.readDirSync(spoolDir)].filter((e) => e.name.startsWith(".unreachable-")),
    [],
    "no fail-fast state",
  );
  // The next job on the host tries, delivers, and drains the spool behind it.
  const next = await call("--strict");
  assertEquals(next.code, 0, next.stderr);
  assertNotIncludes(next.stderr, "not trying");
  assertEquals(publishedIds(next.stdout).length, 1);
});
