import { assert, assertEquals } from "../../support/assert.ts";
import { fitDumpLine } from "../../../lib/message/fit_line.ts";
import { toDumpLine } from "../../../lib/message/message.ts";
import type { Message } from "../../../lib/message/message.ts";

const message = (body: Message["body"]): Message => ({
  topic: "logging.stats.sync.host.logdate.fail.final",
  body,
  headers: {},
  id: "m1",
  priority: 0,
});

Deno.test("fitDumpLine: a short line as it is; the longest strings cut, with a note, to fit", () => {
  const short = message({ reason: "Error code: 23" });
  assertEquals(fitDumpLine(short, 1000), toDumpLine(short));
  const long = message({ reason: "r".repeat(5000), other: "o".repeat(3000), host: "h" });
  const line = fitDumpLine(long, 4000)!;
  assert(new TextEncoder().encode(line).length <= 4000, `${line.length}`);
  const parsed = JSON.parse(line);
  assertEquals(parsed.body.host, "h");
  assert(parsed.body.reason.endsWith(" [cut]"));
  assertEquals(
    parsed.header_notes["body.reason"],
    "string of 5000 bytes cut to fit a line of 4000 bytes",
  );
  // Control characters are 6 bytes each in the line: still fits, never half a surrogate pair.
  const wide = fitDumpLine(message({ reason: "\x01😀".repeat(3000) }), 4000)!;
  assert(new TextEncoder().encode(wide).length <= 4000);
  assert(JSON.parse(wide).body.reason.isWellFormed());
  // Many small fields: nothing to cut, not a line.
  const keys = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, "v"]));
  assertEquals(fitDumpLine(message(keys), 4000), undefined);
});
