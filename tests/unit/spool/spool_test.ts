import { assertEquals } from "../../support/assert.ts";
import { fromSpoolLine, toSpoolLine } from "../../../lib/spool/record.ts";
import { ownershipProblem } from "../../../lib/spool/safety.ts";
import { defaultSpoolDir } from "../../../lib/spool/spool.ts";
import { complete } from "../../../lib/message/message.ts";

const defaults = { sentAt: "2026-11-28T00:00:00+00:00", newId: () => "new", topicPrefix: "" };

Deno.test("a spool line is a dump line with its destination first, read back whole", () => {
  const message = complete({ topic: "a.b", body: { x: 1 }, id: "id1" }, defaults);
  const line = toSpoolLine(message, {
    exchange: "amq.topic",
    routingKey: "org.fedoraproject.stg.a.b",
  });
  assertEquals(
    line.slice(0, 96),
    '{"busmsg_destination": {"exchange": "amq.topic", "routing_key": "org.fedoraproject.stg.a.b"}, "b',
  );
  const back = fromSpoolLine(line, { ...defaults, topicPrefix: "org.fedoraproject.prod" });
  assertEquals(back.message, message);
  assertEquals(back.destination, {
    exchange: "amq.topic",
    routingKey: "org.fedoraproject.stg.a.b",
  });
});

Deno.test("a spool line without a destination (older busmsg) has none; a malformed one is a problem", () => {
  const old = fromSpoolLine('{"topic": "a.b", "body": {}, "id": "i"}', defaults);
  assertEquals([old.message?.topic, old.destination], ["a.b", undefined]);
  const bad = fromSpoolLine(
    '{"busmsg_destination": {"exchange": 1}, "topic": "a.b", "body": {}}',
    defaults,
  );
  assertEquals(bad.problems?.[0]?.field, "busmsg_destination");
});

Deno.test("ownership rule: owner this user or root; not writable by group or others, but a sticky parent may be", () => {
  assertEquals(ownershipProblem("/s", { uid: 1000, mode: 0o40700 }, 1000, false), undefined);
  assertEquals(ownershipProblem("/s", { uid: 0, mode: 0o40755 }, 1000, false), undefined);
  assertEquals(
    ownershipProblem("/s", { uid: 1001, mode: 0o40700 }, 1000, false),
    "/s is owned by uid 1001, not by this user (uid 1000) or root",
  );
  assertEquals(
    ownershipProblem("/s", { uid: 1000, mode: 0o40770 }, 1000, false),
    "/s is writable by group or others (mode 0770)",
  );
  assertEquals(ownershipProblem("/tmp", { uid: 0, mode: 0o41777 }, 1000, true), undefined);
  assertEquals(
    ownershipProblem("/tmp", { uid: 0, mode: 0o41777 }, 1000, false),
    "/tmp is writable by group or others (mode 1777)",
  );
});

Deno.test("the default spool never falls back to a shared directory", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const nobody = () => undefined;
  assertEquals(defaultSpoolDir(env({}), 0, nobody), { dir: "/var/spool/busmsg" });
  assertEquals(defaultSpoolDir(env({}), 1000, () => 1000), { dir: "/var/spool/busmsg" });
  assertEquals(defaultSpoolDir(env({ HOME: "/home/u" }), 1000, () => 0), {
    dir: "/home/u/.local/state/busmsg/spool",
  });
  assertEquals(defaultSpoolDir(env({ XDG_STATE_HOME: "/st", HOME: "/h" }), 1000, nobody), {
    dir: "/st/busmsg/spool",
  });
  const none = defaultSpoolDir(env({}), 1000, nobody);
  assertEquals(none.dir, undefined);
  assertEquals(
    none.problem,
    "no spool directory: neither HOME nor XDG_STATE_HOME is set (give --spool-dir or BUSMSG_SPOOL_DIR)",
  );
});
