/** TLS and auth failures against the Fedora-like listener: each refused with one clear line. */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { CERTS, PLAIN_URL, TLS_PORT, TLS_URL } from "../support/broker.ts";
import { relay } from "../support/faults.ts";
import { busmsg, spoolLines, writeConfig } from "../support/run.ts";

function tlsConf(
  files: { ca?: string; cert?: string; key?: string },
  url = TLS_URL,
): Promise<string> {
  const lines = [`amqp_url = "${url}"`, "[tls]"];
  if (files.ca) lines.push(`ca_cert = "${files.ca}"`);
  if (files.cert) lines.push(`certfile = "${files.cert}"`);
  if (files.key) lines.push(`keyfile = "${files.key}"`);
  return writeConfig(lines);
}

const GOOD = { ca: `${CERTS}/ca.pem`, cert: `${CERTS}/logging.pem`, key: `${CERTS}/logging.key` };

async function refused(conf: string, code: number, ...parts: string[]) {
  const run = await busmsg([
    "publish",
    "--no-spool",
    "--conf",
    conf,
    "--topic",
    "logging.stats.debug.tls",
    "a=1",
  ]);
  assertEquals(run.code, code, run.stderr);
  for (const part of parts) assertIncludes(run.stderr, part);
  assertEquals(run.stderr.trim().split("\n").length, 1, run.stderr);
  assertEquals(run.stdout, "");
  return run;
}

Deno.test("TLS: the good certificate works (control for the refusals below)", async () => {
  const run = await busmsg([
    "publish",
    "--no-spool",
    "--conf",
    await tlsConf(GOOD),
    "--topic",
    "logging.stats.debug.tls",
    "a=1",
  ]);
  assertEquals(run.code, 0, run.stderr);
});

Deno.test("TLS: a wrong CA is refused, never a fall-back to no verification", async () => {
  await refused(
    await tlsConf({ ...GOOD, ca: `${CERTS}/rogue-ca.pem` }),
    111,
    "TLS failed",
    `ca_cert ${CERTS}/rogue-ca.pem`,
  );
});

Deno.test("TLS: a broker certificate for another host name is refused", async () => {
  // 127.0.0.2 is loopback too, but the broker's certificate names only localhost and 127.0.0.1.
  const other = relay(TLS_PORT, { hostname: "127.0.0.2" });
  try {
    await refused(
      await tlsConf(GOOD, `amqps://127.0.0.2:${other.port}/%2Fpubsub`),
      111,
      "TLS failed",
    );
  } finally {
    other.close();
  }
});

Deno.test("TLS: an expired client certificate is named with its expiry date, and spooled by default", async () => {
  const conf = await tlsConf({
    ...GOOD,
    cert: `${CERTS}/expired.pem`,
    key: `${CERTS}/expired.key`,
  });
  await refused(
    conf,
    111,
    `client certificate ${CERTS}/expired.pem: expired on 2020-02-01T00:00:00Z`,
  );
  const spoolDir = await Deno.makeTempDir();
  const run = await busmsg(
    ["publish", "--conf", conf, "--topic", "logging.stats.debug.tls", "a=1"],
    { spoolDir },
  );
  assertEquals(run.code, 0, run.stderr);
  assertIncludes(run.stderr, "expired on 2020-02-01");
  assertEquals((await spoolLines(spoolDir)).length, 1);
});

Deno.test("TLS: a client certificate from an unknown CA is refused by the broker", async () => {
  await refused(
    await tlsConf({ ...GOOD, cert: `${CERTS}/rogue.pem`, key: `${CERTS}/rogue.key` }),
    111,
    "TLS failed",
  );
});

Deno.test("TLS: a certificate whose CN is no broker user: login refused (exit 1, as fedora-messaging)", async () => {
  await refused(
    await tlsConf({ ...GOOD, cert: `${CERTS}/nobody.pem`, key: `${CERTS}/nobody.key` }),
    1,
    "login refused",
    "EXTERNAL",
  );
});

Deno.test("TLS: no client certificate at all is refused (the broker requires one)", async () => {
  await refused(await tlsConf({ ca: GOOD.ca }), 111, "TLS failed");
});

Deno.test("TLS: a missing key file and a key that does not match are named", async () => {
  await refused(
    await tlsConf({ ...GOOD, key: `${CERTS}/missing.key` }),
    111,
    `client key ${CERTS}/missing.key: cannot read: no such file`,
  );
  await refused(
    await tlsConf({ ...GOOD, key: `${CERTS}/consumer.key` }),
    111,
    `client key ${CERTS}/consumer.key: does not match the certificate ${CERTS}/logging.pem`,
  );
  await refused(
    await tlsConf({ ...GOOD, key: `${CERTS}/logging.pem` }),
    111,
    "is not a PEM private key",
  );
});

Deno.test("auth: a wrong password is refused with exit 1, the password never shown", async () => {
  const run = await busmsg([
    "publish",
    "--no-spool",
    "--url",
    PLAIN_URL.replace("test-secret", "wrong-canary"),
    "--topic",
    "x",
    "a=1",
  ]);
  assertEquals(run.code, 1, run.stderr);
  assertIncludes(run.stderr, "login refused");
  assert(!run.stderr.includes("wrong-canary"), run.stderr);
});
