import { assertEquals, assertThrows } from "../../support/assert.ts";
import { formatAge, parseDuration } from "../../../lib/text/duration.ts";
import { exitCodeFor, worst } from "../../../lib/text/nagios.ts";
import { UsageError } from "../../../lib/errors.ts";
import { judgeLocation, judgeSpool, spoolCheck } from "../../../lib/commands/spool.ts";
import type { SpoolCount, SpoolSummary } from "../../../lib/spool/spool.ts";
import {
  clearFailure,
  recentFailure,
  recordFailure,
  stateFile,
  unreachable,
} from "../../../lib/spool/failfast.ts";
import { DeliveryError } from "../../../lib/errors.ts";

Deno.test("duration: one grammar: a plain number is seconds, units s m h d w, and loud mistakes", () => {
  assertEquals(
    ["0s", "90s", "30m", "6h", "2d", "1h30m", "1w"].map((d) => parseDuration(d, "--x")),
    [0, 90_000, 1_800_000, 21_600_000, 172_800_000, 5_400_000, 604_800_000],
  );
  // As --timeout has always read it: 6 is six seconds, and decimals are fine.
  assertEquals(["6", "0", "0.5", "1.5h", "0.1m"].map((d) => parseDuration(d, "--x")), [
    6000,
    0,
    500,
    5_400_000,
    6000,
  ]);
  for (const bad of ["", "6 hours", "-1s", "h", "1e3s", "1h 30m", "6s6", ".5", "1.h"]) {
    assertThrows(() => parseDuration(bad, "--max-age"), UsageError, "--max-age: must be");
  }
  assertEquals([59_000, 600_000, 9_000_000, 259_200_000].map(formatAge), [
    "59 s",
    "10 min",
    "2.5 h",
    "3.0 d",
  ]);
});

Deno.test("nagios: exit codes, and a known problem outranks an unknown", () => {
  assertEquals(["OK", "WARNING", "CRITICAL", "UNKNOWN"].map((s) => exitCodeFor(s as "OK")), [
    0,
    1,
    2,
    3,
  ]);
  assertEquals(worst([]), "OK");
  assertEquals(worst(["OK", "WARNING", "OK"]), "WARNING");
  assertEquals(worst(["UNKNOWN", "CRITICAL", "WARNING"]), "CRITICAL");
  assertEquals(worst(["WARNING", "UNKNOWN"]), "UNKNOWN");
});

const NOW = Date.parse("2026-11-29T12:00:00Z");
const spool = (over: Partial<SpoolSummary>): SpoolSummary => ({
  dir: "/var/spool/busmsg",
  exists: true,
  messages: 0,
  notMessages: 0,
  destinations: [],
  movedAside: [],
  ...over,
});
const ASIDE = { path: "/var/spool/busmsg/x.refused", kind: "refused" as const, reason: "403" };

Deno.test("spool status: OK while young messages wait, CRITICAL past --max-age, WARNING when moved aside", () => {
  const sixHours = 6 * 3_600_000;
  assertEquals(judgeSpool(spool({}), sixHours), { state: "OK", text: "0 messages" });
  assertEquals(judgeSpool(spool({ messages: 3, oldestAgeMs: 3_600_000 }), sixHours), {
    state: "OK",
    text: "3 messages, oldest 60 min",
  });
  assertEquals(judgeSpool(spool({ messages: 1, oldestAgeMs: 7 * 3_600_000 }), sixHours), {
    state: "CRITICAL",
    text: "1 message, oldest 7.0 h, waiting longer than 6.0 h",
  });
  assertEquals(judgeSpool(spool({ movedAside: [ASIDE] }), sixHours), {
    state: "WARNING",
    text: "0 messages, 1 file(s) moved aside",
  });
  // A waiting file that is no message (a symlink, a FIFO) is never sent: someone must look.
  assertEquals(judgeSpool(spool({ messages: 1, notMessages: 1, oldestAgeMs: 1000 }), sixHours), {
    state: "WARNING",
    text: "1 message, oldest 1 s, 1 file(s) not a valid message",
  });
  // Age beats moved-aside files: the older problem is the one that loses logs.
  assertEquals(
    judgeSpool(spool({ messages: 1, oldestAgeMs: 1000, movedAside: [ASIDE] }), 0).state,
    "CRITICAL",
  );
  // A spool busmsg may not use loses the next message that cannot be delivered.
  assertEquals(judgeSpool(spool({ unsafe: "/s is writable by group or others" }), sixHours), {
    state: "CRITICAL",
    text: "0 messages, spool not usable: /s is writable by group or others",
  });
});

Deno.test("spool status: files not read in time do not raise the state when the listing completed; a listing cut short is at least a WARNING, its figures lower bounds", () => {
  const sixHours = 6 * 3_600_000;
  // Listed to the end: the count and the oldest age come from the names, exact; only the
  // contents of the files not read are unknown (said in the details), as during any outage.
  assertEquals(
    judgeSpool(
      spool({ messages: 20000, oldestAgeMs: 60_000, stopped: { listedAll: true, unread: 15000 } }),
      sixHours,
    ),
    { state: "OK", text: "20000 messages, oldest 60 s" },
  );
  // ... and the ages still decide.
  for (const [hours, state] of [[7, "CRITICAL"], [2, "WARNING"]] as const) {
    const s = spool({
      messages: 9,
      oldestAgeMs: hours * 3_600_000,
      stopped: { listedAll: true, unread: 8 },
    });
    assertEquals(judgeSpool(s, { warnMs: 3_600_000, criticalMs: sixHours }).state, state);
  }
  assertEquals(
    judgeSpool(
      spool({ messages: 500, oldestAgeMs: 60_000, stopped: { listedAll: false, unread: 500 } }),
      sixHours,
    ),
    {
      state: "WARNING",
      text: "at least 500 messages, oldest at least 60 s, counting stopped at the time budget " +
        "(--timeout): figures are lower bounds",
    },
  );
  // What was seen still decides when it is worse: the oldest seen is already too old.
  assertEquals(
    judgeSpool(
      spool({ messages: 1, oldestAgeMs: 7 * 3_600_000, stopped: { listedAll: false, unread: 1 } }),
      sixHours,
    ).state,
    "CRITICAL",
  );
});

