/**
 * docs/coverage.png, the README's picture of the coverage page: the recorded nights of the
 * tests with merges, silent timeouts and two log servers (tests/support/nights.ts
 * `countmeNights`, proxy09 expected and never synced) through `report --coverage --html` as it
 * ships, rendered by headless Chromium. Needs chromium and the bundle (scripts/bundle).
 *
 *   deno run -A scripts/coverage_screenshot.ts [OUT.png]
 */
import { countmeNights, writeDayFiles } from "../tests/support/nights.ts";
import { findChromium, withPage } from "../tests/support/chromium.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const out = Deno.args[0] ?? `${ROOT}docs/coverage.png`;
const chromium = await findChromium();
if (!chromium.path) throw new Error(chromium.missing);
const dir = await Deno.makeTempDir({ prefix: "busmsg-coverage-shot-" });
try {
  const files = await writeDayFiles(dir, countmeNights());
  await Deno.writeTextFile(`${dir}/proxies`, "proxy09.fedoraproject.org\n");
  const made = await new Deno.Command("bash", {
    args: [
      `${ROOT}scripts/busmsg`,
      "report",
      "--coverage",
      "--expect-hosts",
      `${dir}/proxies`,
      "--html",
      `${dir}/coverage.html`,
      ...files,
    ],
    stdout: "null",
  }).output();
  // 1: the page shows a lost date, as it should.
  if (made.code !== 1) throw new Error(`report --coverage exited ${made.code}`);
  const png = await withPage(
    chromium.path,
    `file://${dir}/coverage.html`,
    (page) => page.screenshot(),
    { width: 1400, height: 1500 },
  );
  await Deno.writeFile(out, png);
  console.log(`${out}: ${png.length} bytes`);
} finally {
  await Deno.remove(dir, { recursive: true });
}
