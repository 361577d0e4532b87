/** `busmsg doctor` against the private broker: each check's line, in order, and its exit code. */
import { DOCTOR_U, labelsOf } from "../support/plugin_output.ts";
import { X509Certificate } from "node:crypto";
import { assert, assertEquals, assertIncludes, assertNotIncludes } from "../support/assert.ts";
import { CERTS, Reader, TLS_PORT, tlsConfig } from "../support/broker.ts";
import { relay, silentServer } from "../support/faults.ts";
import { busmsg, fillSpool, writeConfig } from "../support/run.ts";

/** `STATE check` of every check line, without the summary (the first line). */
function checks(stdout: string): string[] {
  return stdout.trim().split("\n").slice(1).map((l) =>
    /^(\S+) ([^:]+):/.exec(l)!.slice(1).join(" ")
  );
}

/** The plugin line: Nagios shows the first line of output as the status. */
const firstLine = (stdout: string) => stdout.split("\n")[0]!;

function daysLeftOf(pem: string): number {
  const notAfter = new Date(new X509Certificate(Deno.readTextFileSync(pem)).validTo);
  return Math.floor((notAfter.getTime() - Date.now()) / 86_400_000);
}

Deno.test("doctor: Fedora's setup passes every check in connection order, and --publish arrives", async () => {
  const reader = await Reader.open(["logging.stats.debug.doctor"]);
  try {
    const run = await busmsg(["doctor", "--publish", "--conf", await tlsConfig("logging")]);
    assertEquals(run.code, 0, run.stdout + run.stderr);
    assertEquals(run.stderr, "");
    assertEquals(checks(run.stdout), [
      "OK config",
      "OK url",
      "OK vhost",
      "OK exchange",
      "OK topic prefix",
      "OK client certificate",
      "OK client key",
      "OK CA file",
      "OK DNS",
      "OK TCP",
      "OK TLS",
      "OK AMQP",
      "OK publish",
      "OK spool",
    ]);
    assertEquals(firstLine(run.stdout).split(" | ")[0], "DOCTOR OK - 14 checks, all OK");
    assertIncludes(run.stdout, `OK vhost: /pubsub\n`);
    assertIncludes(
      run.stdout,
      `broker user "logging" under EXTERNAL), issued by CN=busmsg test CA`,
    );
    assertIncludes(run.stdout, `(${daysLeftOf(`${CERTS}/logging.pem`)} days left)`);
    assertIncludes(run.stdout, "OK DNS: localhost is 127.0.0.1 (");
    assertIncludes(run.stdout, "broker certificate O=busmsg-test, CN=localhost");
    assertIncludes(run.stdout, `SASL EXTERNAL as logging, vhost "/pubsub" open (`);
    const id = /OK publish: (\S+) logging\.stats\.debug\.doctor confirmed/.exec(run.stdout)?.[1];
    const got = await reader.take(1);
    assertEquals(got.map((m) => m.properties["messageId"]), [id]);
  } finally {
    await reader.close();
  }
});

Deno.test("doctor: a certificate expiring within 30 days is WARNING, within 7 CRITICAL, with the days left", async () => {
  const soon = await busmsg(["doctor", "--conf", await tlsConfig("expires-20")]);
  assertEquals(soon.code, 1, soon.stdout);
  assertIncludes(
    soon.stdout,
    `(${daysLeftOf(`${CERTS}/expires-20.pem`)} days left): renew ${CERTS}/expires-20.pem\n`,
  );
  assertEquals(checks(soon.stdout).filter((c) => !c.startsWith("OK")), [
    "WARNING client certificate",
  ]);
  assert(
    firstLine(soon.stdout).startsWith(
      "DOCTOR WARNING - 13 checks, 1 warning: client certificate: ",
    ),
  );
  assertEquals(soon.stderr, "");

  const sooner = await busmsg(["doctor", "--conf", await tlsConfig("expires-5")]);
  assertEquals(sooner.code, 2, sooner.stdout);
  assertIncludes(sooner.stdout, `CRITICAL client certificate: ${CERTS}/expires-5.pem: `);
  assertIncludes(sooner.stdout, `(${daysLeftOf(`${CERTS}/expires-5.pem`)} days left)`);
});

