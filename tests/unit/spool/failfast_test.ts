import { assertEquals } from "../../support/assert.ts";
import { TIMEOUT_FLOOR_MS, unreachable } from "../../../lib/spool/failfast.ts";
import { DeliveryError, EXIT } from "../../../lib/errors.ts";

const failure = (message: string, transient = true, fix?: string) =>
  new DeliveryError(message, EXIT.CONNECT, transient, fix);

Deno.test("fail-fast: refused, no route and DNS set the state; a timeout only with a budget of at least the floor", () => {
  const where = "cannot connect to amqp://broker:5672/";
  for (
    const words of [
      "connect ECONNREFUSED 10.0.0.1:5672",
      "connect EHOSTUNREACH 10.0.0.1:5672",
      "getaddrinfo ENOTFOUND broker",
      "getaddrinfo EAI_AGAIN broker",
    ]
  ) {
    assertEquals(unreachable(failure(`${where}: ${words}`), 1), true, words);
  }
  const timeout = failure(`${where}: no answer within the timeout`);
  assertEquals(unreachable(timeout, 1), false, "--timeout 0.001: the caller's budget");
  assertEquals(unreachable(timeout, TIMEOUT_FLOOR_MS - 1), false);
  assertEquals(unreachable(timeout, TIMEOUT_FLOOR_MS), true);
  assertEquals(unreachable(timeout), true);
  // Not the broker being gone: a socket closed in the handshake, TLS with a fix, a refusal.
  assertEquals(unreachable(failure(`${where}: socket closed`)), false);
  assertEquals(unreachable(failure(`${where}: TLS failed: x`, true, "fix it")), false);
  assertEquals(unreachable(failure(`${where}: refused`, false)), false);
});
