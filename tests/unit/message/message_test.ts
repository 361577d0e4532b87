import { utf8Length } from "../../../lib/text/utf8.ts";
import { assert, assertEquals } from "../../support/assert.ts";
import {
  type Defaults,
  formatSentAt,
  parseDumpLine,
  type Problem,
  routingKey,
  stripPrefix,
  toDumpLine,
} from "../../../lib/message/message.ts";
import { SEED_LINE } from "../../support/fixtures.ts";

const defaults: Defaults = {
  sentAt: formatSentAt(new Date("2026-11-28T10:11:12.345Z")),
  newId: () => "00000000-0000-4000-8000-000000000001",
  topicPrefix: "",
};

function problems(line: string, d: Defaults = defaults): Problem[] {
  return parseDumpLine(line, d).problems;
}

Deno.test("the seed's line keeps its id, sent-at and header order; the client's headers follow", () => {
  const { message } = parseDumpLine(SEED_LINE, defaults);
  assert(message);
  assertEquals(message.id, "6f4dfec9-80d7-49e6-80e0-f2357b63422c");
  assertEquals(message.topic, "test");
  assertEquals(message.priority, 0);
  assertEquals(Object.entries(message.headers), [
    ["fedora_messaging_schema", "base.message"],
    ["fedora_messaging_severity", 20],
    ["sent-at", "2021-07-21T12:23:12+00:00"],
    ["fedora_messaging_schema_package", "fedora_messaging"],
    ["priority", 0],
  ]);
});

Deno.test("a minimal line gets the Python client's defaults in its order", () => {
  const { message } = parseDumpLine('{"topic": "t", "body": {}}', { ...defaults, priority: 5 });
  assert(message);
  assertEquals(message.id, "00000000-0000-4000-8000-000000000001");
  assertEquals(message.priority, 5);
  assertEquals(Object.entries(message.headers), [
    ["fedora_messaging_schema", "base.message"],
    ["fedora_messaging_schema_package", "fedora_messaging"],
    ["sent-at", "2026-11-28T10:11:12+00:00"],
    ["fedora_messaging_severity", 20],
    ["priority", 5],
  ]);
});

Deno.test("an unknown schema name is rewritten to base.message, as the client does", () => {
  const { message } = parseDumpLine(
    '{"topic": "t", "body": {}, "headers": {"fedora_messaging_schema": "x.y"}}',
    defaults,
  );
  assertEquals(message?.headers["fedora_messaging_schema"], "base.message");
});

Deno.test("envelope errors name the field", () => {
  const cases: [string, string, string][] = [
    ["", "line", "is blank"],
    ["{bad", "json", "invalid JSON"],
    ["[1]", "line", "must be a JSON object"],
    ['{"body": {}}', "topic", "is required"],
    ['{"topic": "t"}', "body", "is required"],
    ['{"topic": 5, "body": {}}', "topic", "must be a string"],
    ['{"topic": "t", "body": []}', "body", "must be a JSON object"],
    ['{"topic": "t", "body": "x"}', "body", "must be a JSON object"],
    ['{"topic": "", "body": {}}', "topic", "must not be empty"],
    [`{"topic": "${"a".repeat(256)}", "body": {}}`, "topic", "longer than 255 bytes"],
    ['{"topic": "t", "body": {}, "id": 5}', "id", "must be a string"],
    ['{"topic": "t", "body": {}, "priority": 256}', "priority", "0..255"],
    ['{"topic": "t", "body": {}, "priority": 1.5}', "priority", "0..255"],
    ['{"topic": "t", "body": {}, "queue": 3}', "queue", "string or null"],
    ['{"topic": "t", "body": {}, "headers": []}', "headers", "must be a JSON object"],
    [
      '{"topic": "t", "body": {}, "headers": {"fedora_messaging_severity": 20.0}}',
      "headers.fedora_messaging_severity",
      "integers",
    ],
    [
      '{"topic": "t", "body": {}, "headers": {"fedora_messaging_severity": 25}}',
      "headers.fedora_messaging_severity",
      "integers",
    ],
    [
      '{"topic": "t", "body": {}, "headers": {"fedora_messaging_severity": "20"}}',
      "headers.fedora_messaging_severity",
      "integers",
    ],
    [
      '{"topic": "t", "body": {}, "headers": {"sent-at": 5}}',
      "headers.sent-at",
      "must be a string",
    ],
    [
      '{"topic": "t", "body": {}, "headers": {"sent-at": "yesterday"}}',
      "headers.sent-at",
      "ISO 8601",
    ],
    [
      '{"topic": "t", "body": {}, "headers": {"fedora_messaging_schema": 1}}',
      "headers.fedora_messaging_schema",
      "must be a string",
    ],
    ['{"topic": "t", "body": {}, "headers": {"x": 1.5}}', "headers.x", "float"],
    ['{"topic": "t", "body": {}, "headers": {"x": 12345678901234567890}}', "headers.x", "64 bits"],
  ];
  for (const [line, field, part] of cases) {
    const found = problems(line);
    assert(found.length > 0, `no problem for ${line}`);
    assertEquals(found[0]!.field, field, line);
    assert(found[0]!.message.includes(part), `${line}: ${found[0]!.message}`);
  }
});

Deno.test("a topic with a control character (C0, DEL, C1) is refused; other characters are not", () => {
  for (
    const [c, name] of [
      ["\n", "U+000A"],
      ["\x1b", "U+001B"],
      ["\x7f", "U+007F"],
      ["\x85", "U+0085"],
      ["\x9f", "U+009F"],
      ["\0", "U+0000"],
    ]
  ) {
    const line = JSON.stringify({ topic: `a${c}b`, body: {} });
    assertEquals(problems(line), [
      { field: "topic", message: `contains the control character ${name}` },
    ]);
  }
  for (const topic of ["a\u00a0b", "é.ü", "a b", "a~b"]) {
    assertEquals(problems(JSON.stringify({ topic, body: {} })), [], topic);
  }
});