Deno.test("doctor: an expired certificate is CRITICAL with its date and fix; no connection is tried", async () => {
  const run = await busmsg(["doctor", "--conf", await tlsConfig("expired")]);
  assertEquals(run.code, 2, run.stdout);
  assertIncludes(
    run.stdout,
    `, expired 2020-02-01: renew ${CERTS}/expired.pem\n`,
  );
  assertEquals(checks(run.stdout).slice(5), [
    "CRITICAL client certificate",
    "OK client key",
    "OK CA file",
    "OK spool",
  ]);
});

Deno.test("doctor: a key that group or others may read is a WARNING naming the chmod", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.copyFile(`${CERTS}/logging.key`, `${dir}/logging.key`);
  await Deno.chmod(`${dir}/logging.key`, 0o644);
  const conf = await writeConfig([
    `amqp_url = "amqps://localhost:${Deno.env.get("BUSMSG_BROKER_TLS_PORT") ?? 35671}/%2Fpubsub"`,
    "[tls]",
    `ca_cert = "${CERTS}/ca.pem"`,
    `certfile = "${CERTS}/logging.pem"`,
    `keyfile = "${dir}/logging.key"`,
  ]);
  const run = await busmsg(["doctor", "--conf", conf]);
  assertEquals(run.code, 1, run.stdout);
  assertIncludes(
    run.stdout,
    `WARNING client key: ${dir}/logging.key: matches the certificate, but group or others may read it (mode 0644): chmod 600 ${dir}/logging.key\n`,
  );
  // The connection still works: only the permissions are wrong.
  assertIncludes(run.stdout, "OK AMQP: ");
});

Deno.test("doctor: a key of another certificate and a login refusal are CRITICAL, each named", async () => {
  const mismatch = await busmsg([
    "doctor",
    "--conf",
    await writeConfig([
      'amqp_url = "amqps://localhost/"',
      "[tls]",
      `certfile = "${CERTS}/logging.pem"`,
      `keyfile = "${CERTS}/consumer.key"`,
    ]),
  ]);
  assertEquals(mismatch.code, 2, mismatch.stdout);
  assertIncludes(
    mismatch.stdout,
    `CRITICAL client key: client key ${CERTS}/consumer.key: does not match the certificate ${CERTS}/logging.pem: point tls.keyfile at the key of ${CERTS}/logging.pem\n`,
  );
  assertNotIncludes(mismatch.stdout, " DNS:");

  const missing = await busmsg([
    "doctor",
    "--conf",
    await writeConfig([
      'amqp_url = "amqps://localhost/"',
      "[tls]",
      `certfile = "${CERTS}/no-such.pem"`,
      `keyfile = "${CERTS}/logging.key"`,
    ]),
  ]);
  assertEquals(missing.code, 2, missing.stdout);
  assertIncludes(
    missing.stdout,
    `CRITICAL client certificate: client certificate ${CERTS}/no-such.pem: cannot read: no such file: ` +
      `make ${CERTS}/no-such.pem readable by the user busmsg runs as, or correct the path in [tls]\n`,
  );

  const nobody = await busmsg(["doctor", "--conf", await tlsConfig("nobody")]);
  assertEquals(nobody.code, 2, nobody.stdout);
  assertIncludes(nobody.stdout, "OK TLS: ");
  assertIncludes(nobody.stdout, "CRITICAL AMQP: cannot connect to amqps://localhost:");
  assertIncludes(nobody.stdout, "login refused");
  assertIncludes(nobody.stdout, "have the broker's admin add the user");
});

Deno.test("doctor: --publish outside the user's topic permission is CRITICAL", async () => {
  const run = await busmsg([
    "doctor",
    "--publish",
    "--topic-prefix",
    "org.example",
    "--conf",
    await tlsConfig("logging"),
  ]);
  assertEquals(run.code, 2, run.stdout);
  assertIncludes(run.stdout, "CRITICAL publish: org.example.logging.stats.debug.doctor: ");
  assertIncludes(run.stdout, "access to topic");
});

