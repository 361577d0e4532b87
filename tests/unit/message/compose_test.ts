/**
 * A message from command-line options and fields: --severity and --priority in their words,
 * logging.stats bodies completed (host first, the family's severity), and every problem a usage
 * error before anything connects.
 */
import { assertEquals } from "../../support/assert.ts";
import {
  defaultsFor,
  messageFromFields,
  parsePriority,
  parseSeverity,
} from "../../../lib/message/compose.ts";
import type { Defaults } from "../../../lib/message/message.ts";
import { UsageError } from "../../../lib/errors.ts";

const DEFAULTS: Defaults = {
  sentAt: "2026-12-06T03:00:00+00:00",
  newId: () => "id-1",
  priority: undefined,
  topicPrefix: "org.fedoraproject.prod",
  frameMax: 131072,
};

/** A skipped proxy, without the host (which compose adds). */
const SKIP = { run_id: "r1", synced_host: "proxy01", reason: "timed out" };

function usageError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error("no usage error");
}

Deno.test("compose: --severity by number or level name; anything else a usage error", () => {
  assertEquals(
    ["10", "info", "WARNING", "error", undefined].map(parseSeverity),
    [10, 20, 30, 40, undefined],
  );
  assertEquals(
    usageError(() => parseSeverity("critical")),
    '--severity: must be debug (10), info (20), warning (30) or error (40), got "critical"',
  );
  assertEquals(usageError(() => parseSeverity("25")).endsWith('got "25"'), true);
});

Deno.test("compose: --priority is an integer 0..255", () => {
  assertEquals(["0", "255", undefined].map(parsePriority), [0, 255, undefined]);
  for (const bad of ["256", "-1", "1.5", "", "x"]) {
    assertEquals(
      usageError(() => parsePriority(bad)),
      `--priority: must be an integer 0..255, got "${bad}"`,
    );
  }
});

Deno.test("compose: a logging.stats body gets the host first and its family's severity", () => {
  const m = messageFromFields(
    { topic: "logging.stats.sync.host.skip", body: SKIP },
    DEFAULTS,
    "log01.example.org",
  );
  assertEquals(Object.keys(m.body), ["host", "run_id", "synced_host", "reason"]);
  assertEquals(m.body["host"], "log01.example.org");
  assertEquals(m.headers["fedora_messaging_severity"], 30);
  assertEquals([m.id, m.topic], ["id-1", "logging.stats.sync.host.skip"]);
});

Deno.test("compose: the caller's host and severity win; other topics are left as given", () => {
  const m = messageFromFields(
    {
      topic: "logging.stats.sync.host.skip",
      body: { host: "mine", ...SKIP },
      headers: { fedora_messaging_severity: 20 },
    },
    DEFAULTS,
    "log01.example.org",
  );
  assertEquals([m.body["host"], m.headers["fedora_messaging_severity"]], ["mine", 20]);
  const plain = messageFromFields({ topic: "test", body: { a: 1 } }, DEFAULTS, "h");
  assertEquals(plain.body, { a: 1 });
});

Deno.test("compose: a problem is a usage error naming the topic, quoted when it holds a control character", () => {
  const missing = usageError(() =>
    messageFromFields({ topic: "logging.stats.sync.host.skip", body: {} }, DEFAULTS, "h")
  );
  assertEquals(missing.startsWith("logging.stats.sync.host.skip: "), true, missing);
  assertEquals(missing.includes("body.run_id"), true, missing);
  const forged = usageError(() => messageFromFields({ topic: "a\nb", body: {} }, DEFAULTS, "h"));
  assertEquals(forged.startsWith('"a\\nb": '), true, forged);
});

Deno.test("compose: defaults from the three config fields they use", () => {
  const d = defaultsFor({ priority: 3, topicPrefix: "p", amqpUrl: "amqp://h/?frameMax=8192" });
  assertEquals([d.priority, d.topicPrefix, d.frameMax], [3, "p", 8192]);
  assertEquals(d.newId() === d.newId(), false);
  assertEquals(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(d.sentAt), true, d.sentAt);
});