Deno.test("values busmsg cannot carry exactly are refused, naming the field", () => {
  const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
  const cases: [string, string, string][] = [
    ['{"topic": "t", "body": {"x": 1e400}}', "body.x", "number out of range"],
    ['{"topic": "t", "body": {"x": {"y": [1, -2.5e999]}}}', "body.x.y[1]", "number out of range"],
    ['{"topic": "t", "body": {"x": "a\\ud800"}}', "body.x", "lone surrogate (\\ud800)"],
    ['{"topic": "t", "body": {"x": "\\udc00\\ud83d"}}', "body.x", "lone surrogate (\\udc00)"],
    ['{"topic": "t", "body": {"\\ud800": 1}}', 'body."\\ud800"', "key contains a lone"],
    ['{"topic": "t\\ud800", "body": {}}', "topic", "lone surrogate"],
    ['{"topic": "t", "body": {}, "id": "\\ud800"}', "id", "lone surrogate"],
    ['{"topic": "t", "body": {}, "headers": {"h": ["\\ud800"]}}', "headers.h[0]", "lone"],
    ['{"topic": "t", "body": {}, "id": null}', "id", "must be a string, got null"],
    ['{"topic": "t", "body": {}, "headers": null}', "headers", "must be a JSON object, got null"],
    [
      `{"topic": "t", "body": {}, "headers": {"h": {"${"k".repeat(256)}": 1}}}`,
      "headers.h",
      "key longer than 255 bytes",
    ],
    [`{"topic": "t", "body": {"a": ${deep(64)}}}`, "body.a", "deeper than 64 levels"],
    [`{"topic": "t", "body": {}, "headers": {"h": ${deep(10_000)}}}`, "headers.h", "deeper"],
    [`{"topic": "t", "body": {"a": [${deep(100_000)}, 1.5]}}`, "json", "nested too deeply"],
  ];
  for (const [line, field, part] of cases) {
    const found = problems(line);
    assertEquals(found.length, 1, `${line.slice(0, 80)}: ${JSON.stringify(found).slice(0, 200)}`);
    assertEquals(found[0]!.field, field, line.slice(0, 80));
    assert(found[0]!.message.includes(part), `${line.slice(0, 80)}: ${found[0]!.message}`);
  }
  // At the limit, and a surrogate pair, are fine.
  assert(parseDumpLine(`{"topic": "t", "body": {"a": ${deep(63)}}}`, defaults).message);
  assert(parseDumpLine('{"topic": "t", "body": {"x": "\\ud83d\\ude00"}}', defaults).message);
});

Deno.test("every envelope problem of a line is reported, not just the first", () => {
  const found = problems('{"topic": 1, "body": [], "id": 2}');
  assertEquals(found.map((p) => p.field), ["topic", "body", "id"]);
});

Deno.test("unknown keys and a null queue or priority are accepted", () => {
  const { message } = parseDumpLine(
    '{"topic": "t", "body": {}, "queue": null, "priority": null, "x": 1}',
    defaults,
  );
  assertEquals(message?.priority, 0);
});

Deno.test("the routing key joins the prefix without its trailing dots", () => {
  assertEquals(routingKey("", "test"), "test");
  assertEquals(routingKey("org.fedoraproject.stg", "test"), "org.fedoraproject.stg.test");
  assertEquals(routingKey("org.fedoraproject.stg..", "test"), "org.fedoraproject.stg.test");
  assertEquals(
    stripPrefix("org.fedoraproject.prod.", "org.fedoraproject.prod.logging.stats.x"),
    "logging.stats.x",
  );
  assertEquals(stripPrefix("org.fedoraproject.prod", "logging.stats.x"), "logging.stats.x");
  const long = problems(`{"topic": "${"a".repeat(250)}", "body": {}}`, {
    ...defaults,
    topicPrefix: "org.x",
  });
  assertEquals(long[0]?.field, "topic");
});

Deno.test("sent-at is UTC, whole seconds, +00:00", () => {
  assertEquals(formatSentAt(new Date("2021-07-21T12:23:12.999Z")), "2021-07-21T12:23:12+00:00");
});

Deno.test("dump lines are written as fedora-messaging record writes them", () => {
  const { message } = parseDumpLine('{"topic": "t", "body": {"z": "é", "a": 1.0}}', defaults);
  assert(message);
  assertEquals(
    toDumpLine(message),
    '{"body": {"a": 1.0, "z": "é"}, "headers": {"fedora_messaging_schema": "base.message", ' +
      '"fedora_messaging_schema_package": "fedora_messaging", "fedora_messaging_severity": 20, ' +
      '"priority": 0, "sent-at": "2026-11-28T10:11:12+00:00"}, "id": "00000000-0000-4000-8000-000000000001", ' +
      '"priority": 0, "queue": null, "topic": "t"}',
  );
  // A dump line reads back to the same message.
  const again = parseDumpLine(toDumpLine(message), defaults).message;
  assertEquals(toDumpLine(again!), toDumpLine(message));
});

Deno.test("utf8Length counts bytes as TextEncoder does", () => {
  for (const s of ["", "abc", "é", "€", "😀", "a😀é€\u0000", "\ud800"]) {
    assertEquals(utf8Length(s), new TextEncoder().encode(s).length, JSON.stringify(s));
  }
});
