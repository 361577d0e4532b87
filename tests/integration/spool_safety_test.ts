/**
 * The spool directory is trusted only under OpenSSH's rule for ~/.ssh: it and its parent are
 * owned by this user or root and not writable by group or others. Otherwise whoever can write
 * there could publish with this user's credentials: busmsg says so once and delivers anyway.
 */
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { PLAIN_URL, Reader } from "../support/broker.ts";
import { busmsg, publishedIds, spoolLines } from "../support/run.ts";

const DOWN = "amqp://127.0.0.1:1/%2Fpubsub";
const NOBODY = 65534;

/** A spool directory with a message planted in it, as another user could. */
async function plantedSpool(): Promise<string> {
  const dir = await Deno.makeTempDir();
  const planted = JSON.stringify({
    busmsg_destination: { exchange: "amq.topic", routing_key: "safety.planted" },
    topic: "safety.planted",
    body: { evil: true },
  });
  await Deno.writeTextFile(`${dir}/00000000000001-000000-planted.msg`, planted + "\n");
  return dir;
}

async function assertRefusedButDelivered(spoolDir: string, problem: string): Promise<void> {
  const reader = await Reader.open(["safety.#"]);
  try {
    const run = await busmsg(["publish", "--url", PLAIN_URL, "--topic", "safety.own", "a=1"], {
      spoolDir,
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(publishedIds(run.stdout).length, 1);
    assertEquals(run.stderr, `busmsg: spool ${spoolDir}: not used: ${problem}\n`);
    await reader.take(1);
    assertEquals((await reader.settle(300)).map((m) => m.routingKey), ["safety.own"]);
    // Broker down: nothing is written there either; neither delivered nor spooled.
    const down = await busmsg(["publish", "--url", DOWN, "--topic", "safety.own", "a=1"], {
      spoolDir,
    });
    assertEquals(down.code, 111, down.stderr);
    assertIncludes(down.stderr, `spool ${spoolDir}: not used: ${problem}`);
    assertEquals((await spoolLines(spoolDir)).length, 1);
    const flush = await busmsg(["flush", "--url", PLAIN_URL], { spoolDir });
    assertEquals(flush.code, 2, flush.stderr);
    assertEquals((await reader.settle(300)).length, 1);
  } finally {
    await reader.close();
  }
}

Deno.test("a spool directory owned by another user is not used (its planted message is not sent)", async () => {
  const dir = await plantedSpool();
  await Deno.chown(dir, NOBODY, NOBODY);
  await assertRefusedButDelivered(
    dir,
    `${dir} is owned by uid ${NOBODY}, not by this user (uid ${Deno.uid()}) or root`,
  );
});

Deno.test("a spool directory writable by group or others is not used", async () => {
  const dir = await plantedSpool();
  await Deno.chmod(dir, 0o777);
  await assertRefusedButDelivered(dir, `${dir} is writable by group or others (mode 0777)`);
});

Deno.test("a spool directory whose parent others may write (not sticky) is not used", async () => {
  const parent = await Deno.makeTempDir();
  await Deno.chmod(parent, 0o777);
  const dir = `${parent}/spool`;
  await Deno.mkdir(dir, { mode: 0o700 });
  const planted = await plantedSpool();
  await Deno.rename(`${planted}/00000000000001-000000-planted.msg`, `${dir}/0-planted.msg`);
  await assertRefusedButDelivered(dir, `${parent} is writable by group or others (mode 0777)`);
});
