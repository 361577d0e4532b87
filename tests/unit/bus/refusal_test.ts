import { assertEquals } from "../../support/assert.ts";
import { refusedBy } from "../../../lib/bus/refusal.ts";

const target = (exchange: string, routingKey: string, size = 10) => ({
  exchange,
  routingKey,
  size,
});

Deno.test("a refusal names the messages it is about, in RabbitMQ's own words", () => {
  const topic = refusedBy(
    `Channel closed by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - access to topic 'buildsys.x' in exchange 'amq.topic' in vhost '/pubsub' refused for user 'logging'"`,
  )!;
  assertEquals(topic(target("amq.topic", "buildsys.x")), true);
  assertEquals(topic(target("amq.topic", "logging.stats.x")), false);
  assertEquals(topic(target("other", "buildsys.x")), false);
  const size = refusedBy(
    `Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - message size 4020 is larger than configured max size 2048"`,
  )!;
  assertEquals([size(target("x", "k", 2049)), size(target("x", "k", 2048))], [true, false]);
  const exchange = refusedBy(
    `Channel closed by server: 404 (NOT-FOUND) with message "NOT_FOUND - no exchange 'nope' in vhost '/pubsub'"`,
  )!;
  assertEquals([exchange(target("nope", "k")), exchange(target("amq.topic", "k"))], [true, false]);
  assertEquals(refusedBy("Channel closed by server: 541 (INTERNAL-ERROR)"), undefined);
});
