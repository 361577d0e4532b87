/**
 * Fail fast after a failure: when a call could not reach a broker, or the broker confirmed
 * nothing within the timeout, calls to the same broker within a window spool at once instead
 * of each waiting for the timeout. The state is one small file per broker in the spool
 * directory, replaced atomically (temp file and rename), so concurrent processes only ever read
 * a whole state or none; a success removes it.
 */
import { DeliveryError, EXIT } from "../errors.ts";
import { redactUrl } from "../config.ts";
import { readRegularFile } from "./spool.ts";

/** The default window after a failure (`--retry-after`). */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

/** What the state file holds. */
interface Failure {
  /** When the attempt failed, ms since the epoch. */
  at: number;
  reason: string;
}

/** The state file of the broker of `url` (host and port: vhosts share a broker). */
export function stateFile(dir: string, url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === "amqps:" ? "5671" : "5672");
  return `${dir}/.unreachable-${u.hostname.replace(/[^A-Za-z0-9.-]/g, "_")}-${port}`;
}

/**
 * The error to spool under at once when the broker of `url` failed less than `windowMs` ago,
 * else undefined. A missing or unreadable state means: try.
 */
export async function recentFailure(
  dir: string,
  url: string,
  windowMs: number,
  now: number,
): Promise<DeliveryError | undefined> {
  let failure: Failure;
  try {
    // Read as spool files are: a FIFO or symlink planted under the name is never opened.
    const bytes = await readRegularFile(stateFile(dir, url));
    if (typeof bytes === "string") return undefined;
    failure = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  const age = now - failure.at;
  if (!(age >= 0 && age < windowMs) || typeof failure.reason !== "string") return undefined;
  return new DeliveryError(
    `not trying ${redactUrl(url)} again yet: it failed ${Math.round(age / 1000)} s ago ` +
      `(${failure.reason}); next attempt in ${
        Math.ceil((windowMs - age) / 1000)
      } s (--retry-after)`,
    EXIT.CONNECT,
    true,
  );
}

/**
 * A connect timeout shorter than this says more about the caller's budget than about the
 * broker: it does not make every other job on the host skip the broker.
 */
export const TIMEOUT_FLOOR_MS = 1000;

/** Words of the socket layer that say the broker is not there: refused, no route, no name. */
const GONE = /\b(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL)\b/;
const TIMED_OUT = /no answer within the timeout|\bETIMEDOUT\b/;

/**
 * True when a failed connection says the broker could not be reached (and may be again):
 * refused, no route, a name that does not resolve, or no answer within a budget of at least
 * {@link TIMEOUT_FLOOR_MS} (`budgetMs`: what the attempt was given). Not a configuration
 * problem of this client, nor a caller's own short budget, which others must not inherit.
 */
export function unreachable(error: DeliveryError, budgetMs = Infinity): boolean {
  if (!error.transient || error.fix !== undefined) return false;
  if (GONE.test(error.message)) return true;
  return TIMED_OUT.test(error.message) && budgetMs >= TIMEOUT_FLOOR_MS;
}

/** Remembers that the broker of `url` failed (unreachable or stalled). Best effort: never throws. */
export async function recordFailure(
  dir: string,
  url: string,
  error: DeliveryError,
  now: number,
): Promise<void> {
  const file = stateFile(dir, url);
  const tmp = `${file}.${Deno.pid}.tmp`;
  const failure: Failure = { at: now, reason: error.message };
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(tmp, JSON.stringify(failure) + "\n", { mode: 0o600 });
    await Deno.rename(tmp, file);
  } catch {
    // Without the state the next call simply tries again.
    await Deno.remove(tmp).catch(() => {});
  }
}

/** Forgets a failure of the broker of `url` (a call reached it). Never throws. */
export async function clearFailure(dir: string, url: string): Promise<void> {
  await Deno.remove(stateFile(dir, url)).catch(() => {});
}
