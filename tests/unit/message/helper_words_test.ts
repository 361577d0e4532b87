import { assertEquals, assertThrows } from "../../support/assert.ts";
import { helperBody, helperWord } from "../../../lib/message/helper_words.ts";
import { dumps } from "../../../lib/message/pyjson.ts";

Deno.test("helper words: key before = then before :, bare words are their own value, :int unquoted", () => {
  assertEquals(helperWord("loghost=log01"), ["loghost", "log01"]);
  assertEquals(helperWord("--rawdb"), ["--rawdb", "--rawdb"]);
  assertEquals(helperWord("2026-12-07 update"), ["2026-12-07 update", "2026-12-07 update"]);
  // A bare word with a colon: the key is cut there, the value is the whole word.
  assertEquals(helperWord("10:00:00"), ["10", "10:00:00"]);
  assertEquals(helperWord("host:port=db:5432"), ["host", "db:5432"]);
  assertEquals(helperWord("ratio:float=1.5"), ["ratio", "1.5"]);
  assertEquals(helperWord("a:b:c=d"), ["a", "d"]);
  assertEquals(helperWord("files:int=3"), ["files", 3]);
  assertEquals(helperWord("n:int= -2"), ["n", -2]);
  assertEquals(helperWord("result="), ["result", ""]);
  assertEquals(helperWord("=x"), ["", "x"]);
  assertEquals(helperWord("tab=a\tb"), ["tab", "a\tb"]);
  assertThrows(() => helperWord("n:int=abc"), Error, '"abc" after :int is no JSON value');
  assertThrows(() => helperWord("n:int="), Error, "after :int is no JSON value");
});

Deno.test("helper body: the last word of a key wins in the first one's place; __proto__ is a key", () => {
  const body = helperBody(["a=1", "b=2", "a=3", "__proto__=x", "--v", "--v"]);
  assertEquals(dumps(body), '{"a": "3", "b": "2", "__proto__": "x", "--v": "--v"}');
  assertEquals(Object.getPrototypeOf(body), Object.prototype);
});
