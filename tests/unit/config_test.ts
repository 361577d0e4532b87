import { assertEquals, assertNotIncludes, assertRejects, assertThrows } from "../support/assert.ts";
import {
  applyOverrides,
  configSource,
  configWarnings,
  loadConfig,
  parseConfig,
  parseTimeout,
  redactUrl,
} from "../../lib/config.ts";
import { UsageError } from "../../lib/errors.ts";

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
  assertThrows(() => parseTimeout("2h", "--timeout"), UsageError, "from 0.001 to 3600 seconds");
  // The same grammar as every duration: units too.
  assertEquals(["6", "0.5", "30s", "2m", "1h"].map((t) => parseTimeout(t, "--timeout")), [
    6000,
    500,
    30_000,
    120_000,
    3_600_000,
  ]);
});

Deno.test("config: passwords are redacted from URLs", () => {
  assertEquals(
    redactUrl("amqp://user:pw@host:5672/%2Fpubsub"),
    "amqp://user:***@host:5672/%2Fpubsub",
  );
  assertEquals(redactUrl("amqps://logging:@host/%2Fpubsub"), "amqps://logging@host/%2Fpubsub");
});

Deno.test("config: every key fedora-messaging accepts is accepted, in any case", () => {
  const all = `
amqp_url = "amqp://h"
publish_exchange = "amq.topic"
topic_prefix = "p"
publish_priority = 3
passive_declares = true
callback = "x:y"
bindings = []
[exchanges."amq.topic"]
type = "topic"
[queues.q]
durable = true
[qos]
prefetch_count = 25
[monitoring]
port = 9000
[consumer_config]
x = 1
[log_config]
version = 1
[tls]
ca_cert = "/ca.pem"
[client_properties]
app = "a"
free_form = "any key goes here"
`;
  assertEquals(parseConfig(all, "c.toml").priority, 3);
  assertEquals(parseConfig('AMQP_URL = "amqp://h"', "c.toml").amqpUrl, "amqp://h");
});

Deno.test("config: an unknown key is refused, naming the file, the key and the valid keys", () => {
  assertThrows(
    () => parseConfig('amqp_ulr = "amqp://broker"', "/etc/c.toml"),
    UsageError,
    '/etc/c.toml: unknown configuration key "amqp_ulr" (did you mean "amqp_url"?); ' +
      "valid keys: amqp_url, client_properties, publish_exchange, topic_prefix, publish_priority, " +
      "passive_declares, exchanges, queues, bindings, qos, callback, monitoring, consumer_config, " +
      "tls, log_config",
  );
  assertThrows(
    () => parseConfig('[tls]\ncert_file = "/x.pem"', "/etc/c.toml"),
    UsageError,
    '/etc/c.toml: unknown configuration key "tls.cert_file" (did you mean "tls.certfile"?); ' +
      "valid keys in [tls]: ca_cert, certfile, keyfile",
  );
  assertThrows(
    () => parseConfig("frobnicate = 1", "c.toml"),
    UsageError,
    'key "frobnicate"; valid',
  );
});

Deno.test("config: one top-level key spelled twice (keys are case-insensitive) is an error naming both", () => {
  assertThrows(
    () => parseConfig('amqp_url = "amqp://a"\nAMQP_URL = "amqp://b"', "/etc/c.toml"),
    UsageError,
    '/etc/c.toml: duplicate key: "amqp_url" and "AMQP_URL" are the same key ' +
      "(top-level keys are case-insensitive); keep one",
  );
  assertThrows(
    () => parseConfig('Topic_Prefix = "a"\n[tls]\n[TLS]', "c.toml"),
    UsageError,
    'duplicate key: "tls" and "TLS"',
  );
});

Deno.test("config: amqps:/host (one slash) is refused; [tls] with amqp:// is a warning", () => {
  assertThrows(
    () => parseConfig('amqp_url = "amqps:/broker:5671/%2F"', "c.toml"),
    UsageError,
    "c.toml: amqp_url: needs two slashes after the scheme (amqps://HOST)",
  );
  const base = parseConfig("", "c.toml");
  assertThrows(() => applyOverrides(base, { url: "amqp:broker" }, () => undefined), UsageError);
  const plain = parseConfig('amqp_url = "amqp://b"\n[tls]\ncertfile = "/c.pem"', "c.toml");
  assertEquals(configWarnings(plain), [
    "warning: c.toml: [tls] is not used with an amqp:// URL (amqps:// uses it)",
  ]);
  assertEquals(configWarnings({ ...plain, amqpUrl: "amqps://b" }), []);
  assertEquals(configWarnings(base), []);
});

Deno.test("config: the source named in connection errors", () => {
  assertEquals(configSource(parseConfig("", "/etc/c.toml")), "config: /etc/c.toml");
  assertEquals(
    configSource({ ...parseConfig("", "x"), path: null }),
    "config: built-in defaults: no config file found",
  );
});

