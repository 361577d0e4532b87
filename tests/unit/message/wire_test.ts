import { assert, assertEquals } from "../../support/assert.ts";
import { parseDumpLine } from "../../../lib/message/message.ts";
import {
  encodeBody,
  FRAME_MAX,
  frameMaxOf,
  headerProblems,
  toPublication,
} from "../../../lib/message/wire.ts";
import { SEED_LINE } from "../../support/fixtures.ts";

const defaults = { sentAt: "2026-11-28T00:00:00+00:00", newId: () => "id", topicPrefix: "" };

Deno.test("the seed's body is the 28 bytes the Python client sends", () => {
  const bytes = encodeBody({ test_key1: "test_value1" });
  assertEquals(bytes.length, 28);
  assertEquals(new TextDecoder().decode(bytes), '{"test_key1": "test_value1"}');
});

Deno.test("properties are exactly the Python client's, integers pinned to int32", () => {
  const { message } = parseDumpLine(SEED_LINE, defaults);
  assert(message);
  const pub = toPublication(message, "amq.topic", "org.fedoraproject.stg");
  assertEquals(pub.exchange, "amq.topic");
  assertEquals(pub.routingKey, "org.fedoraproject.stg.test");
  assertEquals(pub.properties, {
    contentType: "application/json",
    contentEncoding: "utf-8",
    deliveryMode: 2,
    priority: 0,
    messageId: "6f4dfec9-80d7-49e6-80e0-f2357b63422c",
    headers: {
      fedora_messaging_schema: "base.message",
      fedora_messaging_severity: { "!": "int32", value: 20 },
      "sent-at": "2021-07-21T12:23:12+00:00",
      fedora_messaging_schema_package: "fedora_messaging",
      priority: { "!": "int32", value: 0 },
    },
  });
});

Deno.test("custom headers keep their types; large integers become int64", () => {
  const { message } = parseDumpLine(
    '{"topic": "t", "body": {}, "headers": {"a": true, "b": null, "c": [1, "x"], "d": {"e": 3000000000}, "f": 1234567890123456789}}',
    defaults,
  );
  assert(message, "parsed");
  const h = toPublication(message, "x", "").properties.headers;
  assertEquals(h["a"], true);
  assertEquals(h["b"], null);
  assertEquals(h["c"], [{ "!": "int32", value: 1 }, "x"]);
  assertEquals(h["d"], { e: { "!": "int64", value: 3000000000n } });
  assertEquals(h["f"], { "!": "int64", value: 1234567890123456789n });
});

Deno.test("the header frame size is exact: the seed's content header frame is 265 bytes", () => {
  // The spec's capture: a 257-byte payload, plus 7 bytes of frame header and the frame end.
  const { message } = parseDumpLine(SEED_LINE, defaults);
  assert(message);
  assertEquals(headerProblems(message, 265), []);
  assertEquals(headerProblems(message, 264), [{
    field: "headers",
    message: "too large for AMQP: the header frame would be 265 bytes, the frame size is 264",
  }]);
  assertEquals(headerProblems(message), []);
});

Deno.test("the frame size comes from the URL's frameMax, capped at RabbitMQ's default", () => {
  assertEquals(frameMaxOf("amqp://h/"), FRAME_MAX);
  assertEquals(frameMaxOf("amqp://h/?frameMax=8192"), 8192);
  assertEquals(frameMaxOf("amqp://h/?frameMax=0"), FRAME_MAX);
  assertEquals(frameMaxOf("amqp://h/?frameMax=1000000"), FRAME_MAX);
});
