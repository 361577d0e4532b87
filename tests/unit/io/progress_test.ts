import { assert, assertEquals } from "../../support/assert.ts";
import { Progress } from "../../../lib/io/progress.ts";
import { say } from "../../../lib/io/output.ts";

Deno.test("progress: a diagnostic clears the progress line first, never lands inside it", async () => {
  const written: string[] = [];
  const stderr = Deno.stderr as unknown as Record<string, unknown>;
  const saved = { isTerminal: stderr["isTerminal"], writeSync: stderr["writeSync"] };
  const noColor = Deno.env.get("NO_COLOR");
  Deno.env.delete("NO_COLOR");
  stderr["isTerminal"] = () => true;
  stderr["writeSync"] = (p: Uint8Array) => {
    written.push(new TextDecoder().decode(p));
    return p.length;
  };
  try {
    const progress = Progress.start("sending", 10);
    assert(progress, "a terminal gets a progress line");
    // Redrawn at most ten times a second.
    await new Promise((r) => setTimeout(r, 120));
    progress.update(5);
    say("connection lost; opening it again");
    progress.clear();
  } finally {
    Object.assign(stderr, saved);
    if (noColor !== undefined) Deno.env.set("NO_COLOR", noColor);
  }
  assert(written[0]!.startsWith("\r\x1b[Ksending: 5/10, "), JSON.stringify(written));
  // Cleared before the diagnostic; nothing left to clear at the end.
  assertEquals(written.slice(1), ["\r\x1b[K", "busmsg: connection lost; opening it again\n"]);
});
