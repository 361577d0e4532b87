/** Deadlines: every network step of a command shares one, and fails when it passes. */
import { DeliveryError, EXIT } from "../errors.ts";

/** A point in time (ms since the epoch) that every network step must finish by. */
export type Deadline = number;

/** Rejects with a transient timeout error when the deadline passes first. */
export function withDeadline<T>(p: Promise<T>, deadline: Deadline, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeliveryError(`${what}: no answer within the timeout`, EXIT.CONNECT, true)),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
