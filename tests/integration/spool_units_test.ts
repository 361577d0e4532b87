/**
 * Root's commands on a real user's spool under the sandbox the shipped units give them: the
 * capability bounding set, NoNewPrivileges and the read-only paths of ProtectSystem=strict, read
 * from systemd/*.service, so this test follows the units. `busmsg-flush.service`'s flush delivers
 * the user's message and moves a bad one aside; `busmsg-status.service`'s `status --update` (and
 * `spool status`) count it with the spool read-only. Needs root (useradd, setpriv, unshare -m).
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { PLAIN_PORT, Reader } from "../support/broker.ts";
import { relay } from "../support/faults.ts";
import { ROOT, runCommand } from "../support/run.ts";
import { asUser, everything, isRoot, scene, TREE, USER, USER_SPOOL } from "../support/users.ts";

/** What a unit's [Service] says of its sandbox, in the terms setpriv and mount take. */
async function sandboxOf(unit: string) {
  const text = await Deno.readTextFile(`${ROOT}systemd/${unit}`);
  const values = (key: string) =>
    text.split("\n").filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
  const words = (key: string) => values(key).join(" ").split(/\s+/).filter(Boolean);
  const caps = words("CapabilityBoundingSet");
  // An inverted set (~CAP_...) would need the full list of capabilities: the units keep a few.
  assert(caps.every((c) => /^CAP_[A-Z_]+$/.test(c)), `${unit}: ${caps}`);
  return {
    caps: caps.map((c) => c.slice(4).toLowerCase()),
    noNewPrivileges: values("NoNewPrivileges").at(-1) === "yes",
    strict: values("ProtectSystem").at(-1) === "strict",
    writable: words("ReadWritePaths"),
  };
}

/**
 * Runs `command` as root the way `unit` would: in a mount namespace where the spool tree is
 * read-only unless the unit makes it writable, with only the unit's capabilities (root keeps
 * what its bounding set allows, as under systemd) and no new privileges.
 */
async function underUnit(unit: string, command: string[], env: Record<string, string>) {
  const box = await sandboxOf(unit);
  const writable = box.writable.some((w) => TREE === w || TREE.startsWith(`${w}/`));
  const readOnly = box.strict && !writable;
  const mounts = readOnly
    ? `mount --bind ${TREE} ${TREE} && mount -o remount,bind,ro ${TREE} && `
    : "";
  const setpriv = [
    "setpriv",
    "--inh-caps=-all",
    `--bounding-set=-all${box.caps.map((c) => `,+${c}`).join("")}`,
    ...(box.noNewPrivileges ? ["--no-new-privs"] : []),
    "--",
  ];
  const shell = `${mounts}exec "$@"`;
  const run = await runCommand(
    "unshare",
    ["-m", "--propagation", "private", "sh", "-c", shell, "sh", ...setpriv, ...command],
    { env, clearEnv: true },
  );
  return { ...run, readOnly };
}

/** The user's job spools one message (the broker away); its run id. */
async function spoolOne(run: (args: string[]) => string[], env: Record<string, string>) {
  const runId = crypto.randomUUID();
  const sent = await asUser(
    run([
      "publish",
      "--topic",
      "logging.stats.countme-update.start",
      "loghost=log01",
      `run_id=${runId}`,
    ]),
    env,
  );
  assertEquals(sent.code, 0, sent.stderr);
  assertIncludes(sent.stderr, USER_SPOOL);
  return runId;
}

Deno.test({
  name:
    "busmsg-flush.service's sandbox: root's flush delivers a real user's message and moves a bad one aside in the user's 0700 spool",
  ignore: !isRoot,
  fn: async () => {
    const { copy, port, run, userEnv, rootEnv, cleanUp } = await scene();
    const reader = await Reader.open(["org.fedoraproject.prod.logging.stats.countme-update.#"]);
    try {
      const runId = await spoolOne(run, userEnv);
      // A file that is no message, written by the user: flush must move it aside (rename, and
      // a .reason file made anew) in a directory only the user may write.
      const bad = `${copy.dir}/00000000000001-000000-bad.msg`;
      await Deno.writeTextFile(bad, "not json\n", { mode: 0o644 });
      const copied = await asUser(["/bin/cp", bad, `${USER_SPOOL}/`], userEnv);
      assertEquals(copied.code, 0, copied.stderr);

      const back = relay(PLAIN_PORT, { listenPort: port });
      let flush;
      try {
        flush = await underUnit("busmsg-flush.service", run(["flush"]), rootEnv);
      } finally {
        back.close();
      }
      assertEquals(flush.readOnly, false, "the flush unit may write the spool tree");
      // The unit succeeds (exit 0): the bad file is moved aside and said, the message sent.
      assertEquals(flush.code, 0, flush.stderr);
      const arrived = (await reader.settle(1000)).filter((m) =>
        JSON.parse(m.text).run_id === runId
      );
      assertEquals(arrived.length, 1, `delivered exactly once: ${flush.stderr}`);
      assertEquals(flush.stderr.includes("permission denied"), false, flush.stderr);
      const names = await everything(USER_SPOOL);
      assertEquals(names.filter((n) => n.endsWith(".msg")), [], flush.stderr);
      assertEquals(
        names.filter((n) => n.startsWith("00000000000001-000000-bad.")).sort(),
        ["00000000000001-000000-bad.bad", "00000000000001-000000-bad.reason"],
        flush.stderr,
      );
      // The bad file is all that went wrong: what the flush unit lists for a file moved aside.
      assertIncludes(flush.stdout, "1 sent, 0 left");
    } finally {
      await reader.close();
      await cleanUp();
    }
  },
});

Deno.test({
  name:
    "busmsg-status.service's sandbox: status --update and spool status count a real user's waiting message as a message, the spool read-only",
  ignore: !isRoot,
  fn: async () => {
    const { copy, run, userEnv, rootEnv, cleanUp } = await scene();
    try {
      await spoolOne(run, userEnv);
      const file = `${copy.dir}/status.json`;
      const update = await underUnit(
        "busmsg-status.service",
        run([
          "status",
          "--update",
          "--file",
          file,
          "--log-dir",
          `${copy.dir}/log`,
          "--spool-dir",
          TREE,
          "--publisher-conf",
          `${copy.dir}/none.toml`,
          "--recorder-conf",
          `${copy.dir}/none.toml`,
          "--queue-name",
          "",
        ]),
        rootEnv,
      );
      assertEquals(update.readOnly, true, "ProtectSystem=strict leaves the spool read-only");
      assertEquals(update.code, 0, update.stderr);
      const spool = JSON.parse(await Deno.readTextFile(file)).checks.spool;
      assertEquals(spool.state, "OK", JSON.stringify(spool));
      assertEquals(spool.perf.messages, 1, JSON.stringify(spool));
      assertEquals(JSON.stringify(spool).includes("invalid"), false, JSON.stringify(spool));

      const status = await underUnit("busmsg-status.service", run(["spool", "status"]), rootEnv);
      assertEquals(status.code, 0, status.stdout + status.stderr);
      assertIncludes(status.stdout, `user ${USER}: ${USER_SPOOL}: 1 message, oldest `);
    } finally {
      await cleanUp();
    }
  },
});