Deno.test("spool status: the files not read in time are said in the details; users' lines say 'at least' as the summary does", () => {
  const check = spoolCheck(
    "/var/spool/busmsg",
    spool({ messages: 3, oldestAgeMs: 60_000, stopped: { listedAll: true, unread: 2 } }),
    { criticalMs: 6 * 3_600_000 },
  );
  assertEquals(check.state, "OK");
  assertEquals(
    check.details.includes(
      "2 message(s) not read in time: their destinations and validity not checked " +
        "(the count and the oldest age, from the names, are)",
    ),
    true,
    check.details.join("\n"),
  );
  const cut = spool({ messages: 4, oldestAgeMs: 1000, stopped: { listedAll: false, unread: 0 } });
  const each: SpoolCount[] = [
    { spool: { user: "root", uid: 0, dir: "/var/spool/busmsg" }, summary: cut },
  ];
  const users = spoolCheck("/var/spool/busmsg", cut, { criticalMs: 1000 }, undefined, each);
  assertEquals(
    users.details.includes(
      "user root: /var/spool/busmsg: at least 4 messages, oldest at least 1 s",
    ),
    true,
    users.details.join("\n"),
  );
});

Deno.test("fail-fast state: per broker, within the window, cleared by a success", async () => {
  const dir = await Deno.makeTempDir();
  const url = "amqps://user:secret@broker.example:5671/%2Fpubsub";
  const failure = new DeliveryError("cannot connect: timeout", 111, true);
  assertEquals(await recentFailure(dir, url, 60_000, NOW), undefined);
  await recordFailure(dir, url, failure, NOW);
  const skip = await recentFailure(dir, url, 60_000, NOW + 5000);
  assertEquals(
    skip?.message,
    "not trying amqps://user:***@broker.example:5671/%2Fpubsub again yet: it failed 5 s ago " +
      "(cannot connect: timeout); next attempt in 55 s (--retry-after)",
  );
  assertEquals([skip?.exitCode, skip?.transient], [111, true]);
  // A configuration problem of this client is not the broker being unreachable.
  assertEquals(
    unreachable(new DeliveryError("cannot connect: connect ECONNREFUSED 10.0.0.1:5671", 111, true)),
    true,
  );
  // A timeout says the broker is gone only with a budget of at least a second (see failfast_test.ts).
  assertEquals(unreachable(failure), false);
  assertEquals(unreachable(new DeliveryError("expired", 111, true, "renew it")), false);
  assertEquals(unreachable(new DeliveryError("nack", 121, false)), false);
  // Another vhost is the same broker; another port is not.
  assertEquals(
    (await recentFailure(dir, "amqps://broker.example/x", 60_000, NOW)) !== undefined,
    true,
  );
  assertEquals(await recentFailure(dir, "amqps://broker.example:5672/", 60_000, NOW), undefined);
  assertEquals(await recentFailure(dir, url, 60_000, NOW + 60_000), undefined);
  await clearFailure(dir, url);
  assertEquals(await recentFailure(dir, url, 60_000, NOW + 1000), undefined);
  // A damaged state file means: try.
  await recordFailure(dir, url, failure, NOW);
  const [file] = [...Deno.readDirSync(dir)].map((e) => `${dir}/${e.name}`);
  Deno.writeTextFileSync(file!, "{not json");
  assertEquals(await recentFailure(dir, url, 60_000, NOW), undefined);
});

Deno.test("fail-fast state: a FIFO or symlink planted under its name is never opened (no hang)", async () => {
  const dir = await Deno.makeTempDir();
  const url = "amqp://broker.example:5672/";
  const fifo = new Deno.Command("mkfifo", { args: [stateFile(dir, url)] }).outputSync();
  assertEquals(fifo.success, true);
  // Opening the FIFO for reading would block for ever: the answer must come at once.
  assertEquals(await recentFailure(dir, url, 60_000, NOW), undefined);
  const other = "amqp://other.example:5672/";
  await recordFailure(dir, url.replace("broker", "x"), new DeliveryError("t", 111, true), NOW);
  Deno.symlinkSync(stateFile(dir, url.replace("broker", "x")), stateFile(dir, other));
  assertEquals(await recentFailure(dir, other, 60_000, NOW + 1000), undefined);
});

Deno.test("spool status: which spool was checked: missing, or a user's own where root's is in use", () => {
  assertEquals(judgeLocation("/var/spool/busmsg", false, false, false), {
    state: "OK",
    text: "no spool yet (/var/spool/busmsg does not exist: nothing was ever spooled)",
  });
  assertEquals(judgeLocation("/srv/spool", false, true, true)?.state, "WARNING");
  const own = "/var/lib/nagios/.local/state/busmsg/spool";
  assertEquals(judgeLocation(own, true, false, true), {
    state: "WARNING",
    text: `checked this user's own spool ${own}, not root's /var/spool/busmsg ` +
      "(run through sudo, or give --spool-dir)",
  });
  // Named on purpose, or no root's spool to mistake it for: nothing to add.
  assertEquals(judgeLocation(own, true, true, true), undefined);
  assertEquals(judgeLocation(own, true, false, false), undefined);
  assertEquals(judgeLocation("/var/spool/busmsg", true, false, true), undefined);
});
