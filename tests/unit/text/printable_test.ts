import { assertEquals } from "../../support/assert.ts";
import { printable } from "../../../lib/text/printable.ts";
import { prettyLine } from "../../../lib/commands/listen.ts";

Deno.test("printable: C0, DEL and C1 control characters are shown escaped, the rest as is", () => {
  assertEquals(printable("\x1b]0;owned\x07"), "\\x1b]0;owned\\x07");
  assertEquals(printable("a\nb\tc\rd\x00"), "a\\x0ab\\x09c\\x0dd\\x00");
  assertEquals(printable("\x7f\x80\x9b2J\x9f"), "\\x7f\\x80\\x9b2J\\x9f");
  assertEquals(printable("café ☃ \u00a0 ok"), "café ☃ \u00a0 ok");
});

Deno.test("listen --pretty: control characters from the bus (topic, fields) reach no terminal raw", () => {
  const line = prettyLine({
    topic: "logging.stats.\x1b]0;owned\x07x",
    body: { run_id: "r\x9b2J", reason: "a\x1b[2Jb" },
    headers: { "sent-at": "2026-11-29T05:00:00+00:00", fedora_messaging_severity: 20 },
    id: "i",
    priority: 0,
  });
  assertEquals(
    line,
    "2026-11-29T05:00:00+00:00 INFO    logging.stats.\\x1b]0;owned\\x07x run_id=r\\x9b2J " +
      "reason=a\\x1b[2Jb",
  );
});
