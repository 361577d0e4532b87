import { assertEquals } from "../../support/assert.ts";
import { isRejectsPath, keptAside, sideFilesOf } from "../../../lib/io/side_file.ts";
import { openDayFile } from "../../../lib/io/day_file.ts";

Deno.test("isRejectsPath: side files under every name logrotate gives them, dateext too", () => {
  for (
    const name of [
      "sync-2026-12-01.rejects.jsonl",
      "sync-2026-12-01.rejects.jsonl.1",
      "sync-2026-12-01.rejects.jsonl.1.gz",
      "sync-2026-12-01.rejects.jsonl.gz",
      "sync-2026-12-01.rejects.jsonl-20261207",
      "/var/log/busmsg/sync-2026-12-01.rejects.jsonl-20261207.gz",
    ]
  ) assertEquals(isRejectsPath(name), true, name);
  for (
    const name of [
      "sync-2026-12-01.jsonl",
      "sync-2026-12-01.jsonl-20261207.gz",
      "sync-2026-12-01.jsonl.1.gz",
      "sync-2026-12-01.rejects.jsonl-2026.gz",
    ]
  ) assertEquals(isRejectsPath(name), false, name);
});

Deno.test("sideFilesOf and keptAside: a dateext-rotated day finds its side file, rotated another night", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-side-" });
  const line = (t: string) => JSON.stringify({ time: t, kind: "unparsable", reason: "x" }) + "\n";
  await Deno.writeTextFile(`${dir}/sync-2026-12-01.jsonl-20261203.gz`, "");
  await Deno.writeTextFile(
    `${dir}/sync-2026-12-01.rejects.jsonl-20261204`,
    line("2026-12-01T04:00:00Z") + line("2026-12-01T05:00:00Z"),
  );
  await Deno.writeTextFile(`${dir}/sync-2026-12-01.rejects.jsonl.1`, line("2026-12-01T06:00:00Z"));
  // Another day's side file, and a name that only looks alike, are not this day's.
  await Deno.writeTextFile(`${dir}/sync-2026-12-02.rejects.jsonl-20261204`, line("x"));
  await Deno.writeTextFile(`${dir}/sync-2026-12-01.rejects.jsonl-old`, line("x"));
  assertEquals(await sideFilesOf(`${dir}/sync-2026-12-01.jsonl-20261203.gz`), [
    `${dir}/sync-2026-12-01.rejects.jsonl-20261204`,
    `${dir}/sync-2026-12-01.rejects.jsonl.1`,
  ]);
  assertEquals(await sideFilesOf(`${dir}/sync-2026-12-01.jsonl`), [
    `${dir}/sync-2026-12-01.rejects.jsonl-20261204`,
    `${dir}/sync-2026-12-01.rejects.jsonl.1`,
  ]);
  const aside = await keptAside(
    [`${dir}/sync-2026-12-01.jsonl-20261203.gz`],
    () => true,
    openDayFile,
  );
  assertEquals(aside.count, 3);
  await Deno.remove(dir, { recursive: true });
});
