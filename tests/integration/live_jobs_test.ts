/**
 * The shell jobs that really publish on Fedora's log server (combineHttpLogs.sh,
 * condense-mirrorlogs.sh, countme-update.sh, countme-centos-update.sh), as dump lines the
 * helper makes: loghost not host, bare words as keys, an empty result. None is refused.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { PLAIN_URL, Reader } from "../support/broker.ts";
import { bash, PREFIX, sandbox } from "../support/example_sandbox.ts";
import { recordedWhile } from "../support/listener.ts";
import { busmsg, ROOT, runCommand } from "../support/run.ts";

/** The reference publisher needs Debian's /usr/bin/python3 with pika (python3-pika; scripts/test installs it). */
const python = await runCommand("/usr/bin/python3", ["-c", "import pika"]).then(
  (r) => ({ ok: r.code === 0 }),
  () => ({ ok: false }),
);

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

/** The stub commands the job simulations run, and a sandbox with busmsg and the drop-in. */
async function jobSandbox(): Promise<{ dir: string; env: Record<string, string> }> {
  const { dir, env } = await sandbox();
  const stub = async (name: string, text: string) => {
    await Deno.writeTextFile(`${dir}/bin/${name}`, `#!/bin/sh\n${text}\n`);
    await Deno.chmod(`${dir}/bin/${name}`, 0o755);
  };
  await stub("hostname", "echo log01");
  await stub("uuidgen", "cat /proc/sys/kernel/random/uuid");
  for (const name of ["mergelog", "countme-update-rawdb", "countme-update-totals", "git"]) {
    await stub(name, "exit 0");
  }
  return { dir, env };
}

const JOBS = [
  "combine_http_logs",
  "condense_mirrorlogs",
  "countme_update",
  "countme_centos_update",
];

