/**
 * Trouble seen before logs are lost: certificate expiry warnings on every send, configuration
 * problems named with their fix, fail-fast after a failure, and --verbose connection steps.
 */
import { X509Certificate } from "node:crypto";
import { assert, assertEquals, assertIncludes, assertNotIncludes } from "../support/assert.ts";
import { CERTS, PLAIN_PORT, PLAIN_URL, Reader, tlsConfig } from "../support/broker.ts";
import { relay, silentServer } from "../support/faults.ts";
import { busmsg, publishedIds, spoolLines } from "../support/run.ts";

const send = (
  conf: string,
  env: Record<string, string> = {},
  spoolDir?: string,
  extra: string[] = [],
) =>
  busmsg(["publish", ...extra, "--conf", conf, "--topic", "logging.stats.debug.expiry", "a=1"], {
    env,
    ...(spoolDir ? { spoolDir } : {}),
  });

function expiryOf(user: string): { date: string; days: number } {
  const notAfter = new Date(
    new X509Certificate(Deno.readTextFileSync(`${CERTS}/${user}.pem`)).validTo,
  );
  return {
    date: notAfter.toISOString().slice(0, 10),
    days: Math.floor((notAfter.getTime() - Date.now()) / 86_400_000),
  };
}

Deno.test("expiry: a certificate expiring within 14 days delivers and warns once, with date and days left", async () => {
  const reader = await Reader.open(["logging.stats.debug.expiry"]);
  try {
    const run = await send(await tlsConfig("expires-5"));
    assertEquals(run.code, 0, run.stderr);
    const { date, days } = expiryOf("expires-5");
    assertEquals(
      run.stderr,
      `busmsg: warning: client certificate ${CERTS}/expires-5.pem expires ${date} (${days} day(s) left): renew it before then\n`,
    );
    const got = await reader.take(1);
    assertEquals(got.map((m) => m.properties["messageId"]), publishedIds(run.stdout));
    // The warning is what the 2023 outage lacked: --quiet, which silences notes, keeps it.
    const quiet = await send(await tlsConfig("expires-5"), {}, undefined, ["--quiet"]);
    assertEquals([quiet.code, quiet.stdout, quiet.stderr], [0, "", run.stderr]);
    await reader.take(1);
  } finally {
    await reader.close();
  }
});

Deno.test("expiry: BUSMSG_EXPIRY_WARN_DAYS moves the window, 0 turns it off, garbage is exit 2", async () => {
  const in20 = await tlsConfig("expires-20");
  assertEquals((await send(in20)).stderr, "", "20 days left is outside the default 14");
  const wide = await send(in20, { BUSMSG_EXPIRY_WARN_DAYS: "30" });
  assertEquals(wide.code, 0);
  assertIncludes(wide.stderr, `expires ${expiryOf("expires-20").date} (`);
  const off = await send(await tlsConfig("expires-5"), { BUSMSG_EXPIRY_WARN_DAYS: "0" });
  assertEquals([off.code, off.stderr], [0, ""]);
  const bad = await send(in20, { BUSMSG_EXPIRY_WARN_DAYS: "two weeks" });
  assertEquals(bad.code, 2);
  assertEquals(
    bad.stderr,
    'busmsg: BUSMSG_EXPIRY_WARN_DAYS: must be a whole number of days (0 turns the warning off), got "two weeks"\n',
  );
  assertEquals(bad.stdout, "");
});

Deno.test("permanent failures: spooled, but the warning says it will not heal and names the fix", async () => {
  const spoolDir = await Deno.makeTempDir();
  const conf = await tlsConfig("expired");
  const expired = await send(conf, {}, spoolDir);
  assertEquals(expired.code, 0, expired.stderr);
  assertEquals(
    expired.stderr,
    `busmsg: warning: 1 of 1 message(s) spooled in ${spoolDir}, but this is a configuration problem ` +
      `that will not heal by itself: client certificate ${CERTS}/expired.pem: expired on ` +
      `2020-02-01T00:00:00Z (config: ${conf}): renew ${CERTS}/expired.pem\n`,
  );
  const quiet = await send(conf, {}, spoolDir, ["--quiet"]);
  assertEquals([quiet.code, quiet.stdout], [0, ""], quiet.stderr);
  assertIncludes(quiet.stderr, "configuration problem that will not heal by itself");
  const nobody = await send(await tlsConfig("nobody"), { BUSMSG_SPOOL_DIR: spoolDir }, spoolDir);
  assertEquals(nobody.code, 0, nobody.stderr);
  assertIncludes(nobody.stderr, "configuration problem that will not heal by itself");
  assertIncludes(nobody.stderr, "login refused");
  assertIncludes(nobody.stderr, "have the broker's admin add the user");
  assertEquals((await spoolLines(spoolDir)).length, 3);
});

