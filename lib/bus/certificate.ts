/**
 * What a client certificate says about itself. The expiry date, which every connecting
 * command checks, is read by a small DER walk (no parser, no node:crypto: start-up time
 * matters on every cron call); the full description (subject, issuer, key match) loads
 * node:crypto and is only for `doctor` and for diagnosing a failed connection.
 */

/** The validity window of the first certificate in a PEM text, or undefined if unreadable. */
export function validity(pem: string): { notBefore: Date; notAfter: Date } | undefined {
  const match = /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/.exec(pem);
  if (!match) return undefined;
  let der: Uint8Array;
  try {
    der = Uint8Array.from(atob(match[1]!.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serialNumber,
  //   signature, issuer, validity SEQUENCE { notBefore, notAfter }, ... }, ... }
  const cert = element(der, 0);
  const tbs = cert && cert.tag === 0x30 ? element(der, cert.start) : undefined;
  if (!tbs || tbs.tag !== 0x30) return undefined;
  let at = tbs.start;
  let field = element(der, at);
  if (field?.tag === 0xa0) field = element(der, at = field.end);
  for (let skip = 0; skip < 3 && field; skip++) field = element(der, at = field.end);
  if (!field || field.tag !== 0x30) return undefined;
  const before = element(der, field.start);
  const after = before && element(der, before.end);
  if (!before || !after) return undefined;
  const notBefore = asn1Time(der, before), notAfter = asn1Time(der, after);
  return notBefore && notAfter ? { notBefore, notAfter } : undefined;
}

interface Element {
  tag: number;
  start: number;
  end: number;
}

/** The DER element at `at`: its tag and where its contents start and end. */
function element(der: Uint8Array, at: number): Element | undefined {
  if (at + 2 > der.length) return undefined;
  const tag = der[at]!;
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > der.length) return undefined;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  const end = start + length;
  return end <= der.length ? { tag, start, end } : undefined;
}

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
function asn1Time(der: Uint8Array, e: Element): Date | undefined {
  const text = String.fromCharCode(...der.subarray(e.start, e.end));
  const m = e.tag === 0x17
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
    : e.tag === 0x18
    ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
    : null;
  if (!m) return undefined;
  let year = Number(m[1]);
  if (e.tag === 0x17) year += year >= 50 ? 1900 : 2000;
  return new Date(
    Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])),
  );
}

/** Whole days from `now` until `notAfter` (negative once expired). */
export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000);
}

/** A date as `YYYY-MM-DD`. */
export const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The warning every connecting command prints when the client certificate expires within
 * `warnDays` (0: never), or undefined.
 */
export function expiryWarning(
  pem: string,
  certfile: string,
  warnDays: number,
  now: Date,
): string | undefined {
  if (warnDays <= 0) return undefined;
  const window = validity(pem);
  if (!window || window.notAfter < now) return undefined; // the failed connection says why
  const left = daysLeft(window.notAfter, now);
  if (left >= warnDays) return undefined;
  return `warning: client certificate ${certfile} expires ${
    day(window.notAfter)
  } (${left} day(s) left): renew it before then`;
}

/** What `doctor` shows of a certificate. */
export interface CertificateFacts {
  subject: string;
  /** The subject's common name: the broker's user name under SASL EXTERNAL. */
  commonName: string | undefined;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
}

/** Subject, issuer and validity of a PEM certificate (loads node:crypto); throws when not PEM. */
export async function describeCertificate(pem: string): Promise<CertificateFacts> {
  const { X509Certificate } = await import("node:crypto");
  const cert = new X509Certificate(pem);
  const oneLine = (dn: string) => dn.split("\n").filter(Boolean).join(", ");
  return {
    subject: oneLine(cert.subject),
    commonName: /^CN=(.*)$/m.exec(cert.subject)?.[1],
    issuer: oneLine(cert.issuer),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
  };
}
