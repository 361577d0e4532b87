/** `busmsg spool status`: the spool as a monitoring check, at each age, and with files moved aside. */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { tlsConfig } from "../support/broker.ts";
import { labelsOf } from "../support/plugin_output.ts";
import { busmsg, fillSpool } from "../support/run.ts";

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

/** Makes a spooled message `hours` old: its name starts with when it was spooled (ms). */
const age = (file: string, hours: number) => {
  const name = file.slice(file.lastIndexOf("/") + 1);
  const then = String(Date.now() - hours * 3_600_000).padStart(14, "0");
  return Deno.rename(file, file.replace(`/${name}`, `/${then}${name.slice(14)}`));
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
    "destination amq.topic logging.stats.debug.a: 2\ndestination amq.topic logging.stats.debug.b: 1\n",
  );

  await age(files[1]!, 7);
  const old = await busmsg(["spool", "status"], { spoolDir });
  assertEquals(old.code, 2, old.stdout);
  // Seconds pass between the rename and the check on a busy machine.
  assert(
    /^SPOOL CRITICAL - 3 messages, oldest 7\.0 h, waiting longer than 6\.0 h \| messages=3 oldest=252[0-5]\ds;;21600 moved_aside=0\n/
      .test(old.stdout),
    old.stdout,
  );
  const patient = await busmsg(["spool", "status", "--max-age", "8h"], { spoolDir });
  assertEquals(patient.code, 0, patient.stdout);
  const strict = await busmsg(["spool", "status", "--max-age", "30m", "--json"], { spoolDir });
  assertEquals(strict.code, 2);
  const json = JSON.parse(strict.stdout);
  assert(json.oldest_age_s >= 25200 && json.oldest_age_s < 25260, strict.stdout);
  assertEquals(json, {
    service: "SPOOL",
    state: "CRITICAL",
    code: 2,
    summary: "3 messages, oldest 7.0 h, waiting longer than 30 min",
    perf: { messages: 3, oldest: json.oldest_age_s, moved_aside: 0 },
    details: [
      `spool: ${spoolDir}`,
      "destination amq.topic logging.stats.debug.a: 2",
      "destination amq.topic logging.stats.debug.b: 1",
    ],
    spool: spoolDir,
    messages: 3,
    oldest_age_s: json.oldest_age_s,
    max_age_s: 1800,
    destinations: { "amq.topic logging.stats.debug.a": 2, "amq.topic logging.stats.debug.b": 1 },
    moved_aside: [],
    complete: true,
  });
});

Deno.test("spool status: files flush moved aside (refused, not a message) are a WARNING with their reasons", async () => {
  const spoolDir = await Deno.makeTempDir();
  // Spooled while the broker was down, for a topic the logging user may not publish.
  await spoolSome(spoolDir, ["org.example.not-ours"]);
  await Deno.writeTextFile(`${spoolDir}/00000000000001-000000-x.msg`, "not a message\n");
  const flush = await busmsg(["flush", "--conf", await tlsConfig("logging")], { spoolDir });
  assertEquals(flush.stdout, "0 sent, 0 left\n", flush.stderr);
  const run = await busmsg(["spool", "status"], { spoolDir });
  assertEquals(run.code, 1, run.stdout);
  const lines = run.stdout.trim().split("\n");
  assertEquals(
    lines[0],
    "SPOOL WARNING - 0 messages, 2 file(s) moved aside | messages=0 oldest=0s;;21600 moved_aside=2",
  );
  assertEquals(lines[1], `spool: ${spoolDir}`);
  assert(
    lines[2]!.startsWith(
      `moved aside (bad): ${spoolDir}/00000000000001-000000-x.bad: json: invalid JSON`,
    ),
    lines[2],
  );
  assert(lines[3]!.startsWith(`moved aside (refused): ${spoolDir}/`), lines[3]);
  assertIncludes(lines[3]!, "org.example.not-ours");
  assertEquals(lines.length, 4);
  const json = JSON.parse((await busmsg(["spool", "status", "--json"], { spoolDir })).stdout);
  assertEquals(json.moved_aside.map((a: { kind: string }) => a.kind), ["bad", "refused"]);
});

Deno.test("spool status: a spool path that is a regular file is CRITICAL (2), as doctor says: publish would lose messages there", async () => {
  const spoolDir = await Deno.makeTempFile();
  const run = await busmsg(["spool", "status"], { spoolDir });
  assertEquals(run.code, 2, run.stdout + run.stderr);
  assertEquals(
    run.stdout.split("\n")[0],
    `SPOOL CRITICAL - 0 messages, spool not usable: ${spoolDir} is not a directory` +
      " | messages=0 oldest=0s;;21600 moved_aside=0",
  );
  const json = await busmsg(["spool", "status", "--json"], { spoolDir });
  assertEquals([json.code, JSON.parse(json.stdout).state], [2, "CRITICAL"], json.stdout);
});

