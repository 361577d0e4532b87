/**
 * Whether a spool directory may be trusted. Whoever can write to the spool can make busmsg
 * publish anything with this user's credentials, and can delete what waits there, so the rule
 * is the one OpenSSH applies to `~/.ssh`: the directory and its parent must be owned by this
 * user or root and not writable by group or others. A parent with the sticky bit (`/tmp`) may
 * be writable by others: they cannot rename or replace what they do not own.
 */
import { ioReason } from "../errors.ts";

/** The two stat fields the rule looks at. */
interface Owned {
  uid: number | null;
  mode: number | null;
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

/** Why `info` of `path` breaks the rule, or undefined. Pure. */
export function ownershipProblem(
  path: string,
  info: Owned,
  uid: number,
  stickyOk: boolean,
): string | undefined {
  if (info.uid !== null && info.uid !== uid && info.uid !== 0) {
    return `${path} is owned by uid ${info.uid}, not by this user (uid ${uid}) or root`;
  }
  const mode = info.mode ?? 0;
  if ((mode & 0o022) !== 0 && !(stickyOk && (mode & 0o1000) !== 0)) {
    return `${path} is writable by group or others (mode ${octal(mode)})`;
  }
  return undefined;
}

function reasonOf(e: unknown): string {
  // Deno's own sandbox refuses some paths (under /proc) whatever the permission flags say.
  return e instanceof Deno.errors.NotCapable ? "busmsg may not access it" : ioReason(e);
}

function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const at = trimmed.lastIndexOf("/");
  if (at < 0) return ".";
  return at === 0 ? "/" : trimmed.slice(0, at);
}

/** What a look at the spool directory found. */
export type SpoolCheck =
  | { ok: true; exists: boolean }
  | { ok: false; reason: string };

/**
 * Checks the spool directory and its parent against the rule, without creating anything. A
 * directory that does not exist yet is fine when its parent is (or does not exist either:
 * it is checked once created).
 */
export async function checkSpoolDir(
  dir: string,
  uid: number = Deno.uid() ?? 0,
): Promise<SpoolCheck> {
  let real = dir;
  try {
    const link = await Deno.lstat(dir);
    if (link.isSymlink) {
      const problem = ownershipProblem(dir, { uid: link.uid, mode: 0 }, uid, false);
      if (problem) return { ok: false, reason: problem };
      real = await Deno.realPath(dir);
    }
    const info = await Deno.stat(real);
    if (!info.isDirectory) return { ok: false, reason: `${dir} is not a directory` };
    const problem = ownershipProblem(dir, info, uid, false);
    if (problem) return { ok: false, reason: problem };
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      return { ok: false, reason: `${dir}: ${reasonOf(e)}` };
    }
    return await checkParent(parentOf(dir), uid, false);
  }
  return await checkParent(parentOf(real), uid, true);
}

async function checkParent(parent: string, uid: number, exists: boolean): Promise<SpoolCheck> {
  try {
    const problem = ownershipProblem(parent, await Deno.stat(parent), uid, true);
    return problem ? { ok: false, reason: problem } : { ok: true, exists };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound && !exists) return { ok: true, exists };
    return { ok: false, reason: `${parent}: ${reasonOf(e)}` };
  }
}
