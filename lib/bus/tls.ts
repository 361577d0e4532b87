/**
 * The client's TLS material from `[tls]`. Reading it is all a working connection needs; only
 * when a connection fails are the files examined (expired certificate, key of another pair),
 * so that the error names the file and the cause instead of a handshake alert, and the
 * certificate parser is not loaded on every call.
 */
import { DeliveryError, EXIT, ioReason } from "../errors.ts";

/** PEM texts handed to the TLS socket. */
export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

/** The `[tls]` settings. */
export interface TlsFiles {
  caCert?: string;
  certfile?: string;
  keyfile?: string;
}

/** Reads one PEM file; a DeliveryError naming `what`, the path and the fix when it cannot. */
export async function readPem(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    // Transient on purpose: certificate files are replaced by renewals; the message can wait.
    throw new DeliveryError(
      `${what} ${path}: cannot read: ${ioReason(e)}`,
      EXIT.CONNECT,
      true,
      `make ${path} readable by the user busmsg runs as, or correct the path in [tls]`,
    );
  }
}

/** Reads the `[tls]` files; a file that cannot be read is named. */
export async function loadTls(tls: TlsFiles): Promise<TlsMaterial> {
  const out: TlsMaterial = {};
  if (tls.caCert) out.ca = await readPem(tls.caCert, "CA certificate");
  if (tls.certfile && tls.keyfile) {
    out.cert = await readPem(tls.certfile, "client certificate");
    out.key = await readPem(tls.keyfile, "client key");
  }
  return out;
}

const iso = (d: Date) => d.toISOString().replace(".000Z", "Z");

/**
 * What is wrong with the client certificate and key, if anything: not PEM, expired, not yet
 * valid, or a key that belongs to another certificate. Undefined when they look right.
 */
export async function diagnoseTls(
  material: TlsMaterial,
  tls: TlsFiles,
  now: Date,
): Promise<DeliveryError | undefined> {
  if (!material.cert || !material.key) return undefined;
  const { createPrivateKey, X509Certificate } = await import("node:crypto");
  const fail = (text: string, fix: string) => new DeliveryError(text, EXIT.CONNECT, true, fix);
  const renew = `renew ${tls.certfile}`;
  let cert;
  try {
    cert = new X509Certificate(material.cert);
  } catch {
    return fail(
      `client certificate ${tls.certfile}: not a PEM certificate`,
      `put the PEM certificate in ${tls.certfile}`,
    );
  }
  const notAfter = new Date(cert.validTo), notBefore = new Date(cert.validFrom);
  if (now > notAfter) {
    return fail(`client certificate ${tls.certfile}: expired on ${iso(notAfter)}`, renew);
  }
  if (now < notBefore) {
    return fail(
      `client certificate ${tls.certfile}: not valid before ${iso(notBefore)}`,
      `check this host's clock, or ${renew}`,
    );
  }
  let key;
  try {
    key = createPrivateKey(material.key);
  } catch {
    return fail(
      `client key ${tls.keyfile}: is not a PEM private key`,
      `point tls.keyfile at the PEM key of ${tls.certfile}`,
    );
  }
  if (!cert.checkPrivateKey(key)) {
    return fail(
      `client key ${tls.keyfile}: does not match the certificate ${tls.certfile}`,
      `point tls.keyfile at the key of ${tls.certfile}`,
    );
  }
  return undefined;
}
