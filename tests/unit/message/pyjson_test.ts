import { assertEquals, assertThrows } from "../../support/assert.ts";
import { dumps, formatFloat, parseJson, PyFloat } from "../../../lib/message/pyjson.ts";

Deno.test("dumps matches Python's json.dumps separators and ASCII escaping", () => {
  assertEquals(dumps({ test_key1: "test_value1" }), '{"test_key1": "test_value1"}');
  assertEquals(dumps({ a: [1, true, null], b: {} }), '{"a": [1, true, null], "b": {}}');
  assertEquals(dumps('é\u00e9\n\t"\\\x01\x7f'), '"\\u00e9\\u00e9\\n\\t\\"\\\\\\u0001\\u007f"');
  // Above U+FFFF Python writes the surrogate pair.
  assertEquals(dumps("😀"), '"\\ud83d\\ude00"');
  assertEquals(dumps([]), "[]");
});

Deno.test("dumps without ensureAscii keeps UTF-8, escapes C0, DEL and C1 (terminal-safe)", () => {
  assertEquals(
    dumps("é😀\x7f\x1f\u009b\u00a0", { ensureAscii: false }),
    '"é😀\\u007f\\u001f\\u009b\u00a0"',
  );
});

Deno.test("sortKeys sorts every level by code point", () => {
  assertEquals(
    dumps({ b: 1, a: { d: 1, c: 2 } }, { sortKeys: true }),
    '{"a": {"c": 2, "d": 1}, "b": 1}',
  );
  // U+FF5E sorts before U+1F600 by code point, after it by UTF-16 unit.
  assertEquals(
    dumps({ "😀": 1, "～": 2 }, { sortKeys: true }),
    '{"\\uff5e": 2, "\\ud83d\\ude00": 1}',
  );
});

Deno.test("floats are written as Python's repr(float)", () => {
  const cases: [number, string][] = [
    [1, "1.0"],
    [1.5, "1.5"],
    [-0, "-0.0"],
    [0, "0.0"],
    [1e16, "1e+16"],
    [1.5e16, "1.5e+16"],
    [123456789012345.6, "123456789012345.6"],
    [1e-4, "0.0001"],
    [1.5e-5, "1.5e-05"],
    [0.1, "0.1"],
    [1e22, "1e+22"],
    [5e-324, "5e-324"],
    [100000, "100000.0"],
  ];
  for (const [x, want] of cases) assertEquals(formatFloat(x), want, String(x));
});

Deno.test("parseJson keeps floats, big integers and plain integers apart", () => {
  const v = parseJson('{"f": 1.0, "e": 1E5, "i": 7, "big": 123456789012345678901, "s": "1.0"}');
  assertEquals(
    dumps(v),
    '{"f": 1.0, "e": 100000.0, "i": 7, "big": 123456789012345678901, "s": "1.0"}',
  );
  assertEquals(parseJson("[2.50]"), [new PyFloat(2.5)]);
  assertEquals(parseJson("-0"), -0);
  assertEquals(dumps(parseJson("-0")), "0");
  assertThrows(() => parseJson("{bad"), SyntaxError);
  assertThrows(() => parseJson("NaN"), SyntaxError);
});
