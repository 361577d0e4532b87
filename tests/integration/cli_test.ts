/**
 * The command-line contract scripts rely on: arguments never lose an event, mistakes are one
 * line with a suggestion, fedora-messaging's option order works, help is there for every command.
 */
import { assert, assertEquals, assertIncludes, assertNotIncludes } from "../support/assert.ts";
import { PLAIN_URL, Reader } from "../support/broker.ts";
import { busmsg, ENTRY, spoolLines } from "../support/run.ts";
import { COMMANDS } from "../../main.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Asserts a usage error: exit 2, exactly one stderr line holding `part`, nothing on stdout. */
function assertUsage(run: { code: number; stdout: string; stderr: string }, part: string) {
  assertEquals(run.code, 2, run.stderr);
  assertEquals(run.stdout, "");
  assertEquals(run.stderr.split("\n").filter(Boolean).length, 1, run.stderr);
  assertIncludes(run.stderr, part);
}

Deno.test("sync-event start makes a new run id even when BUSMSG_RUN_ID is set; --run-id chooses one", async () => {
  const reader = await Reader.open(["logging.stats.sync.start"]);
  try {
    const old = "11111111-1111-4111-8111-111111111111";
    const env = { BUSMSG_RUN_ID: old };
    const fresh = await busmsg(["sync-event", "start", "--url", PLAIN_URL], { env });
    assertEquals(fresh.code, 0, fresh.stderr);
    const id = fresh.stdout.trim();
    assert(UUID.test(id) && id !== old, `a new id: ${fresh.stdout}`);
    const chosen = await busmsg(["sync-event", "start", "--url", PLAIN_URL, "--run-id", "r-7"], {
      env,
    });
    assertEquals([chosen.code, chosen.stdout], [0, "r-7\n"], chosen.stderr);
    const got = await reader.take(2);
    assertEquals(got.map((m) => JSON.parse(m.text).run_id), [id, "r-7"]);
  } finally {
    await reader.close();
  }
});

Deno.test("sync-event start prints its run id before a config error (exit 2); a bad command line has none", async () => {
  const cases: [string[], Record<string, string>, string][] = [
    [["--conf", "/nonexist"], {}, "busmsg: /nonexist: cannot read config: no such file\n"],
    [
      [],
      { BUSMSG_TIMEOUT: "abc" },
      'busmsg: BUSMSG_TIMEOUT: must be a duration from 0.001 to 3600 seconds (e.g. 10, 0.5, 30s, 2m), got "abc"\n',
    ],
  ];
  for (const [args, env, stderr] of cases) {
    const run = await busmsg(["sync-event", "start", ...args], { env });
    assertEquals([run.code, run.stderr], [2, stderr]);
    assert(UUID.test(run.stdout.trim()) && run.stdout.split("\n").length === 2, run.stdout);
  }
  assertUsage(
    await busmsg(["sync-event", "start", "--synced-host", "p1"]),
    "sync-event start: --synced-host does not belong to this event",
  );
});

Deno.test("an option value starting with - is taken as the value, and the event arrives", async () => {
  const reader = await Reader.open(["logging.stats.sync.host.logdate.fail.retry"]);
  try {
    const run = await busmsg([
      "sync-event",
      "host.logdate.fail.retry",
      "--url",
      PLAIN_URL,
      "--run-id",
      "r-1",
      "--synced-host",
      "-proxy01",
      "--log-date",
      "2026-11-27",
      "--reason",
      "-rsync: connection reset",
    ]);
    assertEquals([run.code, run.stdout, run.stderr], [0, "", ""]);
    const [m] = await reader.take(1);
    const body = JSON.parse(m!.text);
    assertEquals([body.reason, body.synced_host], ["-rsync: connection reset", "-proxy01"]);
  } finally {
    await reader.close();
  }
});

Deno.test("an empty --reason is sent as given, and the schema decides", async () => {
  const run = await busmsg([
    "sync-event",
    "host.skip",
    "--dry-run",
    "--run-id",
    "r",
    "--synced-host",
    "p",
    "--reason",
    "",
  ]);
  assertUsage(run, "body.reason: must not be empty");
});

