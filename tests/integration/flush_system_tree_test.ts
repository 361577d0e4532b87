/**
 * Root's flush of the system spool tree against the real broker, the tree private to the test
 * (a mount namespace binds a temporary tree over /var/spool/busmsg, so that nothing else on the
 * machine sees or touches it). Needs root (unshare, mount), as CI runs; ignored otherwise.
 */
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { PLAIN_PORT, Reader } from "../support/broker.ts";
import { relay } from "../support/faults.ts";
import { ENTRY, fillSpool, runCommand } from "../support/run.ts";

const TREE = "/var/spool/busmsg";
const isRoot = Deno.uid() === 0;
/** The owner of the user's directory: any uid but root's (the tree finds it by owner). */
const USER_UID = 4242;

/**
 * One spool file as busmsg writes it, for `topic` under org.fedoraproject.prod (addressed to
 * `to`'s routing key instead when given, as a hand-made file can be).
 */
function spoolLine(topic: string, runId: string, to = topic): string {
  return JSON.stringify({
    busmsg_destination: {
      exchange: "amq.topic",
      routing_key: `org.fedoraproject.prod.${to}`,
    },
    body: { loghost: "log01", run_id: runId },
    headers: {
      fedora_messaging_schema: "base.message",
      fedora_messaging_schema_package: "fedora_messaging",
      fedora_messaging_severity: 20,
      priority: 0,
      "sent-at": "2026-12-08T01:10:26+00:00",
    },
    id: crypto.randomUUID(),
    priority: 0,
    queue: null,
    topic,
  }) + "\n";
}

/** Every file in the user's directory its owner's, as its own busmsg would have written them. */
async function ownedByUser(dir: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) await Deno.chown(`${dir}/${e.name}`, USER_UID, USER_UID);
}

/**
 * A private system tree: root's spool (0711) and one user's directory `users/countme` (0700,
 * owned by {@link USER_UID}); `asRoot` runs busmsg as root with the system spool (the flush
 * unit's command) in a mount namespace where the tree is /var/spool/busmsg.
 */
async function privateTree(port: number) {
  const tree = await Deno.makeTempDir({ prefix: "busmsg-tree-" });
  await Deno.chmod(tree, 0o711);
  await Deno.mkdir(`${tree}/users`, { mode: 0o755 });
  const user = `${tree}/users/countme`;
  await Deno.mkdir(user, { mode: 0o700 });
  await Deno.chown(user, USER_UID, USER_UID);
  // The lock its owner's busmsg makes when it spools (root never makes one there).
  await Deno.writeTextFile(`${user}/.lock`, "", { mode: 0o600 });
  await Deno.chown(`${user}/.lock`, USER_UID, USER_UID);
  // The mount point; made only when missing, and then taken away again (other tests look at
  // whether the system spool exists).
  const made = await Deno.lstat(TREE).then(() => false, () => true);
  if (made) await Deno.mkdir(TREE, { recursive: true });
  const conf = `${tree}.toml`;
  await Deno.writeTextFile(
    conf,
    `amqp_url = "amqp://busmsg-test:test-secret@127.0.0.1:${port}/%2Fpubsub"\n` +
      `topic_prefix = "org.fedoraproject.prod"\n`,
  );
  const asRoot = (args: string[], env: Record<string, string> = {}) =>
    runCommand("unshare", [
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      `mount --bind "$0" ${TREE} && exec "$@"`,
      tree,
      ...ENTRY,
      ...args,
    ], {
      env: {
        HOME: "/root",
        USER: "root",
        LOGNAME: "root",
        PATH: "/usr/bin:/bin:/usr/sbin:/sbin",
        FEDORA_MESSAGING_CONF: conf,
        NO_COLOR: "1",
        DENO_DIR: Deno.env.get("DENO_DIR") ?? "/root/.cache/deno",
        ...env,
      },
      clearEnv: true,
    });
  const cleanUp = async () => {
    await Deno.remove(tree, { recursive: true });
    await Deno.remove(conf);
    if (made) await Deno.remove(TREE).catch(() => {});
  };
  return { tree, user, asRoot, cleanUp };
}

Deno.test({
  name:
    "flush: a root spool that takes longer than --timeout (a slow, healthy broker) does not fail the user spools after it, nor record a stall",
  ignore: !isRoot,
  fn: async () => {
    // Client-to-broker bytes throttled: root's spool takes ~3 s to send, well past the 1 s
    // timeout, while the broker confirms all along (progress, no stall).
    const slow = relay(PLAIN_PORT, { bytesPerSecond: 50_000 });
    const { tree, user, asRoot, cleanUp } = await privateTree(slow.port);
    const reader = await Reader.open(["org.fedoraproject.prod.logging.stats.#"]);
    const runId = crypto.randomUUID();
    try {
      fillSpool(
        tree,
        spoolLine("logging.stats.countme-update.start", `${runId}-root`),
        400,
        60_000,
      );
      fillSpool(user, spoolLine("logging.stats.countme-update.finish", `${runId}-user`), 1, 0);
      await ownedByUser(user);
      const flush = await asRoot(["flush", "--timeout", "1"]);
      assertEquals(flush.code, 0, flush.stderr);
      assertIncludes(flush.stdout, "401 sent, 0 left");
      const ours = (await reader.take(401, 10_000)).filter((m) =>
        String(JSON.parse(m.text).run_id).startsWith(runId)
      );
      assertEquals(ours.length, 401);
      assertEquals(
        ours.filter((m) => JSON.parse(m.text).run_id === `${runId}-user`).map((m) => m.routingKey),
        ["org.fedoraproject.prod.logging.stats.countme-update.finish"],
      );
      // Nothing left anywhere, and no stall remembered in root's spool (which would make root's
      // publish and sync-event spool at once): only the lock and the users' directory remain.
      const left: string[] = [];
      for await (const e of Deno.readDir(tree)) left.push(e.name);
      assertEquals(left.sort(), [".lock", "users"]);
      const status = await asRoot(["spool", "status"]);
      assertEquals(status.code, 0, status.stdout);
      assertIncludes(status.stdout, "SPOOL OK - 0 messages");
    } finally {
      slow.close();
      await reader.close();
      await cleanUp();
    }
  },
});

