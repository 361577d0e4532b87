import { assertEquals, assertThrows } from "../../support/assert.ts";
import { countmeWeek, globMatcher, recovery, weekText } from "../../../lib/sync/countme.ts";
import { rsyncMeaning } from "../../../lib/sync/rsync_codes.ts";
import { serverNames } from "../../../lib/sync/coverage_servers.ts";
import { pageMessages } from "../../../lib/sync/datagrepper.ts";

Deno.test("countme week: log date D holds day D-1's traffic, weeks start on Monday", () => {
  // 2026-11-30 is a Monday: its log date is 12-01; the log date 11-30 is Sunday's traffic.
  assertEquals(countmeWeek("2026-12-01"), "2026-11-30");
  assertEquals(countmeWeek("2026-11-30"), "2026-11-23");
  assertEquals(countmeWeek("2026-12-07"), "2026-11-30");
  assertEquals(countmeWeek("2026-12-08"), "2026-12-07");
  assertEquals(weekText("2026-11-30"), "week of 2026-11-30 (Mon) to 2026-12-06");
});

Deno.test("countme hosts: a shell glob on the whole name, any case", () => {
  const proxy = globMatcher("proxy*");
  assertEquals(
    ["proxy01.fedoraproject.org", "PROXY14.iad2", "dl01.fedoraproject.org", "xproxy1"].map(proxy),
    [true, true, false, false],
  );
  assertEquals(["proxy3.a", "proxy7.a"].map(globMatcher("proxy[1-5].?")), [true, false]);
  assertEquals(globMatcher("a.b")("axb"), false, "a dot is a dot");
});

Deno.test("recovery: until 7 days after the date; the sync's command, or none for a name that is no host name", () => {
  assertEquals(recovery("proxy04.fedoraproject.org", "2026-11-30"), {
    until: "2026-12-07",
    command: "mkdir -p /var/log/hosts/proxy04.fedoraproject.org/2026/11/30/http/ && rsync -a " +
      "--timeout=1200 --contimeout=1200 'proxy04.fedoraproject.org::log/httpd/*20261130*' " +
      "/var/log/hosts/proxy04.fedoraproject.org/2026/11/30/http/",
  });
  for (const bad of ["-e sh", "p'; rm -rf /", "a b", "p\x1b[31m", "../etc"]) {
    assertEquals(
      recovery(bad, "2026-11-30").command,
      "(no command: the proxy's name is not a host name)",
    );
  }
});

Deno.test("rsync exit codes: the ones that matter, from the sync's reasons", () => {
  assertEquals(rsyncMeaning("Error code: 5")?.code, 5);
  assertEquals(rsyncMeaning("rsync exited with 23, giving up after 2 attempts")?.code, 23);
  for (const code of [10, 12, 24, 30, 35]) {
    assertEquals(rsyncMeaning(`Error code: ${code}`)?.code, code);
  }
  assertEquals(rsyncMeaning("Error code: 1"), undefined);
  assertEquals(rsyncMeaning("Timeout expired."), undefined);
});

Deno.test("log servers: a short name joins its FQDN when that pairing is unique", () => {
  assertEquals(
    [...serverNames(["log01", "log01.iad2.fedoraproject.org"]).values()],
    ["log01.iad2.fedoraproject.org", "log01.iad2.fedoraproject.org"],
  );
  // Two servers with one short name: the short name stays on its own.
  assertEquals(
    [...serverNames(["log01", "log01.iad2.x", "log01.rdu3.x"]).values()],
    ["log01", "log01.iad2.x", "log01.rdu3.x"],
  );
});

Deno.test("datagrepper: a page's raw_messages, nothing else", () => {
  assertEquals(pageMessages({ raw_messages: [{ id: "a" }], pages: 1 }), [{ id: "a" }]);
  assertEquals(pageMessages({ topic: "x", body: {} }), undefined);
  assertEquals(pageMessages({ raw_messages: "no" }), undefined);
  assertEquals(pageMessages([1]), undefined);
});

Deno.test("countme hosts: a POSIX character class is refused, never misread ([[:alpha:]]* matched no proxy)", () => {
  for (const glob of ["[[:alpha:]]*", "proxy[[:digit:]]*", "[[=a=]]*", "[[.a.]]*"]) {
    assertThrows(() => globMatcher(glob), Error, "character classes");
  }
  assertEquals(globMatcher("[[]x")("[x"), true, "a bracket inside brackets is still one character");
});