Deno.test("usage errors are one line, with the closest command or option", async () => {
  const cases: [string[], string][] = [
    [
      ["pubish", "f"],
      'busmsg: unknown command "pubish"; did you mean "publish"? (see busmsg --help)',
    ],
    [
      ["sync-event", "start", "--dyr-run"],
      "sync-event: unknown option --dyr-run; did you mean --dry-run?",
    ],
    [["publish", "--topci", "t"], "publish: unknown option --topci; did you mean --topic?"],
    [["--verison"], "unknown option --verison; did you mean --version?"],
    [["help", "lsiten"], 'unknown command "lsiten"; did you mean "listen"?'],
    [["sync-event", "host.strat"], 'unknown event "host.strat"; did you mean "host.start"?'],
    [[], "busmsg: no command given; see 'busmsg --help'\n"],
    [["-q"], "busmsg: no command given; see 'busmsg --help'\n"],
    [
      ["report", "--json", "--nagios", "/dev/null"],
      "busmsg: report: --json and --nagios do not go together\n",
    ],
    [["publish", "--topic"], "publish: --topic needs a value (TOPIC)"],
    [["publish", "--dry-run=no", "--topic", "t"], "publish: --dry-run takes no value"],
    [["publish", "--topic", "t", "a:integer=1"], 'unknown type "integer" (types: str, int, float'],
  ];
  for (const [args, part] of cases) {
    const run = await busmsg(args);
    assertUsage(run, part);
    assertNotIncludes(run.stderr, "ambiguous");
  }
});

Deno.test("--timeout: repeated, negative, zero or below a millisecond is one line, exit 2", async () => {
  const cases: [string[], string][] = [
    [["--timeout", "3", "--timeout", "5"], "publish: --timeout is given more than once"],
    [
      ["--timeout", "-1"],
      '--timeout: must be a duration from 0.001 to 3600 seconds (e.g. 10, 0.5, 30s, 2m), got "-1"',
    ],
    [["--timeout", "0"], 'got "0"'],
    [["--timeout", "0.0004"], 'got "0.0004"'],
  ];
  for (const [args, part] of cases) {
    assertUsage(await busmsg(["publish", "--dry-run", "--topic", "t", ...args]), part);
  }
  // Before and after the command count as one option.
  assertUsage(
    await busmsg(["--timeout", "3", "publish", "--dry-run", "--topic", "t", "--timeout", "3"]),
    "--timeout is given more than once",
  );
});

