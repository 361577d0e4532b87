/**
 * Where the private broker (scripts/broker) is: its ports, URLs and certificates, from the same
 * environment the broker script reads. Constants only, no imports: the tests and
 * scripts/bench.ts share them.
 */

export const BROKER_DIR = Deno.env.get("BUSMSG_BROKER_DIR") ?? "/tmp/busmsg-broker";
export const CERTS = `${BROKER_DIR}/certs`;
export const PLAIN_PORT = Number(Deno.env.get("BUSMSG_BROKER_PORT") ?? 35672);
export const TLS_PORT = Number(Deno.env.get("BUSMSG_BROKER_TLS_PORT") ?? 35671);
/** The full-rights test user, with a password. */
export const TEST_USER = "busmsg-test";
export const TEST_PASSWORD = "test-secret";
/** Full rights, password login, plain AMQP (the tests' reading side). */
export const PLAIN_URL = `amqp://${TEST_USER}:${TEST_PASSWORD}@127.0.0.1:${PLAIN_PORT}/%2Fpubsub`;
/** Fedora's setup: TLS, client certificate, EXTERNAL. */
export const TLS_URL = `amqps://localhost:${TLS_PORT}/%2Fpubsub`;
