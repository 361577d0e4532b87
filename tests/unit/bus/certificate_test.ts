import { assert, assertEquals } from "../../support/assert.ts";
import { X509Certificate } from "node:crypto";
import { daysLeft, expiryWarning, validity } from "../../../lib/bus/certificate.ts";

// Made with `openssl ca -selfsign -startdate/-enddate` (version 1, no extensions): a notAfter
// before 2050 is a UTCTime, from 2050 on a GeneralizedTime.
const UTC_TIME = `-----BEGIN CERTIFICATE-----
MIIBAjCBqgIBATAKBggqhkjOPQQDAjAOMQwwCgYDVQQDDAN1dGMwHhcNMjQwMTAy
MDMwNDA1WhcNNDkxMjMxMjM1OTU5WjAOMQwwCgYDVQQDDAN1dGMwWTATBgcqhkjO
PQIBBggqhkjOPQMBBwNCAARzNZvr+AqswThPEf9nlUJSreSBPdr06dCryqoytYiL
d3zcSDIzXBnqDRkCiwLieA5NvaF2kJ/tU20QyrpKpOydMAoGCCqGSM49BAMCA0cA
MEQCICLmSBUTCy9bdAe4tGwV44EJqxVroyp0I319FWjWWrmaAiAGg8Ajg3Oac5Ov
OCbUR7wEzWK72ewrBshRBqurabu+pg==
-----END CERTIFICATE-----`;
const GENERALIZED_TIME = `-----BEGIN CERTIFICATE-----
MIIBBTCBrAIBAjAKBggqhkjOPQQDAjAOMQwwCgYDVQQDDANnZW4wIBcNMjQwMTAy
MDMwNDA1WhgPMjA1MTA2MzAxMjAwMDBaMA4xDDAKBgNVBAMMA2dlbjBZMBMGByqG
SM49AgEGCCqGSM49AwEHA0IABHM1m+v4CqzBOE8R/2eVQlKt5IE92vTp0KvKqjK1
iIt3fNxIMjNcGeoNGQKLAuJ4Dk29oXaQn+1TbRDKukqk7J0wCgYIKoZIzj0EAwID
SAAwRQIgQNONGyGaa9Mce/YCTlcv5/xDvGvoPESAjXNGz6TH3yYCIQCnRUxcJsH8
aZ36QEm6SRSWDwSBvi93mWMtjA49PX41wg==
-----END CERTIFICATE-----`;
// `openssl req -x509 -addext subjectAltName=...`: version 3, with extensions.
const V3 = `-----BEGIN CERTIFICATE-----
MIIBqDCCAU2gAwIBAgIUTtlmTYW0zVB9V/Tb/GbCicwBnQ0wCgYIKoZIzj0EAwIw
HjELMAkGA1UEAwwCdjMxDzANBgNVBAoMBmJ1c21zZzAeFw0yNjExMjkwMzUxMTha
Fw0zNjExMjYwMzUxMThaMB4xCzAJBgNVBAMMAnYzMQ8wDQYDVQQKDAZidXNtc2cw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARzNZvr+AqswThPEf9nlUJSreSBPdr0
6dCryqoytYiLd3zcSDIzXBnqDRkCiwLieA5NvaF2kJ/tU20QyrpKpOydo2kwZzAd
BgNVHQ4EFgQU00blFcXIFGqBgQBbqzG1tUuknzYwHwYDVR0jBBgwFoAU00blFcXI
FGqBgQBbqzG1tUuknzYwDwYDVR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2Nh
bGhvc3QwCgYIKoZIzj0EAwIDSQAwRgIhAOvq64IZ4dLvj8PZgtOXN1IpeQ5jYGkR
B8mLp7hbe2OBAiEAnKR29eFfZclQrWHXSNKvNdHiNDk9N5wNcXLDvZHr5XY=
-----END CERTIFICATE-----`;

Deno.test("certificate: validity read from both time encodings, without a parser", () => {
  assertEquals(validity(UTC_TIME), {
    notBefore: new Date("2024-01-02T03:04:05Z"),
    notAfter: new Date("2049-12-31T23:59:59Z"),
  });
  assertEquals(validity(GENERALIZED_TIME)?.notAfter, new Date("2051-06-30T12:00:00Z"));
});

Deno.test("certificate: the DER walk agrees with node:crypto on a version 3 certificate", () => {
  const x = new X509Certificate(V3);
  assertEquals(validity(V3), { notBefore: new Date(x.validFrom), notAfter: new Date(x.validTo) });
  // Text around the PEM block (as in a bundle file) does not matter.
  assertEquals(validity(`subject=CN = v3\n${V3}\n`), validity(V3));
});

Deno.test("certificate: what is not a certificate has no validity (no exception)", () => {
  for (const bad of ["", "hello", V3.replace(/[A-Za-z0-9]{8}\n/, "!!!!!!!!\n"), V3.slice(0, 200)]) {
    assertEquals(validity(bad), undefined, bad);
  }
});

Deno.test("certificate: expiry warning only inside the window, never when expired or off", () => {
  const notAfter = new Date("2049-12-31T23:59:59Z");
  const before = (days: number) => new Date(notAfter.getTime() - days * 86_400_000);
  assertEquals(daysLeft(notAfter, before(13.5)), 13);
  assertEquals(
    expiryWarning(UTC_TIME, "/etc/pki/c.pem", 14, before(13.5)),
    "warning: client certificate /etc/pki/c.pem expires 2049-12-31 (13 day(s) left): renew it before then",
  );
  assertEquals(expiryWarning(UTC_TIME, "c", 14, before(14.5)), undefined);
  assertEquals(expiryWarning(UTC_TIME, "c", 0, before(1)), undefined);
  // Expired: the failed connection names it (with the fix); no second line.
  assertEquals(expiryWarning(UTC_TIME, "c", 14, before(-1)), undefined);
  assertEquals(expiryWarning("not a certificate", "c", 14, before(1)), undefined);
});

Deno.test("certificate: validity is never thrown at (garbage base64)", () => {
  assert(validity("-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----") === undefined);
});
