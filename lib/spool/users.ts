/**
 * The system spool tree: root's spool and one directory per publishing user under it, so that
 * root's flush sends, and root's `spool status` counts, what every user spooled:
 *
 *   /var/spool/busmsg              root root 0711  root's spool (root's files are 0600)
 *   /var/spool/busmsg/users        root root 0755  one directory per user, made by the admin
 *   /var/spool/busmsg/users/NAME   NAME NAME 0700  NAME's spool (tmpfiles.d, see the README)
 *
 * A user's directory is found by its owner, not its name (no password database is read): the
 * entry of `users/` that this uid owns, the one named `$USER` or `$LOGNAME` first.
 */
import { ioReason } from "../errors.ts";
import { routingKey } from "../message/message.ts";
import type { Destination } from "./record.ts";

/** Root's spool, the top of the tree. */
export const SYSTEM_SPOOL = "/var/spool/busmsg";
/** Where the users' directories are, under root's spool. */
export const USERS_SUBDIR = "users";

/** One spool of the system tree. */
export interface SystemSpool {
  /** "root" for root's own spool, else the directory's name under `users/` (a user name). */
  user: string;
  dir: string;
  /** Who may own it: root for root's spool, the directory's owner for a user's. */
  uid: number;
  /** Why it may not be used (not a directory, a symlink, unreadable), if so. */
  problem?: string;
}

/**
 * Root's spool and every user's directory, root's first, then by name: the one list that
 * root's flush, `spool status` and the status file go through. A missing `users/` is no user.
 * An entry of `users/` that is not a real directory (a symlink is never followed) is listed
 * with its problem, so that it is reported, not passed over.
 */
export async function systemSpools(root = SYSTEM_SPOOL): Promise<SystemSpool[]> {
  const spools: SystemSpool[] = [{ user: "root", dir: root, uid: 0 }];
  const users = `${root}/${USERS_SUBDIR}`;
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(users)) names.push(entry.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return spools;
    return [...spools, { user: USERS_SUBDIR, dir: users, uid: 0, problem: ioReason(e) }];
  }
  for (const user of names.sort()) {
    const dir = `${users}/${user}`;
    try {
      const info = await Deno.lstat(dir);
      const uid = info.uid ?? 0;
      if (info.isSymlink) {
        spools.push({ user, dir, uid, problem: `${dir} is a symbolic link (not followed)` });
      } else if (!info.isDirectory) {
        spools.push({ user, dir, uid, problem: `${dir} is not a directory` });
      } else spools.push({ user, dir, uid });
    } catch (e) {
      // Gone since it was listed: nothing waits there.
      if (!(e instanceof Deno.errors.NotFound)) {
        spools.push({ user, dir, uid: 0, problem: `${dir}: ${ioReason(e)}` });
      }
    }
  }
  return spools;
}

/** What the tree holds for one non-root user. */
export type UserSpoolLookup =
  /** No `users/` directory: busmsg's system spool tree is not installed here. */
  | { tree: false }
  /** The tree is there; `dir` is this user's directory, if the admin made one. */
  | { tree: true; dir?: string };

/**
 * This user's directory under `users/`: an entry owned by `uid` that is a real directory,
 * the one named `preferred` (the login name) first. Synchronous: the spool is chosen before
 * anything else runs.
 */
export function userSpoolDir(
  uid: number,
  preferred: string | undefined,
  root = SYSTEM_SPOOL,
): UserSpoolLookup {
  const users = `${root}/${USERS_SUBDIR}`;
  const owned: string[] = [];
  try {
    for (const entry of Deno.readDirSync(users)) {
      try {
        const info = Deno.lstatSync(`${users}/${entry.name}`);
        if (info.isDirectory && info.uid === uid) owned.push(entry.name);
      } catch {
        // Gone since it was listed.
      }
    }
  } catch {
    // Not there (not installed), or not ours to see (an older 0700 root spool): no tree.
    return { tree: false };
  }
  const name = preferred !== undefined && owned.includes(preferred) ? preferred : owned.sort()[0];
  return name === undefined ? { tree: true } : { tree: true, dir: `${users}/${name}` };
}

/** The only topic family a user's job publishes (countme's update jobs; see the README). */
export const USER_TOPIC_FAMILY = "logging.stats";

/**
 * Why root's flush may not send a message from `user`'s spool to `to`, or undefined when it may.
 * A user's spool file names its own destination, but root sends it with root's broker identity:
 * so only where that user's busmsg could have sent it through root's configuration, root's
 * exchange and a routing key under root's topic prefix in the `logging.stats` family. A
 * destination that differs only because the user's configuration differed is refused too: root
 * never sends where its own configuration would not. The routing key must also be the message's
 * own `topic` under root's prefix: the body was checked against that topic's schema, so a
 * countme body must not go out as, say, a sync event that busmsg's coverage reads.
 */
export function userDestinationProblem(
  user: string,
  to: Destination,
  topic: string,
  root: { exchange: string; topicPrefix: string },
): string | undefined {
  const why = (text: string) => `user ${user} may not send there with root's identity: ${text}`;
  if (to.exchange !== root.exchange) {
    return why(
      `exchange ${JSON.stringify(to.exchange)} is not root's ${JSON.stringify(root.exchange)}`,
    );
  }
  const family = `${routingKey(root.topicPrefix, USER_TOPIC_FAMILY)}.`;
  if (!to.routingKey.startsWith(family) || to.routingKey.length === family.length) {
    return why(`routing key ${JSON.stringify(to.routingKey)} is not under ${family}`);
  }
  const own = routingKey(root.topicPrefix, topic);
  if (to.routingKey !== own) {
    return why(
      `routing key ${JSON.stringify(to.routingKey)} is not its topic's ${JSON.stringify(own)}`,
    );
  }
  return undefined;
}