/** One recorded message: topic, body and severity, as `busmsg listen` wrote it. */
interface Recorded {
  topic: string;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

Deno.test({
  name:
    "parity: the four jobs' calls through the drop-in and through the helper's rules + a Python publisher arrive with the same bodies; 0 refused",
  ignore: !python.ok,
  fn: async () => {
    const { dir, env } = await jobSandbox();
    const run = (helper: string, job: string) =>
      bash(`. ${helper}; . ${ROOT}tests/support/log_jobs.sh; ${job}`, {
        ...env,
        FM_PUBLISH: `/usr/bin/python3 ${ROOT}tests/support/fm_publish.py ${PLAIN_URL} ${PREFIX}`,
      });
    const reference = `${ROOT}tests/support/helper_reference.sh`;
    const dropIn = `${ROOT}scripts/examples/simple_message_to_bus.sh`;
    const jobs = [...JOBS, "helper_edges"];
    // 10 + 5 + 8 + 8 + 1 messages per side.
    const perSide = 32;
    const stderr: string[] = [];
    // Beside the recording (whose dump lines sort keys): the bodies' bytes, for key order.
    const reader = await Reader.open([`${PREFIX}.logging.stats.#`]);
    const day = await recordedWhile(dir, 2 * perSide, async () => {
      for (const job of jobs) {
        const ref = await run(reference, job);
        assertEquals(ref.code, 0, ref.stderr);
        const ours = await run(dropIn, job);
        assertEquals(ours.code, 0, ours.stderr);
        stderr.push(ours.stderr);
      }
    });
    // Nothing refused, nothing warned: the drop-in said nothing at all.
    const refused = stderr.join("").split("\n").filter((l) => l.includes("not published")).length;
    assertEquals(refused, 0);
    assertEquals(stderr.join(""), "");
    const recorded: Recorded[] = (await Deno.readTextFile(day)).split("\n").filter(Boolean)
      .map((l) => JSON.parse(l));
    // By run: each job's run made one run id on each side; the sides alternate, reference first.
    const runs = new Map<string, Recorded[]>();
    for (const m of recorded) {
      const id = String(m.body["run_id"]);
      runs.set(id, [...(runs.get(id) ?? []), m]);
    }
    const sequences = [...runs.values()];
    assertEquals(sequences.length, 2 * jobs.length);
    const strip = ({ topic, body, headers }: Recorded) => {
      const { run_id: _, ...rest } = body;
      return { topic, body: rest, severity: headers["fedora_messaging_severity"] };
    };
    for (let i = 0; i < jobs.length; i++) {
      const [ref, ours] = [sequences[2 * i]!, sequences[2 * i + 1]!];
      assert(ref.length > 0, jobs[i]);
      assertEquals(ours.map(strip), ref.map(strip), jobs[i]);
    }
    // Byte for byte, keys in the helper's order, but for the run id.
    const raw = new Map<string, string[]>();
    for (const m of await reader.take(2 * perSide)) {
      const id = String(JSON.parse(m.text)["run_id"]);
      raw.set(id, [...(raw.get(id) ?? []), m.text.replaceAll(id, "RUN")]);
    }
    await reader.close();
    const bytes = [...raw.values()];
    for (let i = 0; i < jobs.length; i++) assertEquals(bytes[2 * i + 1], bytes[2 * i], jobs[i]);
    const total = sequences.filter((_, i) => i % 2 === 1).flat().length;
    assertEquals(total, perSide);
    console.log(`parity: ${total} messages per side, ${refused} refused`);
  },
});

Deno.test("the drop-in: what the helper would have sent as invalid JSON arrives exact; a refusal is said on stderr, exit 0", async () => {
  const { env } = await jobSandbox();
  const reader = await Reader.open([`${PREFIX}.logging.stats.#`]);
  try {
    const run = await bash(
      `. ${ROOT}scripts/examples/simple_message_to_bus.sh
       MSGTOPIC_PREFIX=logging.stats MSGBODY_PRESET="loghost=log01 run_id=r-1"
       simple_message_to_bus condense-mirrorlogs.mirrorlist.finish workfile=$'a\tb' logfile=$'two\nlines' result=
       echo "after 1: $?"
       simple_message_to_bus combinehttplog.start
       echo "after 2: $?"
       simple_message_to_bus countme-update.start n:int=abc
       echo "after 3: $?"`,
      env,
    );
    assertEquals(run.code, 0);
    const [m] = await reader.take(1);
    assertEquals(JSON.parse(m!.text), {
      loghost: "log01",
      run_id: "r-1",
      workfile: "a\tb",
      logfile: "two\nlines",
      result: "",
    });
    assertEquals((await reader.settle(300)).length, 1, "the refused ones were not sent");
    // busmsg's reason and the drop-in's line, for cron to mail; the job goes on.
    assertIncludes(run.stderr, 'did you mean "logging.stats.combinehttplogs.start"?');
    assertIncludes(
      run.stderr,
      "simple_message_to_bus: logging.stats.combinehttplog.start: not published (busmsg exit 2)",
    );
    assertIncludes(run.stderr, 'field "n": "abc" after :int is no JSON value');
    assertIncludes(
      run.stderr,
      "simple_message_to_bus: logging.stats.countme-update.start: not published (busmsg exit 2)",
    );
  } finally {
    await reader.close();
  }
});

Deno.test("the drop-in as the jobs run the helper: a command on PATH under set -e; MSGBODY_PRESET glob-expanded in the job's directory as the helper's unquoted words are", async () => {
  const { dir, env } = await jobSandbox();
  await Deno.copyFile(
    `${ROOT}scripts/examples/simple_message_to_bus.sh`,
    `${dir}/bin/simple_message_to_bus`,
  );
  await Deno.chmod(`${dir}/bin/simple_message_to_bus`, 0o755);
  await Deno.mkdir(`${dir}/job`);
  await Deno.writeTextFile(`${dir}/job/tag=one`, "");
  const reader = await Reader.open([`${PREFIX}.logging.stats.#`]);
  try {
    // As countme-update.sh: exported variables, no helper sourced, set -e before its calls.
    const run = await bash(
      `cd ${dir}/job
       export MSGTOPIC_PREFIX=logging.stats MSGBODY_PRESET="loghost=log01 run_id=r-3 tag=* other=[x]"
       set -e
       simple_message_to_bus countme-update.start 'arg=*'
       simple_message_to_bus combinehttplog.start
       echo reached >&2`,
      env,
    );
    assertEquals(run.code, 0, run.stderr);
    assertIncludes(run.stderr, "not published (busmsg exit 2)");
    assert(run.stderr.endsWith("reached\n"), run.stderr);
    const [m] = await reader.take(1);
    // The helper's unquoted $MSGBODY_PRESET: tag=* names the file tag=one; [x] matches nothing
    // and stays; a quoted argument is never expanded.
    assertEquals(
      m!.text,
      '{"loghost": "log01", "run_id": "r-3", "tag": "one", "other": "[x]", "arg": "*"}',
    );
  } finally {
    await reader.close();
  }
});
