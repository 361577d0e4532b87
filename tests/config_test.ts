import { assertEquals, assertNotIncludes, assertThrows } from "./assert.ts";
import { applyOverrides, parseConfig, parseTimeout, redactUrl } from "../lib/config.ts";
import { UsageError } from "../lib/errors.ts";

const FEDORA = `
amqp_url = "amqps://logging:@rabbitmq.fedoraproject.org/%2Fpubsub"
topic_prefix = "org.fedoraproject.prod"
publish_exchange = "amq.topic"
passive_declares = true
callback = "x:y"
[tls]
ca_cert = "/etc/pki/fedora-messaging/cacert.pem"
keyfile = "/etc/pki/fedora-messaging/fedora-key.pem"
certfile = "/etc/pki/fedora-messaging/fedora-cert.pem"
[client_properties]
app = "logging"
[consumer_config]
x = 1
[[bindings]]
queue = "q"
exchange = "amq.topic"
routing_keys = ["#"]
[qos]
prefetch_count = 25
`;

Deno.test("config: Fedora's log server file, consumer keys accepted and ignored", () => {
  const c = parseConfig(FEDORA, "/etc/fedora-messaging/config.toml");
  assertEquals(c.amqpUrl, "amqps://logging:@rabbitmq.fedoraproject.org/%2Fpubsub");
  assertEquals(c.topicPrefix, "org.fedoraproject.prod");
  assertEquals(c.exchange, "amq.topic");
  assertEquals(c.app, "logging");
  assertEquals(c.priority, undefined);
  assertEquals(c.tls, {
    caCert: "/etc/pki/fedora-messaging/cacert.pem",
    certfile: "/etc/pki/fedora-messaging/fedora-cert.pem",
    keyfile: "/etc/pki/fedora-messaging/fedora-key.pem",
  });
  assertEquals(c.timeoutMs, 10_000);
});

Deno.test("config: an empty file means the defaults", () => {
  const c = parseConfig("", "c.toml");
  assertEquals([c.amqpUrl, c.exchange, c.topicPrefix, c.app], [
    "amqp://",
    "amq.topic",
    "",
    "Unknown",
  ]);
});

Deno.test("config: errors name the file, line and key, and never quote the file", () => {
  const bad = 'amqp_url = "amqp://u:s3cret@h/"\npublish_priority = = 3\n';
  const e = assertThrows(
    () => parseConfig(bad, "/x/c.toml"),
    UsageError,
    "/x/c.toml:2: invalid TOML",
  );
  assertNotIncludes(e.message, "s3cret");
  assertThrows(
    () => parseConfig("publish_priority = 300", "c.toml"),
    UsageError,
    "c.toml: publish_priority",
  );
  assertThrows(
    () => parseConfig("amqp_url = 5", "c.toml"),
    UsageError,
    "c.toml: amqp_url: must be a string",
  );
  assertThrows(() => parseConfig('amqp_url = "http://x"', "c.toml"), UsageError, "amqp://");
  assertThrows(() => parseConfig("tls = 1", "c.toml"), UsageError, "c.toml: tls: must be a table");
  assertThrows(
    () => parseConfig("[tls]\ncertfile = 1", "c.toml"),
    UsageError,
    "c.toml: tls.certfile",
  );
});

Deno.test("config: flags beat the environment, which beats the file", () => {
  const c = parseConfig('amqp_url = "amqp://a/"\ntopic_prefix = "p"', "c.toml");
  const env = (name: string) => ({ BUSMSG_TIMEOUT: "3" } as Record<string, string>)[name];
  const o = applyOverrides(c, { url: "amqps://b/", exchange: "ex", topicPrefix: "" }, env);
  assertEquals([o.amqpUrl, o.exchange, o.topicPrefix, o.timeoutMs], ["amqps://b/", "ex", "", 3000]);
  assertEquals(applyOverrides(c, { timeout: "0.5" }, env).timeoutMs, 500);
  assertThrows(() => parseTimeout("0", "--timeout"), UsageError, "--timeout");
  assertThrows(() => parseTimeout("abc", "--timeout"), UsageError, "--timeout");
});

Deno.test("config: passwords are redacted from URLs", () => {
  assertEquals(
    redactUrl("amqp://user:pw@host:5672/%2Fpubsub"),
    "amqp://user:***@host:5672/%2Fpubsub",
  );
  assertEquals(redactUrl("amqps://logging:@host/%2Fpubsub"), "amqps://logging@host/%2Fpubsub");
});