Deno.test("doctor: a silent broker is CRITICAL within the timeout; waiting messages are a WARNING", async () => {
  const silent = silentServer();
  const spoolDir = await Deno.makeTempDir();
  try {
    const url = `amqp://127.0.0.1:${silent.port}/`;
    const spooled = await busmsg(
      ["publish", "--url", url, "--timeout", "0.5", "--topic", "logging.stats.debug.x", "a=1"],
      { spoolDir },
    );
    assertEquals(spooled.code, 0, spooled.stderr);
    const run = await busmsg(["doctor", "--url", url, "--timeout", "1"], { spoolDir });
    assertEquals(run.code, 2, run.stdout);
    assert(run.ms < 8000, `took ${run.ms} ms`);
    assertEquals(checks(run.stdout).slice(5), [
      "OK DNS",
      "OK TCP",
      "CRITICAL AMQP",
      "WARNING spool",
    ]);
    assertIncludes(
      run.stdout,
      `CRITICAL AMQP: cannot connect to ${url}: no answer within the timeout (config: built-in defaults: no config file found)\n`,
    );
    assertIncludes(
      run.stdout,
      `WARNING spool: ${spoolDir} (owner uid ${Deno.uid()}, mode 0700): waiting: 1 message, oldest `,
    );
    assertIncludes(run.stdout, "run 'busmsg flush' once the broker is reachable");
  } finally {
    silent.close();
  }
});

Deno.test("doctor: no config file is a WARNING; a bad one CRITICAL; a bad option UNKNOWN (3)", async () => {
  // This machine has no /etc/fedora-messaging/config.toml.
  const none = await busmsg(["doctor", "--url", "amqp://127.0.0.1:1/"]);
  assertIncludes(none.stdout, "WARNING config: no config file found");
  assertIncludes(none.stdout, "OK url: amqp://127.0.0.1:1/\n");
  assertIncludes(none.stdout, "CRITICAL TCP: 127.0.0.1:1: ");

  const bad = await busmsg(["doctor", "--conf", await writeConfig(["amqp_url = 5"])]);
  assertEquals(bad.code, 2, bad.stdout);
  assertIncludes(bad.stdout, "CRITICAL config: ");
  assertIncludes(bad.stdout, "amqp_url: must be a string\n");

  const usage = await busmsg(["doctor", "--publsh"]);
  assertEquals(usage.code, 3, usage.stdout);
  assert(usage.stdout.startsWith("DOCTOR UNKNOWN - doctor: "), usage.stdout);
  assertEquals(usage.stdout.trim().split("\n").length, 1);
});

Deno.test("doctor: the password of the URL never appears", async () => {
  const run = await busmsg(["doctor", "--url", "amqp://u:hunter2secret@127.0.0.1:1/"]);
  assertNotIncludes(run.stdout + run.stderr, "hunter2secret");
  assertIncludes(run.stdout, "OK url: amqp://u:***@127.0.0.1:1/\n");
});

Deno.test("doctor: an unknown config key is CRITICAL, the key named", async () => {
  const run = await busmsg(["doctor", "--conf", await writeConfig(['amqp_ulr = "amqp://x/"'])]);
  assertEquals(run.code, 2, run.stdout);
  assertIncludes(run.stdout, "CRITICAL config: ");
  assertIncludes(run.stdout, 'unknown configuration key "amqp_ulr" (did you mean "amqp_url"?)');
  assertEquals(checks(run.stdout), ["CRITICAL config", "OK spool"]);
  assert(
    firstLine(run.stdout).startsWith("DOCTOR CRITICAL - 2 checks, 1 critical: config: "),
    run.stdout,
  );
});

Deno.test("doctor and spool status: --help, and shared options before the command", async () => {
  for (const args of [["doctor", "--help"], ["spool", "status", "--help"], ["help", "doctor"]]) {
    const run = await busmsg(args);
    assertEquals(run.code, 0, run.stderr);
    assert(run.stdout.startsWith("Usage: busmsg "), run.stdout);
  }
  const before = await busmsg(["--url", "amqp://127.0.0.1:1/", "doctor"]);
  assertIncludes(before.stdout, "OK url: amqp://127.0.0.1:1/\n");
});