Deno.test("shared options go before or after the command, as with fedora-messaging", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/m.jsonl`;
  await Deno.writeTextFile(file, '{"topic": "order.x", "body": {"n": 1}}\n');
  const conf = `${dir}/config.toml`;
  await Deno.writeTextFile(conf, `amqp_url = "${PLAIN_URL}"\ntopic_prefix = "pre"\n`);
  const reader = await Reader.open(["pre.order.#"]);
  try {
    const before = await busmsg(["--conf", conf, "--timeout", "5", "publish", file]);
    const after = await busmsg(["publish", file, "--conf", conf]);
    for (const run of [before, after]) {
      assertEquals(run.code, 0, run.stderr);
      assertIncludes(run.stdout, " pre.order.x\n");
    }
    assertEquals((await reader.take(2)).map((m) => m.routingKey), ["pre.order.x", "pre.order.x"]);
    // A command that does not take a shared option says so as its own.
    assertUsage(await busmsg(["--spool-dir", dir, "schema"]), "schema: unknown option --spool-dir");
  } finally {
    await reader.close();
  }
});

Deno.test("help: busmsg help CMD, CMD --help and CMD -h print the same; each has an example", async () => {
  for (const name of Object.keys(COMMANDS)) {
    const runs = await Promise.all([
      busmsg(["help", name]),
      busmsg([name, "--help"]),
      busmsg([name, "-h"]),
    ]);
    for (const run of runs) assertEquals([run.code, run.stderr], [0, ""], name);
    assertEquals(runs[1]!.stdout, runs[0]!.stdout, name);
    assertEquals(runs[2]!.stdout, runs[0]!.stdout, name);
    const examples = runs[0]!.stdout.split("\nExamples:\n")[1];
    assert(examples !== undefined, `${name} --help has Examples`);
    assertIncludes(examples.split("\n")[0]!, "busmsg ", `${name}: an example command`);
  }
  // --help as the value of an option is a value, not a request for help.
  const run = await busmsg(["publish", "--dry-run", "--topic", "t", "note=x", "--host", "--help"]);
  assertEquals(run.code, 0, run.stderr);
  assertIncludes(run.stdout, '"topic": "t"');
});

Deno.test("--severity takes level names", async () => {
  const levels: [string, number][] = [["debug", 10], ["info", 20], ["WARNING", 30], ["error", 40]];
  for (const [name, n] of levels) {
    const run = await busmsg(["publish", "--dry-run", "--topic", "t", "--severity", name]);
    assertEquals(run.code, 0, run.stderr);
    assertIncludes(run.stdout, `"fedora_messaging_severity": ${n},`);
  }
  assertUsage(
    await busmsg(["publish", "--dry-run", "--topic", "t", "--severity", "critical"]),
    '--severity: must be debug (10), info (20), warning (30) or error (40), got "critical"',
  );
});

Deno.test("a typo in a config key is exit 2 naming file and key; nothing is sent or spooled", async () => {
  const dir = await Deno.makeTempDir();
  const spoolDir = `${dir}/spool`;
  for (
    const [text, key] of [[`amqp_ulr = "${PLAIN_URL}"`, "amqp_ulr"], [
      '[tls]\ncert_file = "/c.pem"',
      "tls.cert_file",
    ]]
  ) {
    const conf = `${dir}/config.toml`;
    await Deno.writeTextFile(conf, text + "\n");
    const run = await busmsg(["publish", "--conf", conf, "--topic", "t", "a=1"], { spoolDir });
    assertUsage(run, `${conf}: unknown configuration key "${key}" (did you mean`);
    assertEquals(await spoolLines(spoolDir), []);
  }
});

Deno.test("a connection error names the config: the file, or the built-in defaults", async () => {
  const dir = await Deno.makeTempDir();
  const conf = `${dir}/config.toml`;
  await Deno.writeTextFile(conf, 'amqp_url = "amqp://127.0.0.1:1/"\n');
  const withFile = await busmsg(["publish", "--no-spool", "--conf", conf, "--topic", "t"]);
  assertEquals(withFile.code, 111, withFile.stderr);
  assertIncludes(withFile.stderr, `ECONNREFUSED 127.0.0.1:1 (config: ${conf})\n`);
  // The test environment has no FEDORA_MESSAGING_CONF and no /etc/fedora-messaging.
  const none = await busmsg([
    "publish",
    "--no-spool",
    "--url",
    "amqp://127.0.0.1:1/",
    "--topic",
    "t",
  ]);
  assertEquals(none.code, 111, none.stderr);
  assertIncludes(none.stderr, "(config: built-in defaults: no config file found)\n");
});

Deno.test("amqps:/host (one slash) is refused; [tls] with an amqp:// URL is a warning", async () => {
  assertUsage(
    await busmsg(["publish", "--dry-run", "--url", "amqps:/127.0.0.1/", "--topic", "t"]),
    "--url: needs two slashes after the scheme (amqps://HOST)",
  );
  const conf = `${await Deno.makeTempDir()}/config.toml`;
  await Deno.writeTextFile(conf, `amqp_url = "amqp://x/"\n[tls]\ncertfile = "/c.pem"\n`);
  const run = await busmsg(["publish", "--dry-run", "--conf", conf, "--topic", "t"]);
  assertEquals(run.code, 0, run.stderr);
  assertIncludes(run.stderr, `busmsg: warning: ${conf}: [tls] is not used with an amqp:// URL`);
});

Deno.test("publish - at a terminal says it is reading dump lines (Ctrl-D ends); not from a pipe", async () => {
  const cmd = [...ENTRY, "publish", "--dry-run", "-"].join(" ");
  // script(1) gives the command a terminal; ^D on it ends the input.
  const child = new Deno.Command("script", {
    args: ["-qec", cmd, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode('{"topic": "tty.x", "body": {}}\n\x04'));
  await writer.close();
  const out = await child.output();
  const shown = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, shown);
  assertIncludes(
    shown,
    "busmsg: reading dump lines (one JSON message per line) from the terminal; Ctrl-D ends",
  );
  assertIncludes(shown, '"topic": "tty.x"}');
  const piped = await busmsg(["publish", "--dry-run", "-"], {
    stdin: '{"topic": "t", "body": {}}\n',
  });
  assertEquals(piped.code, 0, piped.stderr);
  assertNotIncludes(piped.stderr, "reading");
});
