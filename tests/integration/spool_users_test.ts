/**
 * Two publishing users, one spool tree, with a real second user (as countme on Fedora's log
 * server: nologin, its own home): with the broker away its message is spooled in its directory
 * under /var/spool/busmsg/users, never under its home; root's `spool status` counts it; the
 * flush unit's command, run as root, delivers it exactly once; then status counts nothing.
 * Needs root (useradd, setpriv), as CI runs; ignored otherwise.
 */
import { assertEquals, assertIncludes } from "../support/assert.ts";
import { PLAIN_PORT, Reader } from "../support/broker.ts";
import { relay } from "../support/faults.ts";
import { runCommand } from "../support/run.ts";
import {
  asUser,
  everything,
  HOME,
  isRoot,
  scene,
  TREE,
  USER,
  USER_SPOOL,
} from "../support/users.ts";

Deno.test({
  name:
    "two users, one spool tree: a user's message spooled in its directory (not its home), counted and flushed once by root",
  ignore: !isRoot,
  fn: async () => {
    const { port, run, userEnv, asRoot, cleanUp } = await scene();
    const runId = crypto.randomUUID();
    const reader = await Reader.open(["org.fedoraproject.prod.logging.stats.countme-update.#"]);
    try {
      // The broker away: the job's message is spooled, exit 0.
      const sent = await asUser([
        ...run([
          "publish",
          "--topic",
          "logging.stats.countme-update.start",
          "loghost=log01",
          `run_id=${runId}`,
        ]),
      ], userEnv);
      assertEquals(sent.code, 0, sent.stderr);
      assertIncludes(sent.stderr, USER_SPOOL);
      const spooled = (await everything(USER_SPOOL)).filter((n) => n.endsWith(".msg"));
      assertEquals(spooled.length, 1);
      assertEquals(await everything(HOME), [], "nothing under the user's home");

      // Root's check counts it, under the user's line.
      const before = await asRoot(["spool", "status"]);
      assertIncludes(before.stdout, "SPOOL OK - 1 message");
      assertIncludes(before.stdout, `user ${USER}: ${USER_SPOOL}: 1 message, oldest `);
      const json = await asRoot(["spool", "status", "--json"]);
      assertEquals(JSON.parse(json.stdout).users[USER].messages, 1);

      // The broker back on the same address; the flush unit's command, as root.
      const back = relay(PLAIN_PORT, { listenPort: port });
      try {
        const flush = await asRoot(["flush"]);
        assertEquals(flush.code, 0, flush.stderr);
        const arrived = (await reader.settle(1000)).filter((m) =>
          JSON.parse(m.text).run_id === runId
        );
        assertEquals(arrived.length, 1, "delivered exactly once");
        assertEquals(JSON.parse(arrived[0]!.text), { loghost: "log01", run_id: runId });
        assertEquals(
          arrived[0]!.routingKey,
          "org.fedoraproject.prod.logging.stats.countme-update.start",
        );
        // A second flush sends nothing again.
        const again = await asRoot(["flush"]);
        assertEquals(again.code, 0, again.stderr);
        assertEquals(
          (await reader.settle(500)).filter((m) => JSON.parse(m.text).run_id === runId).length,
          1,
        );
      } finally {
        back.close();
      }
      const after = await asRoot(["spool", "status"]);
      assertIncludes(after.stdout, `user ${USER}: ${USER_SPOOL}: 0 messages\n`);
      const afterJson = await asRoot(["spool", "status", "--json"]);
      assertEquals(JSON.parse(afterJson.stdout).users[USER].messages, 0);
      assertEquals((await everything(USER_SPOOL)).filter((n) => n.endsWith(".msg")), []);
      // The lock root took is still the user's own (root made nothing there).
      const lock = await Deno.lstat(`${USER_SPOOL}/.lock`);
      assertEquals(lock.uid, Number((await runCommand("id", ["-u", USER])).stdout.trim()));
      assertEquals(await everything(HOME), [], "nothing under the user's home");
      // A symlink among the users' directories is never followed: CRITICAL, named; flush
      // says it, still sends the others, and exits 2.
      const target = await Deno.makeTempDir();
      await Deno.writeTextFile(`${target}/1-0-x.msg`, "{}");
      await Deno.symlink(target, `${TREE}/users/${USER}-link`);
      try {
        const linked = await asRoot(["spool", "status"]);
        assertEquals(linked.code, 2, linked.stdout);
        assertIncludes(
          linked.stdout,
          `${TREE}/users/${USER}-link is a symbolic link (not followed)`,
        );
        const flushLinked = await asRoot(["flush"]);
        assertEquals(flushLinked.code, 2, flushLinked.stderr);
        assertIncludes(flushLinked.stderr, "is a symbolic link (not followed)");
        assertEquals(await everything(target), ["1-0-x.msg"], "nothing moved or sent through it");
      } finally {
        await Deno.remove(`${TREE}/users/${USER}-link`);
        await Deno.remove(target, { recursive: true });
      }
    } finally {
      await reader.close();
      await cleanUp();
    }
  },
});

