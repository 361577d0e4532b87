/**
 * A full disk under the recorder (a real tmpfs of 256 kB, mounted as root): a failure of the
 * recorder's own must not use up a message's deliveries. The message is held on the live
 * connection and written once there is room: never given back, never dead-lettered, even with a
 * delivery limit of 1.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { drainQueue, rabbitmqctl, tlsConfig } from "../support/broker.ts";
import { linesOf, publishDebug, recorderInBackground } from "../support/listener.ts";
import { PREFIX } from "../support/example_sandbox.ts";
import { runCommand } from "../support/run.ts";

const root = Deno.uid() === 0;

Deno.test({
  name:
    "recorder on a full disk: the message is held and written once there is room, its deliveries untouched",
  ignore: !root,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "busmsg-full-" });
    const mounted = await runCommand("mount", [
      "-t",
      "tmpfs",
      "-o",
      "size=256k,mode=0700",
      "tmpfs",
      dir,
    ]);
    assertEquals(mounted.code, 0, mounted.stderr);
    const queue = `busmsg-test-full-${crypto.randomUUID().slice(0, 8)}`;
    const consumer = await tlsConfig("consumer", [`topic_prefix = "${PREFIX}"`]);
    const logging = await tlsConfig("logging", [`topic_prefix = "${PREFIX}"`]);
    const file = `${dir}/sync.jsonl`;
    try {
      const recorder = await recorderInBackground(consumer, queue, file, "--delivery-limit", "1");
      // Fill the disk to the last byte.
      const filler = await Deno.open(`${dir}/filler`, { write: true, create: true });
      const block = new Uint8Array(4096).fill(120);
      try {
        for (;;) await filler.write(block);
      } catch (e) {
        assert(String(e).includes("No space left on device"), String(e));
      }
      filler.close();
      const sent = await publishDebug(logging, 1, "full disk");
      await recorder.said("No space left on device");
      await recorder.said("the message is held (not given back: it keeps its deliveries)");
      // Several tries fail meanwhile; none gives the message back.
      await new Promise((r) => setTimeout(r, 4000));
      assertEquals(await Deno.readTextFile(file).catch(() => ""), "", "no half line");
      await Deno.remove(`${dir}/filler`);
      const lines = await linesOf(file, 1, 60_000);
      assertEquals(lines.map((l) => JSON.parse(l).id), sent);
      recorder.child.kill("SIGTERM");
      const got = await recorder.done();
      assertEquals(got.code, 0, got.stderr);
      assertIncludes(got.stderr, "the held message is written; going on");
      assert(!got.stderr.includes("delivered again"), got.stderr);
      assertEquals(await drainQueue(`${queue}.dead-letters`, false), [], "nothing dead-lettered");
      assertEquals(await drainQueue(queue, false), []);
    } finally {
      await runCommand("umount", [dir]);
      for (const q of [queue, `${queue}.dead-letters`]) {
        await rabbitmqctl("delete_queue", "-p", "/pubsub", q).catch(() => {});
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
