/**
 * The client's TLS material: files read as they are, a file that cannot be read named with the
 * fix (transient: renewals replace them), and a failed connection's diagnosis of the client
 * certificate and key (not PEM, expired, not yet valid, a key of another pair).
 */
import { assertEquals } from "../../support/assert.ts";
import { generateKeyPairSync } from "node:crypto";
import { diagnoseTls, loadTls, readPem } from "../../../lib/bus/tls.ts";
import { DeliveryError } from "../../../lib/errors.ts";

/** A fresh self-signed certificate and its key (openssl), valid for a day from now. */
async function pair(dir: string): Promise<{ cert: string; key: string }> {
  const cert = `${dir}/client.pem`, key = `${dir}/client.key`;
  const made = await new Deno.Command("openssl", {
    args: ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
      .concat(["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=logging"]),
    stdout: "null",
    stderr: "null",
  }).output();
  assertEquals(made.success, true, "openssl made a certificate");
  return { cert, key };
}

async function thrown(p: Promise<unknown>): Promise<DeliveryError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DeliveryError) return e;
    throw e;
  }
  throw new Error("nothing thrown");
}

Deno.test("tls: the files are read as they are; none given, none read", async () => {
  const dir = await Deno.makeTempDir();
  const { cert, key } = await pair(dir);
  const material = await loadTls({ caCert: cert, certfile: cert, keyfile: key });
  assertEquals(material.ca, await Deno.readTextFile(cert));
  assertEquals(material.cert, material.ca);
  assertEquals(material.key, await Deno.readTextFile(key));
  assertEquals(await loadTls({}), {});
  // A certificate without its key is not used (EXTERNAL needs both).
  assertEquals(await loadTls({ certfile: cert }), {});
  await Deno.remove(dir, { recursive: true });
});

Deno.test("tls: a file that cannot be read is named, with the fix; transient (exit 111)", async () => {
  const e = await thrown(readPem("/nonexistent/ca.pem", "CA certificate"));
  assertEquals([e.message, e.exitCode, e.transient, e.fix], [
    "CA certificate /nonexistent/ca.pem: cannot read: no such file",
    111,
    true,
    "make /nonexistent/ca.pem readable by the user busmsg runs as, or correct the path in [tls]",
  ]);
  const dir = await Deno.makeTempDir();
  const { cert } = await pair(dir);
  const key = await thrown(loadTls({ certfile: cert, keyfile: `${dir}/missing.key` }));
  assertEquals(key.message, `client key ${dir}/missing.key: cannot read: no such file`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("tls: a good pair has nothing to diagnose; a key of another pair is named", async () => {
  const dir = await Deno.makeTempDir();
  const files = await pair(dir);
  const tls = { certfile: files.cert, keyfile: files.key };
  const material = await loadTls(tls);
  assertEquals(await diagnoseTls(material, tls, new Date()), undefined);
  const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey
    .export({ type: "pkcs8", format: "pem" }) as string;
  const wrong = await diagnoseTls({ ...material, key: other }, tls, new Date());
  assertEquals([wrong?.message, wrong?.fix, wrong?.exitCode, wrong?.transient], [
    `client key ${files.key}: does not match the certificate ${files.cert}`,
    `point tls.keyfile at the key of ${files.cert}`,
    111,
    true,
  ]);
  const notKey = await diagnoseTls({ ...material, key: "junk" }, tls, new Date());
  assertEquals(notKey?.message, `client key ${files.key}: is not a PEM private key`);
  const notCert = await diagnoseTls({ ...material, cert: "junk" }, tls, new Date());
  assertEquals(notCert?.message, `client certificate ${files.cert}: not a PEM certificate`);
  // Without a client certificate (password login) there is nothing to look at.
  assertEquals(await diagnoseTls({ ca: material.cert! }, tls, new Date()), undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("tls: expired and not yet valid, with the dates and what to do", async () => {
  const dir = await Deno.makeTempDir();
  const files = await pair(dir);
  const tls = { certfile: files.cert, keyfile: files.key };
  const material = await loadTls(tls);
  const later = await diagnoseTls(material, tls, new Date(Date.now() + 3 * 86_400_000));
  assertEquals(later?.message.startsWith(`client certificate ${files.cert}: expired on 20`), true);
  assertEquals(later?.fix, `renew ${files.cert}`);
  const earlier = await diagnoseTls(material, tls, new Date(Date.now() - 3 * 86_400_000));
  assertEquals(
    /^client certificate .*: not valid before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(
      earlier!.message,
    ),
    true,
    earlier?.message,
  );
  assertEquals(earlier?.fix, `check this host's clock, or renew ${files.cert}`);
  await Deno.remove(dir, { recursive: true });
});
