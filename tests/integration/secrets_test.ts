/** A password in amqp_url never appears in stdout, stderr, spool files or dry-run output. */
import { assert, assertEquals } from "../assert.ts";
import { blackHole, busmsg, PLAIN_PORT, spoolLines, writeConfig } from "../helpers.ts";

const CANARY = "Canary-pw_7f3e";
const leaks = (text: string) => [CANARY, encodeURIComponent(CANARY)].some((c) => text.includes(c));

Deno.test("the canary password shows on no error path, in no spool file, in no dry run", async () => {
  const hole = await blackHole();
  const url = (port: number, vhost = "%2Fpubsub") =>
    `amqp://busmsg-test:${CANARY}@127.0.0.1:${port}/${vhost}`;
  const conf = await writeConfig([`amqp_url = "${url(1)}"`]);
  const badToml = await writeConfig([`amqp_url = "${url(1)}"`, "publish_priority = = 3"]);
  const badValue = await writeConfig([`amqp_url = "${url(1)}"`, "publish_priority = 300"]);
  const spoolDir = await Deno.makeTempDir();
  const cases: string[][] = [
    ["publish", "--dry-run", "--url", url(1), "--topic", "x", "a=1"],
    ["publish", "--url", url(1), "--topic", "x", "a=1"], // refused, spooled
    ["publish", "--no-spool", "--url", url(1), "--topic", "x", "a=1"],
    ["publish", "--no-spool", "--timeout", "1", "--url", url(hole.port), "--topic", "x", "a=1"],
    ["publish", "--no-spool", "--url", url(PLAIN_PORT), "--topic", "x", "a=1"], // wrong password
    ["publish", "--no-spool", "--url", url(PLAIN_PORT, "%2Fnope"), "--topic", "x", "a=1"],
    ["publish", "--conf", conf, "--topic", "x", "a=1"],
    ["publish", "--conf", badToml, "--topic", "x", "a=1"],
    ["publish", "--conf", badValue, "--topic", "x", "a=1"],
    ["publish", "--url", url(1), "--topic", "x", "n:int=bad"],
    ["sync-event", "start", "--url", url(1)],
    ["test-message", "--url", url(1)],
    ["test-message", "--roundtrip", "--url", url(1)],
    ["flush", "--url", url(1)],
    ["flush", "--dry-run", "--url", url(1)],
  ];
  try {
    for (const args of cases) {
      const run = await busmsg(args, { spoolDir });
      assert(
        !leaks(run.stdout) && !leaks(run.stderr),
        `${args.join(" ")} leaked: ${run.stdout}${run.stderr}`,
      );
      assert(run.stderr.length > 0 || run.stdout.length > 0, `${args.join(" ")} said something`);
    }
    const spooled = await spoolLines(spoolDir);
    assert(spooled.length >= 3, `messages were spooled: ${spooled.length}`);
    assertEquals(spooled.filter(leaks), []);
  } finally {
    hole.close();
  }
});