Deno.test("fail-fast: after a timeout, the next call to that broker spools at once; --retry-after 0s waits again", async () => {
  const silent = silentServer();
  const spoolDir = await Deno.makeTempDir();
  const url = `amqp://127.0.0.1:${silent.port}/`;
  const call = (...extra: string[]) =>
    busmsg(
      [
        "publish",
        "--url",
        url,
        "--timeout",
        "3",
        ...extra,
        "--topic",
        "logging.stats.debug.ff",
        "a=1",
      ],
      { spoolDir },
    );
  try {
    const first = await call();
    assertEquals(first.code, 0, first.stderr);
    assert(first.ms >= 3000, `the first call waited for its timeout (${first.ms} ms)`);
    assertIncludes(first.stderr, "for later delivery");
    assertIncludes(first.stderr, "no answer within the timeout");

    const second = await call();
    assertEquals(second.code, 0, second.stderr);
    // Far below the timeout even on a busy machine; the line below says why.
    assert(second.ms < 3000, `the second call did not wait (${second.ms} ms)`);
    assertEquals(second.stderr.split("\n").length, 2, second.stderr);
    assertIncludes(second.stderr, `not trying ${url} again yet: it failed `);
    assertIncludes(second.stderr, "(--retry-after)");

    const patient = await call("--retry-after", "0s");
    assert(patient.ms >= 3000, `--retry-after 0s tried again (${patient.ms} ms)`);
    assertEquals((await spoolLines(spoolDir)).length, 3);

    // flush always tries, whatever the state says.
    const flush = await busmsg(["flush", "--url", url, "--timeout", "1"], { spoolDir });
    assertEquals(flush.code, 111, flush.stderr);
    assert(flush.ms >= 1000, `flush tried (${flush.ms} ms)`);
    assertNotIncludes(flush.stderr, "not trying");
  } finally {
    silent.close();
  }
});

Deno.test("fail-fast: a success clears the state; the state is per broker", async () => {
  const spoolDir = await Deno.makeTempDir();
  // A port with nothing behind it, later a working relay to the broker on that same port.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const url = PLAIN_URL.replace(`:${PLAIN_PORT}/`, `:${port}/`);
  const call = () =>
    busmsg(["publish", "--url", url, "--topic", "logging.stats.debug.ff", "a=1"], { spoolDir });
  assertIncludes((await call()).stderr, "ECONNREFUSED");
  const up = relay(PLAIN_PORT, { listenPort: port });
  try {
    const skipped = await call();
    assertIncludes(skipped.stderr, "not trying ");
    // Another broker is not affected.
    const other = await busmsg(
      ["publish", "--url", PLAIN_URL, "--topic", "logging.stats.debug.ff", "a=1"],
      { spoolDir: await Deno.makeTempDir() },
    );
    assertEquals([other.code, other.stderr], [0, ""]);
    const flush = await busmsg(["flush", "--url", url], { spoolDir });
    assertEquals([flush.code, flush.stdout], [0, "2 sent, 0 left\n"]);
    const after = await call();
    assertEquals([after.code, after.stderr], [0, ""]);
    assertEquals(publishedIds(after.stdout).length, 1);
    assertEquals(await spoolLines(spoolDir), []);
  } finally {
    up.close();
  }
});

Deno.test("verbose: each connection step with its time on stderr, never the password", async () => {
  for (const how of [["--verbose"], []]) {
    const run = await busmsg(
      ["publish", ...how, "--url", PLAIN_URL, "--topic", "logging.stats.debug.v", "a=1"],
      { env: how.length ? {} : { BUSMSG_DEBUG: "1" } },
    );
    assertEquals(run.code, 0, run.stderr);
    const steps = run.stderr.trim().split("\n").map((l) => /^busmsg: verbose: (\w+):/.exec(l)?.[1]);
    assertEquals(steps, ["config", "dns", "amqp", "channel", "publish", "close"], run.stderr);
    assertIncludes(run.stderr, "dns: 127.0.0.1 is an address: no lookup\n");
    assertIncludes(run.stderr, `SASL PLAIN as busmsg-test, vhost "/pubsub" open (`);
    assertIncludes(run.stderr, "publish: 1 message(s) published, 1 confirmed (");
    assertNotIncludes(run.stderr, "test-secret");
  }
  const tls = await busmsg([
    "publish",
    "--verbose",
    "--conf",
    await tlsConfig("logging"),
    "--topic",
    "logging.stats.debug.v",
    "a=1",
  ]);
  assertEquals(tls.code, 0, tls.stderr);
  assertIncludes(tls.stderr, "verbose: dns: localhost is 127.0.0.1 (");
  assertIncludes(
    tls.stderr,
    "broker certificate O=busmsg-test, CN=localhost, issued by CN=busmsg test CA, expires ",
  );
  assertIncludes(tls.stderr, "verbose: tls: TLSv1.");
  assertIncludes(tls.stderr, `SASL EXTERNAL as logging, vhost "/pubsub" open (`);
  const quiet = await busmsg([
    "publish",
    "--url",
    PLAIN_URL,
    "--topic",
    "logging.stats.debug.v",
    "a=1",
  ]);
  assertEquals(quiet.stderr, "");
});
