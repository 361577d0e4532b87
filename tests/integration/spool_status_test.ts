/** `busmsg spool status`: the spool as a monitoring check, at each age, and with files moved aside. */
import { assert, assertEquals, assertIncludes } from "../assert.ts";
import { busmsg, PLAIN_URL } from "../helpers.ts";

/** Spools `n` messages the real way: a broker that refuses connections. */
async function spoolSome(spoolDir: string, topics: string[]): Promise<string[]> {
  for (const topic of topics) {
    const run = await busmsg(
      ["publish", "--retry-after", "0s", "--url", "amqp://127.0.0.1:1/", "--topic", topic, "a=1"],
      { spoolDir },
    );
    assertEquals(run.code, 0, run.stderr);
  }
  return [...Deno.readDirSync(spoolDir)].filter((e) => e.name.endsWith(".msg"))
    .map((e) => `${spoolDir}/${e.name}`).sort();
}

const age = (file: string, hours: number) => {
  const then = new Date(Date.now() - hours * 3_600_000);
  return Deno.utime(file, then, then);
};

Deno.test("spool status: an empty spool is the plain plugin line, exit 0", async () => {
  const run = await busmsg(["spool", "status"]);
  assertEquals(run.code, 0, run.stdout + run.stderr);
  assertEquals(
    run.stdout.split("\n")[0],
    "SPOOL OK - 0 messages | messages=0 oldest=0s;;21600 moved_aside=0",
  );
  assertEquals(run.stderr, "");
});

Deno.test("spool status: young messages are OK; past --max-age (default 6h) CRITICAL, with destinations", async () => {
  const spoolDir = await Deno.makeTempDir();
  const files = await spoolSome(spoolDir, [
    "logging.stats.debug.a",
    "logging.stats.debug.b",
    "logging.stats.debug.a",
  ]);
  const young = await busmsg(["spool", "status"], { spoolDir });
  assertEquals(young.code, 0, young.stdout);
  assert(young.stdout.startsWith("SPOOL OK - 3 messages, oldest "), young.stdout);
  assertIncludes(young.stdout, `\nspool: ${spoolDir}\n`);
  assertIncludes(
    young.stdout,
    "destination logging.stats.debug.a: 2\ndestination logging.stats.debug.b: 1\n",
  );

  await age(files[1]!, 7);
  const old = await busmsg(["spool", "status"], { spoolDir });
  assertEquals(old.code, 2, old.stdout);
  assertEquals(
    old.stdout.split("\n")[0],
    "SPOOL CRITICAL - 3 messages, oldest 7.0 h, waiting longer than 6.0 h | messages=3 oldest=25200s;;21600 moved_aside=0",
  );
  const patient = await busmsg(["spool", "status", "--max-age", "8h"], { spoolDir });
  assertEquals(patient.code, 0, patient.stdout);
  const strict = await busmsg(["spool", "status", "--max-age", "30m", "--json"], { spoolDir });
  assertEquals(strict.code, 2);
  assertEquals(JSON.parse(strict.stdout), {
    state: "CRITICAL",
    spool: spoolDir,
    messages: 3,
    oldest_age_s: 25200,
    max_age_s: 1800,
    destinations: { "logging.stats.debug.a": 2, "logging.stats.debug.b": 1 },
    moved_aside: [],
  });
});

Deno.test("spool status: a file flush moved aside is a WARNING naming it", async () => {
  const spoolDir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${spoolDir}/00000000000001-1-000000.msg`, "not a message\n");
  const flush = await busmsg(["flush", "--url", PLAIN_URL], { spoolDir });
  assertEquals(flush.code, 0, flush.stderr);
  const run = await busmsg(["spool", "status"], { spoolDir });
  assertEquals(run.code, 1, run.stdout);
  const aside = [...Deno.readDirSync(spoolDir)].find((e) => !e.name.startsWith("."))!.name;
  assertEquals(
    run.stdout,
    [
      "SPOOL WARNING - 0 messages, 1 file(s) moved aside | messages=0 oldest=0s;;21600 moved_aside=1",
      `spool: ${spoolDir}`,
      `moved aside: ${spoolDir}/${aside}`,
      "",
    ].join("\n"),
  );
});

Deno.test("spool status: a bad --max-age or subcommand is UNKNOWN (3), one line", async () => {
  for (
    const [args, part] of [
      [["spool", "status", "--max-age", "6 hours"], "--max-age: must be a duration"],
      [["spool", "stats"], 'expected the subcommand "status"'],
      [["spool", "status", "--json", "--max-age", "x"], '"state":"UNKNOWN"'],
    ] as const
  ) {
    const run = await busmsg([...args]);
    assertEquals(run.code, 3, run.stdout);
    assertIncludes(run.stdout, part);
    assertEquals(run.stdout.trim().split("\n").length, 1);
  }
});