Deno.test("doctor and --verbose watch the TLS handshake without weakening it: a wrong host name is refused", async () => {
  // 127.0.0.2 is loopback too, but the broker's certificate names only localhost and 127.0.0.1.
  const other = relay(TLS_PORT, { hostname: "127.0.0.2" });
  try {
    const conf = await writeConfig([
      `amqp_url = "amqps://127.0.0.2:${other.port}/%2Fpubsub"`,
      "[tls]",
      `ca_cert = "${CERTS}/ca.pem"`,
      `certfile = "${CERTS}/logging.pem"`,
      `keyfile = "${CERTS}/logging.key"`,
    ]);
    const doctor = await busmsg(["doctor", "--conf", conf]);
    assertEquals(doctor.code, 2, doctor.stdout);
    assertIncludes(doctor.stdout, "CRITICAL TLS: ");
    assertIncludes(doctor.stdout, "127.0.0.2 is not in the cert's list");
    assertIncludes(doctor.stdout, "connect to a name the broker's certificate holds");
    const verbose = await busmsg([
      "publish",
      "--no-spool",
      "--verbose",
      "--conf",
      conf,
      "--topic",
      "logging.stats.debug.x",
      "a=1",
    ]);
    assertEquals(verbose.code, 111, verbose.stderr);
    assertIncludes(verbose.stderr, "host name check failed");
    assertEquals(verbose.stdout, "");
  } finally {
    other.close();
  }
});

Deno.test("doctor and spool status: a spool busmsg may not use (open to others) is CRITICAL", async () => {
  const spoolDir = await Deno.makeTempDir();
  await Deno.chmod(spoolDir, 0o777);
  const doctor = await busmsg(["doctor", "--url", "amqp://127.0.0.1:1/"], { spoolDir });
  assertIncludes(
    doctor.stdout,
    `CRITICAL spool: ${spoolDir} is writable by group or others (mode 0777): busmsg will not use it, so a message that cannot be delivered is lost\n`,
  );
  const status = await busmsg(["spool", "status"], { spoolDir });
  assertEquals(status.code, 2, status.stdout);
  assert(
    status.stdout.startsWith(
      `SPOOL CRITICAL - 0 messages, spool not usable: ${spoolDir} is writable by group or others (mode 0777) |`,
    ),
    status.stdout,
  );
});

Deno.test("doctor: perfdata on the plugin line, each step's ms and the certificate's days left; -w/-c move the thresholds", async () => {
  const run = await busmsg(["doctor", "--publish", "--conf", await tlsConfig("logging")]);
  assertEquals(run.code, 0, run.stdout);
  const days = daysLeftOf(`${CERTS}/logging.pem`);
  const [summary, perf] = firstLine(run.stdout).split(" | ");
  assertEquals(summary, "DOCTOR OK - 14 checks, all OK");
  const step = String.raw`\d+(\.\d)?ms;;;0`;
  assert(
    new RegExp(
      `^cert_days=${days};30:;7: dns=${step} tcp=${step} tls=${step} amqp=${step} ` +
        String.raw`publish=${step} total=\d+ms;;;0;2000$`,
    ).test(perf!),
    perf,
  );
  const soon = await tlsConfig("expires-20");
  const relaxed = await busmsg(["doctor", "-w", "10", "--conf", soon]);
  assertEquals(relaxed.code, 0, relaxed.stdout);
  assertIncludes(
    firstLine(relaxed.stdout),
    `cert_days=${daysLeftOf(`${CERTS}/expires-20.pem`)};10:;7: `,
  );
  const strict = await busmsg(["doctor", "--warning", "60", "--critical", "25", "--conf", soon]);
  assertEquals(strict.code, 2, strict.stdout);
  assertIncludes(strict.stdout, "CRITICAL client certificate: ");
  const wrong = await busmsg(["doctor", "-w", "5", "-c", "10"]);
  assertEquals([wrong.code, wrong.stdout], [
    3,
    `DOCTOR UNKNOWN - --critical 10 is more days than --warning 5${DOCTOR_U}\n`,
  ]);
  const bad = await busmsg(["doctor", "-c", "soon"]);
  assertEquals([bad.code, bad.stdout], [
    3,
    `DOCTOR UNKNOWN - --critical: must be a number of days from 0 to 3650, got "soon"${DOCTOR_U}\n`,
  ]);
});

