import { assert, assertEquals } from "../../support/assert.ts";
import { HOSTILE, labelsOf, parsePluginOutput } from "../../support/plugin_output.ts";
import {
  type Check,
  checkExit,
  checkJson,
  perfItem,
  perfLabel,
  pluginOutput,
  unknownCheck,
} from "../../../lib/text/check.ts";
import { summarize } from "../../../lib/sync/runs.ts";
import { syncCheck, verdict } from "../../../lib/sync/verdict.ts";
import { syncEventAt } from "../../support/sync_events.ts";

const base: Check = {
  service: "TEST",
  state: "CRITICAL",
  summary: "",
  perf: [
    { label: "lost", value: 2 },
    { label: "oldest", value: 12, unit: "s", warn: "3600", crit: "21600", min: 0 },
    { label: "not measured", value: undefined, unit: "ms" },
    { label: "it's = odd", value: 1e21 },
    { label: "tiny", value: 1e-7 },
  ],
  details: [],
};

Deno.test("check: hostile text in summary and details never cuts the status or forges perfdata", () => {
  for (const text of HOSTILE) {
    const check = { ...base, summary: `2 dates lost: ${text}`, details: [text, `why: ${text}`] };
    const out = pluginOutput(check);
    const read = parsePluginOutput(out, checkExit(check));
    assertEquals(read.state, "CRITICAL");
    assertEquals(read.perf.map((p) => [p.label, p.value]), [
      ["lost", 2],
      ["oldest", 12],
      ["not measured", "U"],
      ["it's _ odd", 1e21],
      ["tiny", 1e-7],
    ]);
    assertEquals(read.long.length, 2, out);
    assert(read.summary.startsWith("2 dates lost: "), out);
  }
});

Deno.test("check: perfdata items follow the guidelines (quotes, units, ranges, U)", () => {
  assertEquals(perfLabel("messages"), "messages");
  assertEquals(perfLabel("a b"), "'a b'");
  assertEquals(perfLabel("it's"), "'it''s'");
  assertEquals(perfLabel("x=y"), "x_y");
  assertEquals(perfItem(base.perf[1]!), "oldest=12s;3600;21600;0");
  assertEquals(perfItem(base.perf[2]!), "'not measured'=U");
  assertEquals(perfItem({ label: "d", value: 358, warn: "30:", crit: "7:" }), "d=358;30:;7:");
  assertEquals(perfItem({ label: "t", value: 5, crit: "6h" }), "t=5;;6");
  assertEquals(perfItem({ label: "n", value: NaN }), "n=U");
});

Deno.test("check: JSON has every label with a number, null only where nothing was measured", () => {
  const json = checkJson({ ...base, summary: "a | b" });
  assertEquals(json.code, 2);
  assertEquals(json.summary, "a | b");
  assertEquals(Object.keys(json.perf), ["lost", "oldest", "not measured", "it's = odd", "tiny"]);
  assertEquals(json.perf["not measured"], null);
  assertEquals(json.perf["lost"], 2);
});

Deno.test("check: UNKNOWN keeps the labels, unmeasured", () => {
  const check = unknownCheck("TEST", "cannot read x | y", base.perf);
  const out = pluginOutput(check);
  assertEquals(labelsOf(out, 3), labelsOf(pluginOutput(base), 2));
  assertEquals(parsePluginOutput(out, 3).perf.every((p) => p.value === "U"), true);
});

Deno.test("check: a reason with | from the bus stays in the SYNC status text (issue 29, 13)", () => {
  const at = "2026-11-28T03:00:00+00:00";
  const d = { synced_host: "p1|x", log_date: "2026-11-27" };
  const events = [
    syncEventAt("start", at),
    syncEventAt("host.start", at, { synced_host: "p1|x" }),
    syncEventAt("host.logdate.start", at, d),
    syncEventAt("host.logdate.fail.final", at, { ...d, failure: "boom | dates_failed=0" }),
    syncEventAt("host.finish", at, { synced_host: "p1|x" }),
    syncEventAt("finish", at),
  ];
  const v = verdict(summarize(events, { attempts: 3 }), { ignored: 0, warnRetries: false });
  const read = parsePluginOutput(pluginOutput(syncCheck(v)), 2);
  assertEquals(read.perf.find((p) => p.label === "dates_failed")?.value, 1);
  assertEquals(read.summary, "1 date failed: p1/x 2026-11-27 (boom / dates_failed=0)");
});
