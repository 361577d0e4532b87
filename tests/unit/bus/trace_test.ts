/**
 * The steps of a connection as `--verbose` prints them and `doctor` collects them: the format,
 * and the DNS and AMQP steps that the hooks report (without a broker: the hooks are called as
 * amqplib would call them).
 */
import { assert, assertEquals } from "../../support/assert.ts";
import { formatStep, ms, type Step, traceSteps } from "../../../lib/bus/trace.ts";

Deno.test("trace: a step is `name: detail`, with its time to a tenth of a ms when timed", () => {
  assertEquals(
    formatStep({ name: "close", detail: "connection closed" }),
    "close: connection closed",
  );
  assertEquals(
    formatStep({ name: "channel", detail: "channel open", ms: 1.26 }),
    "channel: channel open (1.3 ms)",
  );
  assertEquals(ms(0), "0.0 ms");
});

Deno.test("trace: an address needs no lookup; plain AMQP: TCP, SASL PLAIN, the URL's user and vhost", async () => {
  const steps: Step[] = [];
  const options: Record<string, unknown> = {};
  const url = new URL("amqp://logging:secret@127.0.0.1:5672/%2Fpubsub");
  const hooks = await traceSteps(options, url, (s) => steps.push(s));
  assertEquals(steps, [{ name: "dns", detail: "127.0.0.1 is an address: no lookup" }]);
  // No TLS hook on plain AMQP; the DNS hook is always there (amqplib may be given a name).
  assertEquals(typeof options["lookup"], "function");
  assertEquals(options["checkServerIdentity"], undefined);
  await hooks.opened({}, () => Promise.resolve("logging"));
  const amqp = steps[1]!;
  assertEquals(amqp.name, "amqp");
  assertEquals(amqp.detail, 'TCP connected; SASL PLAIN as logging, vhost "/pubsub" open');
  assert(typeof amqp.ms === "number" && amqp.ms >= 0);
  assert(!JSON.stringify(steps).includes("secret"), "no password in any step");
});

Deno.test("trace: a host name is looked up through the hook, which answers amqplib unchanged", async () => {
  const steps: Step[] = [];
  const options: Record<string, unknown> = { credentials: {} };
  const hooks = await traceSteps(options, new URL("amqps://localhost:5671/"), (s) => steps.push(s));
  assertEquals(typeof options["checkServerIdentity"], "function");
  const lookup = options["lookup"] as (
    name: string,
    how: object,
    done: (err: Error | null, address: unknown) => void,
  ) => void;
  const answer = await new Promise<unknown>((resolve, reject) =>
    lookup("localhost", { all: true }, (err, address) => err ? reject(err) : resolve(address))
  );
  assert(Array.isArray(answer) && answer.length > 0, "amqplib gets the addresses");
  const dns = steps[0]!;
  assertEquals(dns.name, "dns");
  assert(dns.detail.startsWith("localhost is "), dns.detail);
  await hooks.opened({}, () => Promise.resolve("logging-cn"));
  assertEquals(steps[1]?.detail, 'SASL EXTERNAL as logging-cn, vhost "/" open');
});