Deno.test({
  name:
    "flush: a user's file whose routing key is not its topic's (a countme body as a sync event) is never sent with root's identity",
  ignore: !isRoot,
  fn: async () => {
    const { user, asRoot, cleanUp } = await privateTree(PLAIN_PORT);
    const reader = await Reader.open(["org.fedoraproject.prod.logging.stats.#"]);
    const runId = crypto.randomUUID();
    try {
      // A valid countme body under its countme topic, addressed to sync.finish.
      fillSpool(
        user,
        spoolLine("logging.stats.countme-update.start", runId, "logging.stats.sync.finish"),
        1,
        0,
      );
      await ownedByUser(user);
      const why = "user countme may not send there with root's identity: routing key " +
        '"org.fedoraproject.prod.logging.stats.sync.finish" is not its topic\'s ' +
        '"org.fedoraproject.prod.logging.stats.countme-update.start"';
      const dry = await asRoot(["flush", "--dry-run"]);
      assertEquals(dry.code, 0, dry.stderr);
      assertIncludes(dry.stderr, `would not be sent, but moved aside: `);
      assertIncludes(dry.stderr, why);
      const flush = await asRoot(["flush"]);
      assertEquals(flush.code, 121, flush.stderr);
      assertIncludes(flush.stdout, "0 sent, 0 left");
      assertIncludes(flush.stderr, why);
      assertEquals(
        (await reader.settle(1000)).filter((m) => JSON.parse(m.text).run_id === runId),
        [],
      );
      const names: string[] = [];
      for await (const e of Deno.readDir(user)) names.push(e.name);
      assertEquals(names.filter((n) => n.endsWith(".msg")), []);
      const [refused] = names.filter((n) => n.endsWith(".refused"));
      const reason = `${user}/${refused!.replace(/\.refused$/, ".reason")}`;
      assertEquals((await Deno.readTextFile(reason)).trim(), why);
    } finally {
      await reader.close();
      await cleanUp();
    }
  },
});

Deno.test({
  name:
    "flush: a user's file name with a newline and a journal priority forges no line in root's stderr or stdout",
  ignore: !isRoot,
  fn: async () => {
    const { user, asRoot, cleanUp } = await privateTree(PLAIN_PORT);
    const forged = "\n<0>busmsg: forged\n";
    try {
      // Not a message, and a message to a destination root does not lend its identity to.
      await Deno.writeTextFile(`${user}/00000000000001-000000-a${forged}.msg`, "{}\n");
      await Deno.writeTextFile(
        `${user}/00000000000002-000000-b${forged}.msg`,
        spoolLine("logging.stats.x", "r", "bodhi.update.comment"),
      );
      await ownedByUser(user);
      const shown = "\\x0a<0>busmsg: forged\\x0a";
      // As root sees it, in the tree.
      const seen = `${TREE}/users/countme`;
      // Under systemd (JOURNAL_STREAM set) each line starts with its priority, then busmsg:.
      const journal = { JOURNAL_STREAM: "8:1234" };
      const dry = await asRoot(["flush", "--dry-run"], journal);
      assertEquals(dry.code, 0, dry.stderr);
      assertEquals(dry.stdout.trim().split("\n").length, 2, dry.stdout);
      assertIncludes(dry.stdout, `${seen}/00000000000001-000000-a${shown}.msg\n`);
      assertIncludes(dry.stderr, `${seen}/00000000000002-000000-b${shown}.msg: user countme`);
      const flush = await asRoot(["flush"], journal);
      assertEquals(flush.code, 121, flush.stderr);
      assertIncludes(flush.stderr, `moved aside: ${seen}/00000000000001-000000-a${shown}.bad`);
      assertIncludes(flush.stderr, `moved aside: ${seen}/00000000000002-000000-b${shown}.refused`);
      for (const line of [...dry.stderr.split("\n"), ...flush.stderr.split("\n")]) {
        if (line !== "") assertEquals(/^(<[0-7]>)?busmsg: /.test(line), true, line);
        assertEquals(line.includes("busmsg: forged") && !line.includes("\\x0a<0>"), false, line);
      }
    } finally {
      await cleanUp();
    }
  },
});
