/**
 * How far a sync event's `log_date` may be from the time it was sent and still be counted. The
 * real sync fetches the few days before its run, and a date can be fetched by hand for about a
 * week after; `--window` goes up to a year. A date further back, or after the day it was sent,
 * is a typo or a forgery (9999-12-31, 2062 for 2026): counting it would stretch every view over
 * the calendar between them, so the event is not counted, and says so. Pure.
 */

/** Days before its `sent-at` a log date may lie (as long as the longest `--window`). */
export const MAX_DAYS_BEFORE = 366;
/** Days after its `sent-at` a log date may lie: a proxy's local date may run ahead of UTC. */
export const MAX_DAYS_AFTER = 1;

const DAY = 86_400_000;

/**
 * Why `logDate` (`YYYY-MM-DD`) cannot be counted for an event sent at `sentAt` (ISO 8601), or
 * undefined when it can (or when either cannot be read as a time: the schema and the run's
 * model judge those).
 */
export function farLogDate(logDate: string, sentAt: string): string | undefined {
  const date = Date.parse(`${logDate}T00:00:00Z`);
  const sent = Date.parse(sentAt);
  if (Number.isNaN(date) || Number.isNaN(sent)) return undefined;
  const sentDay = Math.floor(sent / DAY) * DAY;
  const days = Math.round((date - sentDay) / DAY);
  if (days > MAX_DAYS_AFTER) {
    return `log_date ${logDate} is ${days} days after the event was sent (${sentAt})`;
  }
  if (-days > MAX_DAYS_BEFORE) {
    return `log_date ${logDate} is ${-days} days before the event was sent (${sentAt}), ` +
      `more than ${MAX_DAYS_BEFORE}`;
  }
  return undefined;
}
