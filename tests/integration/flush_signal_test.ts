/** `flush` stopped by SIGTERM (cron's timeout, systemd) still says what it sent and what is left (#18 item 11). */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { PLAIN_PORT, PLAIN_URL, Reader } from "../support/broker.ts";
import { relay } from "../support/faults.ts";
import { busmsg, spawnBusmsg, spoolLines } from "../support/run.ts";

const DOWN = "amqp://127.0.0.1:1/";

Deno.test('flush: SIGTERM mid-way prints its "N sent, M left" summary, M what the spool still holds, exit 111', async () => {
  const spoolDir = await Deno.makeTempDir();
  const n = 3000;
  const lines = Array.from(
    { length: n },
    (_, i) =>
      JSON.stringify({ id: `term-${i}`, topic: "termflush.x", body: { i, pad: "x".repeat(200) } }),
  );
  const spooled = await busmsg(["publish", "--url", DOWN, "-"], {
    spoolDir,
    stdin: lines.join("\n") + "\n",
  });
  assertEquals(spooled.code, 0, spooled.stderr);
  const reader = await Reader.open(["termflush.#"]);
  const slow = relay(PLAIN_PORT, { bytesPerSecond: 250_000 });
  try {
    const url = PLAIN_URL.replace(`:${PLAIN_PORT}/`, `:${slow.port}/`);
    const child = spawnBusmsg(["flush", "--url", url, "--timeout", "60"], {
      BUSMSG_SPOOL_DIR: spoolDir,
    });
    await reader.take(300, 30_000);
    child.kill("SIGTERM");
    const got = await child.output();
    const stdout = new TextDecoder().decode(got.stdout);
    const stderr = new TextDecoder().decode(got.stderr);
    assertEquals(got.code, 111, stderr);
    const summary = /^(\d+) sent, (\d+) left\n$/.exec(stdout);
    assert(summary, `stdout: ${JSON.stringify(stdout)}`);
    const [sent, left] = [Number(summary[1]), Number(summary[2])];
    assertEquals(sent + left, n);
    assert(sent >= 300 && left > 0, stdout);
    assertEquals((await spoolLines(spoolDir)).length, left, "left: what the spool holds");
    assertIncludes(stderr, "interrupted by SIGTERM");
  } finally {
    slow.close();
    await reader.close();
  }
});