Deno.test("doctor: the headline names the most severe problem, not the first one found", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.copyFile(`${CERTS}/logging.key`, `${dir}/logging.key`);
  await Deno.chmod(`${dir}/logging.key`, 0o644);
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const conf = await writeConfig([
    `amqp_url = "amqps://localhost:${port}/%2Fpubsub"`,
    "[tls]",
    `ca_cert = "${CERTS}/ca.pem"`,
    `certfile = "${CERTS}/logging.pem"`,
    `keyfile = "${dir}/logging.key"`,
  ]);
  const run = await busmsg(["doctor", "--conf", conf]);
  assertEquals(run.code, 2, run.stdout);
  assertIncludes(run.stdout, "\nWARNING client key: ");
  // The key's WARNING comes first in the output; the headline is the CRITICAL one.
  assert(
    firstLine(run.stdout).toLowerCase().startsWith(
      `doctor critical - 11 checks, 1 critical, 1 warning: tcp: 127.0.0.1:${port}: connection refused`,
    ),
    firstLine(run.stdout),
  );
});

Deno.test("doctor: one 2 s budget for the whole run against a silent broker (the Zabbix agent waits 3 s); the steps it leaves are not run", async () => {
  const silent = silentServer();
  try {
    const url = `amqp://127.0.0.1:${silent.port}/`;
    const run = await busmsg(["doctor", "--publish", "--url", url]);
    assertEquals(run.code, 2, run.stdout);
    assert(run.ms < 3000, `took ${run.ms} ms`);
    // The network steps run until 2 s less the 300 ms kept for the spool check, counted from
    // doctor's own start: the wall time is at least that, whatever start-up costs.
    assert(run.ms > 1700, `took ${run.ms} ms: not the 2 s budget`);
    // Every label, also for the steps not run.
    assertEquals(labelsOf(run.stdout, 2), [
      "cert_days",
      "dns",
      "tcp",
      "tls",
      "amqp",
      "publish",
      "total",
    ]);
    assertEquals(checks(run.stdout).slice(5), [
      "OK DNS",
      "OK TCP",
      "CRITICAL AMQP",
      "UNKNOWN publish",
      "OK spool",
    ]);
    assertIncludes(
      run.stdout,
      "\nUNKNOWN publish: not run: the 2 s budget (--timeout) was spent\n",
    );
    assertIncludes(
      firstLine(run.stdout),
      "DOCTOR CRITICAL - 10 checks, 1 critical, 1 warning, 1 unknown: AMQP: ",
    );
    const short = await busmsg(["doctor", "--publish", "--url", url, "--timeout", "1.5"]);
    assert(short.ms < 3000, `took ${short.ms} ms`);
    assertIncludes(
      short.stdout,
      "\nUNKNOWN publish: not run: the 1.5 s budget (--timeout) was spent\n",
    );
    assertIncludes(firstLine(short.stdout), " total=");
    assertIncludes(firstLine(short.stdout), "ms;;;0;1500");
  } finally {
    silent.close();
  }
});

Deno.test("doctor: a spool of 20,000 files is counted within the run's budget (reading them all took 9 s)", async () => {
  const spoolDir = await Deno.makeTempDir();
  const url = "amqp://127.0.0.1:1/";
  const spooled = await busmsg(
    ["publish", "--url", url, "--retry-after", "0s", "--topic", "logging.stats.debug.x", "a=1"],
    { spoolDir },
  );
  assertEquals(spooled.code, 0, spooled.stderr);
  const [model] = [...Deno.readDirSync(spoolDir)].filter((e) => e.name.endsWith(".msg"));
  const line = await Deno.readTextFile(`${spoolDir}/${model!.name}`);
  fillSpool(spoolDir, line, 19_999, 3_600_000);
  const run = await busmsg(["doctor", "--url", url], { spoolDir });
  assert(run.ms < 3000, `took ${run.ms} ms`);
  assertIncludes(
    run.stdout,
    `\nWARNING spool: ${spoolDir} (owner uid ${Deno.uid()}, mode 0700): waiting: 20000 messages, oldest 60 min; `,
  );
  // A budget spent before the listing ends: what was seen, said as a lower bound.
  const short = await busmsg(["doctor", "--url", url, "--timeout", "0.001"], { spoolDir });
  assert(short.ms < 3000, `took ${short.ms} ms`);
  assertIncludes(
    short.stdout,
    `\nWARNING spool: ${spoolDir} (owner uid ${Deno.uid()}, mode 0700): waiting: at least `,
  );
  assertIncludes(short.stdout, "not all counted: the 0.001 s budget (--timeout) was spent");
  await Deno.remove(spoolDir, { recursive: true });
});
