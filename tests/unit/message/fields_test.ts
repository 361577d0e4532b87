import { assertEquals, assertThrows } from "../../support/assert.ts";
import { UsageError } from "../../../lib/errors.ts";
import { parseField, parseFields } from "../../../lib/message/fields.ts";
import { dumps, PyFloat } from "../../../lib/message/pyjson.ts";

Deno.test("fields: strings are exact, whatever they hold", () => {
  assertEquals(parseField('s=a "b" \\c\n\td é'), ["s", 'a "b" \\c\n\td é']);
  assertEquals(parseField("empty="), ["empty", ""]);
  assertEquals(parseField("eq=a=b"), ["eq", "a=b"]);
  assertEquals(parseField("url:str=http://x"), ["url", "http://x"]);
  // A key that holds a colon names its type, so that a typo in a type is never part of a key.
  assertEquals(parseField("a:b:str=1"), ["a:b", "1"]);
  assertEquals(parseField("a:b:int=1"), ["a:b", 1]);
});

Deno.test("fields: an unknown type is an error naming the allowed ones", () => {
  for (const word of ["a:integer=1", "a:b=1", "a:=1", "time:12:30=x"]) {
    assertThrows(() => parseField(word), UsageError, "types: str, int, float, bool, json");
  }
  assertThrows(
    () => parseField("a:integer=1"),
    UsageError,
    'field "a:integer=1": unknown type "integer"',
  );
});

Deno.test("fields: typed values", () => {
  assertEquals(parseField("n:int=-42"), ["n", -42]);
  assertEquals(parseField("n:int=123456789012345678901"), ["n", 123456789012345678901n]);
  assertEquals(parseField("f:float=2"), ["f", new PyFloat(2)]);
  assertEquals(parseField("f:float=1e-5"), ["f", new PyFloat(1e-5)]);
  assertEquals(parseField("b:bool=Yes"), ["b", true]);
  assertEquals(parseField("b:bool=0"), ["b", false]);
  assertEquals(
    dumps(parseFields(['j:json={"a": [1, 2.0, null]}'])),
    '{"j": {"a": [1, 2.0, null]}}',
  );
});

Deno.test("fields: bad values are usage errors naming the field", () => {
  assertThrows(() => parseField("n:int=abc"), UsageError, 'field "n": not an integer, got "abc"');
  assertThrows(() => parseField("n:int=1.5"), UsageError, "not an integer");
  assertThrows(() => parseField("f:float=inf"), UsageError, "not a finite number");
  assertThrows(() => parseField("f:float=nan"), UsageError, "not a finite number");
  assertThrows(() => parseField("f:float=1e400"), UsageError, 'not a finite number, got "1e400"');
  assertThrows(() => parseField("b:bool=maybe"), UsageError, "not a boolean");
  assertThrows(() => parseField("j:json={"), UsageError, "not valid JSON");
  assertThrows(() => parseField("novalue"), UsageError, "expected KEY[:TYPE]=VALUE");
  assertThrows(() => parseField("=v"), UsageError, "the key is empty");
  assertThrows(
    () => parseFields(["a=1", "a:int=2"]),
    UsageError,
    'field "a" is given more than once',
  );
});