Deno.test("spool: a subcommand that is not one is a usage error (2), one line with a suggestion", async () => {
  for (
    const [args, line] of [
      [["spool", "stats"], 'unknown subcommand "stats"; did you mean "status"?'],
      [["spool", "xyz"], 'unknown subcommand "xyz" (see'],
      [["spool"], 'give the subcommand "status"'],
    ] as const
  ) {
    const run = await busmsg([...args]);
    assertEquals([run.code, run.stdout], [2, ""], run.stderr);
    assert(run.stderr.startsWith(`busmsg: spool: ${line}`), run.stderr);
    assertEquals(run.stderr.split("\n").length, 2, run.stderr);
  }
});

Deno.test("spool status: a bad --max-age is UNKNOWN (3), one line", async () => {
  for (
    const [args, part] of [
      [["spool", "status", "--max-age", "6 hours"], "--max-age: must be a duration"],
      [["spool", "status", "--json", "--max-age", "x"], '"state":"UNKNOWN"'],
    ] as const
  ) {
    const run = await busmsg([...args]);
    assertEquals(run.code, 3, run.stdout);
    assertIncludes(run.stdout, part);
    assertEquals(run.stdout.trim().split("\n").length, 1);
  }
});

Deno.test("spool status: the plugin text and its perfdata cut the oldest age to the same second", async () => {
  const spoolDir = await Deno.makeTempDir();
  const [file] = await spoolSome(spoolDir, ["logging.stats.debug.a"]);
  // 2.6 s old when the check starts: the start-up adds a fraction, rounding would differ.
  const name = file!.slice(spoolDir.length + 1);
  const then = String(Date.now() - 2600).padStart(14, "0");
  await Deno.rename(file!, `${spoolDir}/${then}${name.slice(14)}`);
  const run = await busmsg(["spool", "status"], { spoolDir });
  assertEquals(run.code, 0, run.stdout);
  const m =
    /^SPOOL OK - 1 message, oldest (\d+) s \| messages=1 oldest=(\d+)s;;21600 moved_aside=0\n/
      .exec(run.stdout);
  assert(m, run.stdout);
  assertEquals(m[2], m[1]);
});

Deno.test("spool status: a spool that does not exist is a WARNING naming it; root's not there yet is OK, 'no spool yet'", async () => {
  const parent = await Deno.makeTempDir();
  const missing = `${parent}/nonexistent`;
  const run = await busmsg(["spool", "status", "--spool-dir", missing]);
  assertEquals(run.code, 1, run.stdout);
  assertEquals(
    run.stdout,
    `SPOOL WARNING - 0 messages; ${missing} does not exist | messages=0 oldest=0s;;21600 moved_aside=0\n` +
      `spool: ${missing}\n`,
  );
  const json = await busmsg(["spool", "status", "--json"], { spoolDir: missing });
  assertEquals(json.code, 1, json.stdout);
  assertEquals(JSON.parse(json.stdout).note, `${missing} does not exist`);
  // The default for root: /var/spool/busmsg, which a host that never spooled does not have.
  if (
    Deno.uid() === 0 && (await Deno.stat("/var/spool/busmsg").catch(() => undefined)) === undefined
  ) {
    const fresh = await busmsg(["spool", "status"], { env: { BUSMSG_SPOOL_DIR: "" } });
    assertEquals(fresh.code, 0, fresh.stdout);
    assertEquals(
      fresh.stdout.split("\n")[0],
      "SPOOL OK - 0 messages; no spool yet (/var/spool/busmsg does not exist: nothing was ever " +
        "spooled) | messages=0 oldest=0s;;21600 moved_aside=0",
    );
  }
});

Deno.test("spool status: --max-age 6 is six seconds, as --timeout 6 is", async () => {
  const spoolDir = await Deno.makeTempDir({ prefix: "busmsg-spool-" });
  const spooled = await busmsg(
    ["publish", "--url", "amqp://127.0.0.1:1/%2Fpubsub", "--topic", "x", "a=1"],
    { spoolDir },
  );
  assertEquals(spooled.code, 0, spooled.stderr);
  const young = await busmsg(["spool", "status", "--max-age", "6"], { spoolDir });
  assertEquals(young.code, 0, young.stdout);
  assert(/ oldest=\ds;;6 /.test(young.stdout.split("\n")[0]!), young.stdout);
  const minutes = await busmsg(["spool", "status", "--max-age", "0.1m"], { spoolDir });
  assert(/ oldest=\ds;;6 /.test(minutes.stdout.split("\n")[0]!), minutes.stdout);
});

