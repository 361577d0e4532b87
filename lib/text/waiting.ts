/** The words of a spool's figures, one wording for every check that shows them. */
import { formatAge } from "./duration.ts";

/**
 * "3 messages, oldest 2.0 h": how many messages wait and the oldest one's age (left out when
 * none waits). `lowerBound`: the listing was cut short, so each figure is what was seen:
 * "at least 3 messages, oldest at least 2.0 h".
 */
export function waitingFigures(
  messages: number,
  oldestAgeMs: number | undefined,
  lowerBound: boolean,
): string {
  const atLeast = lowerBound ? "at least " : "";
  const count = `${atLeast}${messages} message${messages === 1 ? "" : "s"}`;
  return oldestAgeMs === undefined ? count : `${count}, oldest ${atLeast}${formatAge(oldestAgeMs)}`;
}
