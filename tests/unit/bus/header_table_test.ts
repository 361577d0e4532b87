import { assert, assertEquals } from "../../support/assert.ts";
import { decodeProperties } from "../../../lib/bus/header_table.ts";
import { dumps, PyFloat } from "../../../lib/message/pyjson.ts";
import { deepTable, field, properties, table } from "../../support/raw_publish.ts";

const headersOf = (t: Uint8Array) => decodeProperties(properties(t, "m1"));

Deno.test("header table: 64-bit integers exact, decimals and timestamps in JSON shapes, bytes never decoded lossily", () => {
  const got = headersOf(table([
    ["big", field.long(2n ** 62n)],
    ["odd", field.long(2n ** 53n + 1n)],
    ["small", field.long(-5n)],
    ["int", field.int(-7)],
    ["price", field.decimal(2, 1234)],
    ["tiny", field.decimal(3, -5)],
    ["when", field.timestamp(0n)],
    ["text", field.string("héllo")],
    ["raw", field.bytes(Uint8Array.of(0xff))],
    ["nested", field.table(table([["x", field.long(2n ** 63n - 1n)]]))],
  ]));
  assertEquals(got.problem, undefined);
  assertEquals(got.properties, {
    contentType: "application/json",
    deliveryMode: 2,
    messageId: "m1",
  });
  assertEquals(
    dumps(got.headers!, { ensureAscii: false }),
    '{"big": 4611686018427387904, "odd": 9007199254740993, "small": -5, "int": -7, ' +
      '"price": 12.34, "tiny": -0.005, "when": "1970-01-01T00:00:00+00:00", "text": "héllo", ' +
      '"raw": "/w==", "nested": {"x": 9223372036854775807}}',
  );
  assert(got.headers!["price"] instanceof PyFloat);
  assertEquals(got.notes, {
    "headers.when": "AMQP timestamp: written as ISO 8601 UTC",
    "headers.raw": "byte array not UTF-8: base64 of the bytes as sent",
  });
});

Deno.test("header table: nesting deeper than 64 levels is skipped by its length, never walked; the properties after it still decode", () => {
  for (const depth of [65, 3000, 15000, 100_000]) {
    const got = headersOf(table([["ok", field.int(1)], ["deep", field.table(deepTable(depth))]]));
    assertEquals(got.problem, `headers${".deep" + ".a".repeat(63)}: nested deeper than 64 levels`);
    assertEquals(got.headers!["ok"], 1);
    assertEquals(got.properties["messageId"], "m1", `${depth}`);
  }
  assertEquals(headersOf(table([["deep", field.table(deepTable(62))]])).problem, undefined);
});

Deno.test("header table: truncated or unknown field types end decoding with a reason, never a throw", () => {
  const t = table([["a", field.int(1)], ["b", field.string("x")]]);
  const cut = properties(t, "m1").subarray(0, 30);
  assertEquals(decodeProperties(cut).problem?.endsWith("truncated"), true);
  const odd = table([["a", ["Z", Uint8Array.of(1)]]]);
  assertEquals(headersOf(odd).problem, 'headers.a: unknown field type "Z"');
  assertEquals(headersOf(odd).headers, { a: null });
  assertEquals(decodeProperties(new Uint8Array()).problem, "property flags: truncated");
});

Deno.test("header table: decoding cost stays small next to a synced write (fedora-messaging's three headers)", () => {
  const props = properties(
    table([
      ["fedora_messaging_schema", field.string("base.message")],
      ["fedora_messaging_severity", field.int(20)],
      ["sent-at", field.string("2026-12-06T00:00:00+00:00")],
    ]),
    "6f4dfec9-80d7-49e6-80e0-f2357b63422c",
  );
  const n = 20_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) decodeProperties(props);
  const perMessageUs = (performance.now() - started) * 1000 / n;
  console.log(`decodeProperties: ${perMessageUs.toFixed(2)} µs per content header`);
  // Measured ~2 µs here; an fsync is milliseconds. A generous bound for a loaded machine.
  assert(perMessageUs < 100, `${perMessageUs} µs per header`);
});

Deno.test("header table: a key that is not UTF-8 is kept by its bytes, with a note; the rest still decodes", () => {
  const key = [2, 0xff, 0xfe];
  const got = decodeProperties(properties(Uint8Array.of(...key, 0x49, 0, 0, 0, 7), "m1"));
  assertEquals(got.problem, undefined);
  assertEquals(got.headers, { "//4=": 7 });
  assertEquals(got.notes, { "headers.//4=": "key not UTF-8: base64 of the bytes as sent" });
  assertEquals(got.properties["messageId"], "m1");
});

Deno.test("header table: a leading U+FEFF is kept in keys, values and ids (a BOM key never overwrites the plain one)", () => {
  const got = decodeProperties(properties(
    table([["a", field.string("plain")], ["\ufeffa", field.string("\ufeffbom")]]),
    "\ufeffm1",
  ));
  assertEquals(got.problem, undefined);
  assertEquals(got.headers, { a: "plain", "\ufeffa": "\ufeffbom" });
  assertEquals(got.properties["messageId"], "\ufeffm1");
  assertEquals(got.notes, {});
});

Deno.test("header table: a property that is not UTF-8 is kept as base64 with a note; headers and id still decode", () => {
  const got = decodeProperties(
    properties(table([["x", field.int(1)]]), "m1", Uint8Array.of(0x61, 0xff)),
  );
  assertEquals(got.problem, undefined);
  assertEquals(got.properties, { contentType: "Yf8=", deliveryMode: 2, messageId: "m1" });
  assertEquals(got.headers, { x: 1 });
  assertEquals(got.notes, {
    "properties.contentType": "property not UTF-8: base64 of the bytes as sent",
  });
});