Deno.test({
  name:
    "a user's spool lends root's identity only to logging.stats on root's exchange: a forged destination is moved aside, said, counted",
  ignore: !isRoot,
  fn: async () => {
    const { copy, port, run, userEnv, asRoot, cleanUp } = await scene();
    const ids = {
      legit: crypto.randomUUID(),
      topic: crypto.randomUUID(),
      exchange: crypto.randomUUID(),
      prefix: crypto.randomUUID(),
      old: crypto.randomUUID(),
    };
    const runIdOf = (text: string) => JSON.parse(text).run_id ?? JSON.parse(text).body?.run_id;
    const publish = async (runId: string, args: string[]) => {
      const sent = await asUser(run(["publish", ...args, "loghost=log01", `run_id=${runId}`]), {
        ...userEnv,
      });
      assertEquals(sent.code, 0, sent.stderr);
    };
    // Every message on the vhost's topic exchange, and everything on another exchange the
    // broker user may write.
    const topic = await Reader.open(["#"]);
    const fanout = await Reader.open(["#"], "amq.fanout");
    try {
      // The broker away: the job spools its message, and the user spools others where a job
      // never sends, with its own busmsg's options (the user's config could say the same).
      await publish(ids.legit, ["--topic", "logging.stats.countme-update.start"]);
      await publish(ids.topic, ["--topic", "bodhi.update.comment"]);
      await publish(ids.exchange, [
        "--exchange",
        "amq.fanout",
        "--topic",
        "logging.stats.countme-update.start",
      ]);
      await publish(ids.prefix, [
        "--topic-prefix",
        "org.fedoraproject.stg",
        "--topic",
        "logging.stats.countme-update.start",
      ]);
      // And a file written by hand, as an older busmsg wrote them (no destination: root's
      // configuration addresses it, under its topic).
      const [model] = (await everything(USER_SPOOL)).filter((n) => n.endsWith(".msg"));
      const line = JSON.parse(await Deno.readTextFile(`${USER_SPOOL}/${model}`));
      delete line.busmsg_destination;
      const forged = `${copy.dir}/00000000000001-000000-forged.msg`;
      await Deno.writeTextFile(
        forged,
        JSON.stringify({
          ...line,
          id: crypto.randomUUID(),
          topic: "bodhi.update.comment",
          body: { loghost: "log01", run_id: ids.old },
        }) + "\n",
        { mode: 0o644 },
      );
      const copied = await asUser(["/bin/cp", forged, `${USER_SPOOL}/`], userEnv);
      assertEquals(copied.code, 0, copied.stderr);
      const waiting = (await everything(USER_SPOOL)).filter((n) => n.endsWith(".msg"));
      assertEquals(waiting.length, 5);
      // A dry run lists all five and says which four flush would move aside, sending none.
      const dry = await asRoot(["flush", "--dry-run"]);
      assertEquals(dry.code, 0, dry.stderr);
      assertEquals(dry.stdout.trim().split("\n").length, 5, dry.stdout);
      const wouldNot = dry.stderr.split("\n").filter((l) => l.includes("would not be sent"));
      assertEquals(wouldNot.length, 4, dry.stderr);
      for (const name of waiting) {
        const text = await Deno.readTextFile(`${USER_SPOOL}/${name}`);
        const said = wouldNot.some((l) =>
          l.startsWith(
            `busmsg: spool ${USER_SPOOL}: would not be sent, but moved aside: ${USER_SPOOL}/${name}: ` +
              `user ${USER} may not send there with root's identity: `,
          )
        );
        assertEquals(said, runIdOf(text) !== ids.legit, name);
      }

      // The broker back; the flush unit's command, as root.
      const back = relay(PLAIN_PORT, { listenPort: port });
      let flush;
      try {
        flush = await asRoot(["flush"]);
      } finally {
        back.close();
      }
      // Refused (moved aside) is what exit 121 says; the job's message went.
      assertEquals(flush.code, 121, flush.stderr);
      assertIncludes(flush.stdout, "1 sent, 0 left");
      const ours = new Set(Object.values(ids));
      const arrived = (await topic.settle(1000)).filter((m) => ours.has(runIdOf(m.text)));
      assertEquals(arrived.map((m) => [m.routingKey, runIdOf(m.text)]), [
        ["org.fedoraproject.prod.logging.stats.countme-update.start", ids.legit],
      ]);
      assertEquals((await fanout.settle(200)).filter((m) => ours.has(runIdOf(m.text))), []);

      // Each forged file moved aside as refused, with its reason, and said naming user, file
      // and why.
      const names = await everything(USER_SPOOL);
      assertEquals(names.filter((n) => n.endsWith(".msg")), []);
      const refused = names.filter((n) => n.endsWith(".refused"));
      assertEquals(refused.length, 4);
      const why = new Map<string, string>();
      for (const name of refused) {
        const text = await Deno.readTextFile(`${USER_SPOOL}/${name}`);
        const reason = await Deno.readTextFile(
          `${USER_SPOOL}/${name.replace(/\.refused$/, ".reason")}`,
        );
        why.set(runIdOf(text), reason.trim());
        assertIncludes(
          flush.stderr,
          `spool ${USER_SPOOL}: not sent (a user's message where root sends none of theirs), ` +
            `moved aside: ${USER_SPOOL}/${name}: ${reason.trim()}`,
        );
      }
      const may = `user ${USER} may not send there with root's identity: `;
      assertEquals(Object.fromEntries(why), {
        [ids.topic]: may + 'routing key "org.fedoraproject.prod.bodhi.update.comment" is not ' +
          "under org.fedoraproject.prod.logging.stats.",
        [ids.exchange]: may + 'exchange "amq.fanout" is not root\'s "amq.topic"',
        [ids.prefix]: may +
          'routing key "org.fedoraproject.stg.logging.stats.countme-update.start"' +
          " is not under org.fedoraproject.prod.logging.stats.",
        [ids.old]: may + 'routing key "org.fedoraproject.prod.bodhi.update.comment" is not ' +
          "under org.fedoraproject.prod.logging.stats.",
      });

      // Root's check: a problem someone must look at (WARNING), each file named with why.
      const status = await asRoot(["spool", "status"]);
      assertEquals(status.code, 1, status.stdout);
      assertIncludes(status.stdout, "SPOOL WARNING - 0 messages, 4 file(s) moved aside");
      for (const name of refused) {
        assertIncludes(status.stdout, `moved aside (refused): ${USER_SPOOL}/${name}: ${may}`);
      }
    } finally {
      await topic.close();
      await fanout.close();
      await cleanUp();
    }
  },
});
