/**
 * Fail fast after a failure, the one implementation `publish`, `sync-event` and `flush` share:
 * a session is opened unless the broker failed within the window (then the reason to spool at
 * once is returned instead); a failure to reach it, or a session it let stall (no confirm
 * within the timeout), is remembered in the spool directory, a success forgets it. The state
 * itself is lib/spool/failfast.ts.
 */
import type { Config } from "../config.ts";
import { DeliveryError } from "../errors.ts";
import type { Interruption } from "../io/interrupt.ts";
import type { BrokerSession, Deadline } from "../bus/transport.ts";
import {
  clearFailure,
  recentFailure,
  recordFailure,
  TIMEOUT_FLOOR_MS,
  unreachable,
} from "../spool/failfast.ts";
import { openSession } from "./session.ts";

/** Where the fail-fast state is kept and how long a failure counts. */
export interface FailFast {
  /** The spool directory that holds the state. */
  dir: string;
  /**
   * Within this long after a failure, do not try (`--retry-after`); 0: always try, and still
   * keep the state for the commands that do not (`flush`).
   */
  windowMs: number;
}

/**
 * Opens a session as {@link openSession} does, unless `failFast` says the broker failed too
 * recently; without `failFast`, always tries and remembers nothing. A signal's error is not
 * the broker's failure: it is not remembered.
 */
export async function openOrSkip(
  config: Config,
  deadline: Deadline,
  failFast: FailFast | undefined,
  interruption?: Interruption,
): Promise<BrokerSession | DeliveryError> {
  if (!failFast) return await openSession(config, deadline, interruption);
  const { dir, windowMs } = failFast;
  if (windowMs > 0) {
    const skip = await recentFailure(dir, config.amqpUrl, windowMs, Date.now());
    if (skip) return skip;
  }
  // What the attempt was given: a short budget's timeout is not the broker's failure.
  const budgetMs = deadline - Date.now();
  const session = await openSession(config, deadline, interruption);
  if (!(session instanceof DeliveryError)) await clearFailure(dir, config.amqpUrl);
  else if (unreachable(session, budgetMs) && session !== interruption?.error) {
    await recordFailure(dir, config.amqpUrl, session, Date.now());
  }
  return session;
}

/**
 * Remembers, as {@link openOrSkip} remembers a broker that could not be reached, a session that
 * ended because the broker made no progress within the timeout: it took the connection, then
 * confirmed nothing (a memory or disk alarm blocking publishers, a stuck node), which would cost
 * every later call the whole timeout too. Not after a signal (not the broker's fault), nor under
 * a timeout shorter than {@link TIMEOUT_FLOOR_MS} (the caller's budget). Never throws.
 */
export async function rememberStall(
  session: BrokerSession | DeliveryError,
  config: Config,
  failFast: FailFast | undefined,
  interruption?: Interruption,
): Promise<void> {
  if (!failFast || session instanceof DeliveryError || interruption?.error) return;
  const stalled = session.stalled;
  if (!stalled || config.timeoutMs < TIMEOUT_FLOOR_MS) return;
  await recordFailure(failFast.dir, config.amqpUrl, stalled, Date.now());
}
