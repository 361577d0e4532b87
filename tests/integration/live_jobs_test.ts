/**
 * The shell jobs that really publish on Fedora's log server (combineHttpLogs.sh,
 * condense-mirrorlogs.sh, countme-update.sh, countme-centos-update.sh), as dump lines the
 * helper makes: loghost not host, bare words as keys, an empty result. None is refused.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { PLAIN_URL, Reader } from "../support/broker.ts";
import { busmsg } from "../support/run.ts";

const line = (topic: string, body: Record<string, string>) =>
  JSON.stringify({ topic, body, queue: "queue" });
const JOB = { loghost: "log01", run_id: "3f0c2f5e-1d1b-4c39-9b8e-0d5b1e6a9a11" };

Deno.test("publish -: the shell jobs' lines arrive; an unlisted topic with one warning; a misspelt one is refused", async () => {
  const reader = await Reader.open(["logging.stats.#"]);
  try {
    const lines = [
      line("logging.stats.combinehttplogs.start", JOB),
      line("logging.stats.condense-mirrorlogs.mirrorlist.finish", {
        ...JOB,
        workfile: "/var/tmp/mirrorlist.work",
        logfile: "/var/log/mirrorlist.log",
        result: "",
      }),
      line("logging.stats.countme-update.command.start", {
        ...JOB,
        command: "countme-update-rawdb",
        "--rawdb": "--rawdb",
        "/var/lib/countme/raw.db": "/var/lib/countme/raw.db",
      }),
      line("logging.stats.merge.start", JOB),
      line("logging.stats.merge.finish", JOB),
      line("logging.stats.merge.start", JOB),
    ];
    const run = await busmsg(["publish", "--url", PLAIN_URL, "-"], {
      stdin: lines.join("\n") + "\n",
    });
    assertEquals(run.code, 0, run.stderr);
    const got = await reader.take(6);
    assertEquals(got.map((m) => m.routingKey), lines.map((l) => JSON.parse(l).topic));
    assertEquals(got.map((m) => JSON.parse(m.text)), lines.map((l) => JSON.parse(l).body));
    // One warning per unlisted topic, not per message.
    const warnings = run.stderr.split("\n").filter((l) => l.includes("no schema knows"));
    assertEquals(warnings, [
      'busmsg: warning: no schema knows the logging.stats topic "logging.stats.merge.start": its body is not checked (busmsg schema --list)',
      'busmsg: warning: no schema knows the logging.stats topic "logging.stats.merge.finish": its body is not checked (busmsg schema --list)',
    ]);
    const typo = await busmsg(["publish", "--url", PLAIN_URL, "-"], {
      stdin: line("logging.stats.combinehttplog.start", JOB) + "\n",
    });
    assertEquals(typo.code, 2);
    assertIncludes(typo.stderr, 'did you mean "logging.stats.combinehttplogs.start"?');
    const fields = await busmsg([
      "publish",
      "--url",
      PLAIN_URL,
      "--topic",
      "logging.stats.countme-update.start",
      "loghost=log01",
      "run_id=r",
    ]);
    assertEquals(fields.code, 0, fields.stderr);
    assertEquals(fields.stderr, "");
    const all = await reader.take(7);
    assertEquals(all.length, 7);
    // No host invented for the jobs' families (they send loghost).
    assertEquals(JSON.parse(all[6]!.text), { loghost: "log01", run_id: "r" });
    assert(!(await reader.settle(200)).some((m) => m.routingKey.includes("combinehttplog.")));
  } finally {
    await reader.close();
  }
});

Deno.test("validate: an unlisted topic warns once (exit 0), --strict refuses it; the jobs' lines are valid", async () => {
  const input = [
    line("logging.stats.countme-centos-update.command.finish", {
      ...JOB,
      command: "countme-update-totals",
      "--sqlite": "--sqlite",
      result: "0",
    }),
    line("logging.stats.merge.start", JOB),
    line("logging.stats.merge.start", JOB),
  ].join("\n") + "\n";
  const warn = await busmsg(["validate"], { stdin: input });
  assertEquals([warn.code, warn.stdout], [0, ""]);
  assertIncludes(
    warn.stderr,
    'busmsg: <stdin>:2: warning: no schema knows the logging.stats topic "logging.stats.merge.start"',
  );
  assertIncludes(warn.stderr, "3 line(s) valid, 1 topic(s) without a schema");
  const strict = await busmsg(["validate", "--strict"], { stdin: input });
  assertEquals(strict.code, 2);
  assertEquals(strict.stdout.split("\n").filter(Boolean).map((l) => l.split(": ")[0]), [
    "<stdin>:2",
    "<stdin>:3",
  ]);
  // What validate caught before it still catches: the sync family keeps host required.
  const sync = await busmsg(["validate"], {
    stdin: line("logging.stats.sync.start", JOB) + "\n",
  });
  assertEquals(sync.code, 2);
  assertEquals(sync.stdout, "<stdin>:1: body.host: is required for logging.stats.sync.start\n");
});
