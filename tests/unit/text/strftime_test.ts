import { assertEquals, assertThrows } from "../../support/assert.ts";
import { strftime } from "../../../lib/text/strftime.ts";
import { UsageError } from "../../../lib/errors.ts";

Deno.test("strftime: the fields of a log path, in UTC", () => {
  const at = new Date("2026-03-01T04:05:06Z");
  assertEquals(strftime("/var/log/busmsg/%Y-%m-%d.jsonl", at), "/var/log/busmsg/2026-03-01.jsonl");
  assertEquals(strftime("%F/%H%M%S-%j-100%%", at), "2026-03-01/040506-060-100%");
  assertEquals(strftime("no fields", at), "no fields");
  assertThrows(() => strftime("/x/%Y-%b.jsonl", at), UsageError, 'unknown field "%b"');
  assertThrows(() => strftime("/x/trailing%", at), UsageError, 'unknown field "%"');
});