Deno.test("config: a URL query the AMQP client cannot use is a config error naming the parameter", () => {
  const url = (q: string) => `amqp_url = "amqp://u:s3cret@h/%2F?${q}"`;
  const cases: [string, string][] = [
    [
      "frameMax=abc",
      'query parameter "frameMax" must be 0 or an integer 4096..4294967295, got "abc"',
    ],
    ["frameMax=12abc", 'query parameter "frameMax" must be'],
    ["frameMax=100", 'query parameter "frameMax" must be'],
    ["frameMax=8192&frameMax=x", 'query parameter "frameMax" must be'],
    ["maxFrameSize=1", 'query parameter "maxFrameSize" must be'],
    ["channelMax=70000", 'query parameter "channelMax" must be an integer 0..65535, got "70000"'],
    ["heartbeat=-1", 'query parameter "heartbeat" must be a number of seconds 0..65535'],
    ["heartbeat=", 'query parameter "heartbeat" must be'],
    [`locale=${"x".repeat(256)}`, 'query parameter "locale" must be at most 255 bytes'],
    ["heartbeat_interval=3", 'unknown query parameter "heartbeat_interval" (known: channelMax,'],
    ["connection_attempts=0", 'query parameter "connection_attempts" must be a number from 1'],
    ["socket_timeout=soon", 'query parameter "socket_timeout" must be a number of seconds'],
    ["frame_max=100", 'query parameter "frame_max" must be 0 or an integer 4096..4294967295'],
  ];
  for (const [query, part] of cases) {
    const e = assertThrows(
      () => parseConfig(url(query), "c.toml"),
      UsageError,
      `c.toml: amqp_url: ${part}`,
    );
    assertNotIncludes(e.message, "s3cret");
  }
  assertThrows(
    () =>
      applyOverrides(parseConfig("", "c.toml"), { url: "amqp://h/?frameMax=abc" }, () => undefined),
    UsageError,
    '--url: query parameter "frameMax"',
  );
  const ok = "amqp://h/?frameMax=0&channelMax=2&heartbeat=30&locale=en_US&maxFrameSize=131072";
  assertEquals(parseConfig(`amqp_url = "${ok}"`, "c.toml").amqpUrl, ok);
  assertEquals(parseConfig(url("frameMax=4096"), "c.toml").amqpUrl.endsWith("4096"), true);
});

Deno.test("config: pika's URL parameters (a fedora-messaging amqp_url may hold them) are accepted", () => {
  const config = parseConfig(
    'amqp_url = "amqps://h/%2Fpubsub?connection_attempts=3&retry_delay=5&frame_max=8192' +
      '&channel_max=4&heartbeat=30&socket_timeout=2.5&ssl_options=x"',
    "c.toml",
  );
  // amqplib reads its own names only: pika's are renamed, or dropped when they mean nothing here.
  assertEquals(config.amqpUrl, "amqps://h/%2Fpubsub?frameMax=8192&channelMax=4&heartbeat=30");
  assertEquals(configWarnings(config), [
    'warning: c.toml: amqp_url parameter "connection_attempts" is pika\'s and not used by busmsg (--timeout bounds every step)',
    'warning: c.toml: amqp_url parameter "retry_delay" is pika\'s and not used by busmsg (--timeout bounds every step)',
    'warning: c.toml: amqp_url parameter "socket_timeout" is pika\'s and not used by busmsg (--timeout bounds every step)',
    'warning: c.toml: amqp_url parameter "ssl_options" is pika\'s and not used by busmsg (--timeout bounds every step)',
  ]);
  const flag = applyOverrides(
    parseConfig("", "c.toml"),
    { url: "amqp://h/?connection_attempts=2" },
    () => undefined,
  );
  assertEquals([flag.amqpUrl, flag.unusedUrlParameters], ["amqp://h/", ["connection_attempts"]]);
});

Deno.test("config: an empty FEDORA_MESSAGING_CONF is unset; an empty --conf is a usage error", async () => {
  const env = (name: string) => (name === "FEDORA_MESSAGING_CONF" ? "" : undefined);
  const missingDefault = !(await Deno.stat("/etc/fedora-messaging/config.toml").catch(() => null));
  if (missingDefault) assertEquals((await loadConfig({}, env)).path, null);
  await assertRejects(() => loadConfig({ conf: "" }, env), UsageError, "--conf: needs a path");
});

Deno.test("config: an exchange or topic prefix with a control character is refused, file or flag", () => {
  assertThrows(
    () => parseConfig('topic_prefix = "p\\u001b[31mx"', "c.toml"),
    UsageError,
    "c.toml: topic_prefix: contains the control character U+001B",
  );
  assertThrows(
    () => parseConfig('publish_exchange = "e\\nx"', "c.toml"),
    UsageError,
    "c.toml: publish_exchange: contains the control character U+000A",
  );
  const base = parseConfig("", "c.toml");
  const none = () => undefined;
  assertThrows(
    () => applyOverrides(base, { topicPrefix: "p\u001bx" }, none),
    UsageError,
    "--topic-prefix: contains the control character U+001B",
  );
  assertThrows(
    () => applyOverrides(base, { exchange: "e\u0007" }, none),
    UsageError,
    "--exchange: contains the control character U+0007",
  );
  assertEquals(
    applyOverrides(base, { topicPrefix: "org.fedoraproject.prod" }, none).topicPrefix,
    "org.fedoraproject.prod",
  );
});
