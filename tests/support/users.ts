/**
 * A real second publishing user (as countme on Fedora's log server: nologin, its own home) and
 * the spool tree as tmpfiles makes it, for the tests that run root's commands on a user's spool.
 * Needs root (useradd, setpriv).
 */
import { assertEquals } from "./assert.ts";
import { BUNDLE, entryOf, runCommand } from "./run.ts";

export const USER = "busmsg-countme";
export const HOME = `/srv/${USER}`;
export const TREE = "/var/spool/busmsg";
export const USER_SPOOL = `${TREE}/users/${USER}`;
export const isRoot = Deno.uid() === 0;

/** A free loopback port: nothing listens there until the "broker" comes back on it. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** What the test user runs: the bundle and its Deno, copied where any user may read them. */
export async function userCopy(): Promise<{ dir: string; deno: string; bundle: string }> {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-users-" });
  await Deno.chmod(dir, 0o755);
  await Deno.copyFile(Deno.execPath(), `${dir}/deno`);
  // The bundle and what it loads beside it (its chunks), as installed.
  const from = BUNDLE.slice(0, BUNDLE.lastIndexOf("/"));
  await runCommand("cp", ["-r", `${from}/.`, dir]);
  // Deno's cache as the installed launcher has it: root's, read-only to the others.
  await Deno.mkdir(`${dir}/cache`, { mode: 0o755 });
  return {
    dir,
    deno: `${dir}/deno`,
    bundle: `${dir}/${BUNDLE.slice(BUNDLE.lastIndexOf("/") + 1)}`,
  };
}

/** The user as the job's (nologin, own home, own group), made once; the tree as tmpfiles makes it. */
export async function setUp(): Promise<{ uid: number; gid: number }> {
  if ((await runCommand("id", ["-u", USER])).code !== 0) {
    const add = await runCommand("useradd", [
      "--system",
      "--home-dir",
      HOME,
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      "--user-group",
      USER,
    ]);
    assertEquals(add.code, 0, add.stderr);
  }
  const uid = Number((await runCommand("id", ["-u", USER])).stdout.trim());
  const gid = Number((await runCommand("id", ["-g", USER])).stdout.trim());
  // The lines of systemd/tmpfiles.d/busmsg.conf and the README's line for the user.
  await Deno.mkdir(`${TREE}/users`, { recursive: true });
  await Deno.chmod(TREE, 0o711);
  await Deno.chmod(`${TREE}/users`, 0o755);
  await Deno.remove(USER_SPOOL, { recursive: true }).catch(() => {});
  await Deno.mkdir(USER_SPOOL, { mode: 0o700 });
  await Deno.chown(USER_SPOOL, uid, gid);
  await Deno.remove(HOME, { recursive: true }).catch(() => {});
  await Deno.mkdir(HOME, { mode: 0o700 });
  await Deno.chown(HOME, uid, gid);
  return { uid, gid };
}

/**
 * The user, the tree and a copy of busmsg; the user's job and root's commands, both with one
 * config (root's, which the user reads too, as countme does on the log server) naming a broker
 * at a free `port`: how each is run, and its env; `cleanUp` when done.
 */
export async function scene() {
  await setUp();
  const copy = await userCopy();
  const port = freePort();
  const conf = `${copy.dir}/config.toml`;
  await Deno.writeTextFile(
    conf,
    `amqp_url = "amqp://busmsg-test:test-secret@127.0.0.1:${port}/%2Fpubsub"\n` +
      `topic_prefix = "org.fedoraproject.prod"\n`,
    { mode: 0o644 },
  );
  const run = (args: string[]) => [...entryOf(copy.deno, copy.bundle), ...args];
  // What cron gives a job: its user's HOME, USER and LOGNAME, a plain PATH; no spool named.
  const userEnv = {
    HOME,
    USER,
    LOGNAME: USER,
    PATH: "/usr/bin:/bin",
    DENO_DIR: `${copy.dir}/cache`,
    FEDORA_MESSAGING_CONF: conf,
    NO_COLOR: "1",
  };
  const rootEnv = { ...userEnv, HOME: "/root", USER: "root", LOGNAME: "root" };
  const asRoot = (args: string[]) =>
    runCommand(copy.deno, run(args).slice(1), { env: rootEnv, clearEnv: true });
  const cleanUp = async () => {
    await Deno.remove(copy.dir, { recursive: true });
    // The user stays (made once); its spool and home go, as a fresh machine has them.
    await Deno.remove(USER_SPOOL, { recursive: true }).catch(() => {});
    await Deno.remove(HOME, { recursive: true }).catch(() => {});
  };
  return { copy, port, run, userEnv, rootEnv, asRoot, cleanUp };
}

/** Runs a command as the test user (as cron runs its job: its uid, gid and groups). */
export function asUser(command: string[], env: Record<string, string>) {
  return runCommand("setpriv", [
    "--reuid",
    USER,
    "--regid",
    USER,
    "--init-groups",
    "--",
    ...command,
  ], { env, clearEnv: true });
}

export async function everything(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    found.push(e.name);
    if (e.isDirectory) {
      found.push(...(await everything(`${dir}/${e.name}`)).map((n) => `${e.name}/${n}`));
    }
  }
  return found.sort();
}
