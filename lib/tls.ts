/**
 * The client's TLS material from `[tls]`: read once, checked before any connection so that a
 * missing file or an expired certificate is named plainly instead of as a handshake alert.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { ioReason } from "./config.ts";
import { DeliveryError, EXIT } from "./errors.ts";

/** PEM texts handed to the TLS socket. */
export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    // Transient on purpose: certificate files are replaced by renewals; the message can wait.
    throw new DeliveryError(`${what} ${path}: cannot read: ${ioReason(e)}`, EXIT.CONNECT, true);
  }
}

/** Why a certificate cannot be used now (expired, not yet valid, unparsable), or undefined. */
export function certificateProblem(pem: string, now: Date): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return "not a PEM certificate";
  }
  const notAfter = new Date(cert.validTo);
  const notBefore = new Date(cert.validFrom);
  if (now > notAfter) return `expired on ${notAfter.toISOString().replace(".000Z", "Z")}`;
  if (now < notBefore) return `not valid before ${notBefore.toISOString().replace(".000Z", "Z")}`;
  return undefined;
}

/** Why a private key cannot go with a certificate (unparsable, or another key pair), or undefined. */
export function keyProblem(keyPem: string, certPem: string): string | undefined {
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return "is not a PEM private key";
  }
  try {
    return new X509Certificate(certPem).checkPrivateKey(key)
      ? undefined
      : "does not match the certificate";
  } catch {
    return undefined;
  }
}

/** Reads `[tls]` files; a client certificate that is expired is refused before connecting. */
export async function loadTls(
  tls: { caCert?: string; certfile?: string; keyfile?: string },
  now: Date,
): Promise<TlsMaterial> {
  const out: TlsMaterial = {};
  if (tls.caCert) out.ca = await readPem(tls.caCert, "CA certificate");
  if (tls.certfile && tls.keyfile) {
    out.cert = await readPem(tls.certfile, "client certificate");
    out.key = await readPem(tls.keyfile, "client key");
    const problem = certificateProblem(out.cert, now);
    if (problem) {
      throw new DeliveryError(`client certificate ${tls.certfile}: ${problem}`, EXIT.CONNECT, true);
    }
    const mismatch = keyProblem(out.key, out.cert);
    if (mismatch) {
      const which = mismatch.startsWith("does not") ? ` ${tls.certfile}` : "";
      throw new DeliveryError(`client key ${tls.keyfile}: ${mismatch}${which}`, EXIT.CONNECT, true);
    }
  }
  return out;
}
