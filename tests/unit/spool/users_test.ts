/**
 * Where root's flush may send a user's spooled message: root's exchange, under root's topic
 * prefix, in the logging.stats family; nothing else, however close.
 */
import { assertEquals, assertIncludes } from "../../support/assert.ts";
import { userDestinationProblem } from "../../../lib/spool/users.ts";
import { stripPrefix } from "../../../lib/message/message.ts";

const root = { exchange: "amq.topic", topicPrefix: "org.fedoraproject.prod" };
/** The check for a message whose topic is its routing key without root's prefix (`topic`: not). */
const check = (
  exchange: string,
  routingKey: string,
  config = root,
  topic = stripPrefix(config.topicPrefix, routingKey),
) => userDestinationProblem("countme", { exchange, routingKey }, topic, config);

Deno.test("user destination: a logging.stats topic on root's exchange, under root's prefix", () => {
  assertEquals(
    check("amq.topic", "org.fedoraproject.prod.logging.stats.countme-update.start"),
    undefined,
  );
  assertEquals(
    check("amq.topic", "logging.stats.countme-update.start", {
      exchange: "amq.topic",
      topicPrefix: "",
    }),
    undefined,
  );
  // A prefix written with its trailing dot is the same prefix.
  assertEquals(
    check("amq.topic", "org.fedoraproject.prod.logging.stats.x", {
      exchange: "amq.topic",
      topicPrefix: "org.fedoraproject.prod.",
    }),
    undefined,
  );
});

Deno.test("user destination: anything else is refused, naming the user and why", () => {
  const refused: [string, string, string][] = [
    ["amq.fanout", "org.fedoraproject.prod.logging.stats.x", 'exchange "amq.fanout"'],
    ["", "org.fedoraproject.prod.logging.stats.x", 'exchange ""'],
    ["amq.topic", "org.fedoraproject.prod.bodhi.update.comment", "routing key"],
    ["amq.topic", "org.fedoraproject.stg.logging.stats.x", "routing key"],
    ["amq.topic", "logging.stats.x", "routing key"],
    ["amq.topic", "org.fedoraproject.prod.logging.stats", "routing key"],
    ["amq.topic", "org.fedoraproject.prod.logging.stats.", "routing key"],
    ["amq.topic", "org.fedoraproject.prod.logging.statsfoo.x", "routing key"],
    ["amq.topic", "org.fedoraproject.prodlogging.stats.x", "routing key"],
  ];
  for (const [exchange, key, part] of refused) {
    const why = check(exchange, key);
    assertIncludes(why ?? "(allowed)", "user countme may not send there with root's identity: ");
    assertIncludes(why!, part);
  }
  // Without a prefix, a key that carries one is not under the bare family either.
  assertIncludes(
    check("amq.topic", "org.fedoraproject.prod.logging.stats.x", {
      exchange: "amq.topic",
      topicPrefix: "",
    }) ?? "(allowed)",
    "is not under logging.stats.",
  );
});

Deno.test("user destination: a routing key that is not the message's own topic under root's prefix is refused", () => {
  // A valid countme body, its schema checked against its topic, addressed to a sync event.
  const why = check(
    "amq.topic",
    "org.fedoraproject.prod.logging.stats.sync.finish",
    root,
    "logging.stats.countme-update.start",
  );
  assertEquals(
    why,
    "user countme may not send there with root's identity: routing key " +
      '"org.fedoraproject.prod.logging.stats.sync.finish" is not its topic\'s ' +
      '"org.fedoraproject.prod.logging.stats.countme-update.start"',
  );
  // Its topic with root's prefix is where it may go.
  assertEquals(
    check(
      "amq.topic",
      "org.fedoraproject.prod.logging.stats.countme-update.start",
      root,
      "logging.stats.countme-update.start",
    ),
    undefined,
  );
});