Deno.test("spool status: -w/-c on the oldest age; the same labels and no null in every state", async () => {
  const spoolDir = await Deno.makeTempDir();
  const outputs: [string, number][] = [];
  const check = async (args: string[], code: number) => {
    const run = await busmsg(["spool", "status", ...args], { spoolDir });
    assertEquals(run.code, code, run.stdout);
    outputs.push([run.stdout, run.code]);
    const json = await busmsg(["spool", "status", "--json", ...args], { spoolDir });
    assertEquals(json.code, code, json.stdout);
    // Every number a number: an empty spool's oldest age is 0, a failed check's counts are 0.
    assertEquals(json.stdout.includes("null"), false, json.stdout);
    return JSON.parse(json.stdout);
  };
  const empty = await check([], 0);
  assertEquals([empty.oldest_age_s, empty.perf.oldest, empty.messages], [0, 0, 0]);
  const [file] = await spoolSome(spoolDir, ["logging.stats.debug.a"]);
  await age(file!, 2);
  await check(["-w", "3h", "-c", "6h"], 0);
  const warned = await check(["-w", "1h", "-c", "6h"], 1);
  assertEquals(warned.summary, "1 message, oldest 2.0 h, waiting longer than 60 min");
  await check(["-w", "30m", "-c", "1h"], 2);
  await check(["-w", "1h", "--max-age", "x"], 3);
  await check(["-w", "2h", "-c", "1h"], 3);
  const labels = outputs.map(([out, code]) => labelsOf(out, code));
  for (const l of labels) assertEquals(l, ["messages", "oldest", "moved_aside"]);
  assert(/ oldest=720\ds;3600;21600 /.test(outputs[2]![0]), outputs[2]![0]);
});

Deno.test("spool status: 20,000 files are counted within the budget (default 2 s): exact count and age from the names, OK during an outage, the files not read said in the details", async () => {
  const spoolDir = await Deno.makeTempDir();
  const [model] = await spoolSome(spoolDir, ["logging.stats.debug.a"]);
  const line = await Deno.readTextFile(model!);
  await Deno.remove(model!);
  fillSpool(spoolDir, line, 20_000, 3_600_000);
  const started = Date.now();
  const run = await busmsg(["spool", "status"], { spoolDir });
  const ms = Date.now() - started;
  // The Zabbix agent's default timeout, start-up included (reading them all took 6.5 to 9 s).
  assert(ms < 3000, `took ${ms} ms`);
  // An hour-old outage is OK as the help says, however many files wait: files not read only
  // leave their contents unchecked.
  assertEquals(run.code, 0, run.stdout);
  const [first] = run.stdout.split("\n");
  assert(
    /^SPOOL OK - 20000 messages, oldest 60 min \| messages=20000 oldest=360\ds;;21600 moved_aside=0$/
      .test(first!),
    first,
  );
  const unread = Number(/\n(\d+) message\(s\) not read in time: /.exec(run.stdout)?.[1]);
  const read = 20000 - unread;
  assert(unread > 0 && read > 0, run.stdout);
  assertIncludes(
    run.stdout,
    `\n${unread} message(s) not read in time: their destinations and validity not checked ` +
      "(the count and the oldest age, from the names, are)\n",
  );
  assertIncludes(run.stdout, `destination (not read in time): ${unread}\n`);
  assertIncludes(run.stdout, `destination amq.topic logging.stats.debug.a: ${read}\n`);
  // The ages still decide: past -c is CRITICAL, past -w a WARNING.
  assertEquals((await busmsg(["spool", "status", "-c", "30m"], { spoolDir })).code, 2);
  assertEquals((await busmsg(["spool", "status", "-w", "30m"], { spoolDir })).code, 1);
  const json = JSON.parse((await busmsg(["spool", "status", "--json"], { spoolDir })).stdout);
  assertEquals([json.state, json.messages, json.complete], ["OK", 20000, false]);

  // A budget spent before the listing ends: what was seen, as a lower bound.
  const short = await busmsg(["spool", "status", "--timeout", "0.001"], { spoolDir });
  assertEquals(short.code, 1, short.stdout);
  assert(
    /^SPOOL WARNING - at least \d+ messages?(, oldest at least [^,]+)?, counting stopped at the time budget \(--timeout\): figures are lower bounds \| /
      .test(short.stdout),
    short.stdout,
  );
  await Deno.remove(spoolDir, { recursive: true });
});
