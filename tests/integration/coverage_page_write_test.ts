/**
 * `report --coverage --html FILE` in a directory another user can write: a symlink planted
 * where the temporary file would go must not be written through (root making the page in
 * /var/log/busmsg would let user busmsg overwrite any file).
 */
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { busmsg } from "../support/run.ts";
import { sixNights, writeDayFiles } from "../support/nights.ts";

Deno.test("report --coverage --html: a symlink planted for the temporary file is never followed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-page-" });
  const files = await writeDayFiles(dir, sixNights());
  const victim = `${dir}/victim`;
  await Deno.writeTextFile(victim, "precious\n");
  const page = `${dir}/www/coverage.html`;
  await Deno.mkdir(`${dir}/www`);
  // The old name was PAGE.tmp-PID: every pid the child may get is planted.
  for (let pid = Deno.pid; pid < Deno.pid + 20_000; pid++) {
    Deno.symlinkSync(victim, `${page}.tmp-${pid}`);
  }
  const made = await busmsg(["report", "--coverage", "--html", page, ...files]);
  assertEquals(made.stderr, "");
  assertEquals((await Deno.readTextFile(victim)).slice(0, 40), "precious\n", "the victim file");
  assertIncludes(await Deno.readTextFile(page), "<!DOCTYPE html>");
  assertEquals(Deno.lstatSync(page).isFile, true);
  // A link planted at the page's own name is replaced, its target left alone.
  await Deno.remove(page);
  Deno.symlinkSync(victim, page);
  const again = await busmsg(["report", "--coverage", "--html", page, ...files]);
  assertEquals(again.stderr, "");
  assertEquals((await Deno.readTextFile(victim)).slice(0, 40), "precious\n", "the victim file");
  assertEquals(Deno.lstatSync(page).isFile, true);
  // Nothing left behind but the planted links.
  const left = [...Deno.readDirSync(`${dir}/www`)].filter((e) => !e.isSymlink).map((e) => e.name);
  assertEquals(left, ["coverage.html"]);
  await Deno.remove(dir, { recursive: true });
});
