/** Calendar dates (`YYYY-MM-DD`, UTC) as the sync's log dates and run days are written. Pure. */

const DAY = 86_400_000;

/** The UTC day (`YYYY-MM-DD`) of an ISO time, or undefined when it is not one. */
export function dayOf(time: string): string | undefined {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
}

/** Whether `text` is a calendar date `YYYY-MM-DD`. */
export function isDate(text: string): boolean {
  const ms = Date.parse(`${text}T00:00:00Z`);
  return /^\d{4}-\d\d-\d\d$/.test(text) && !Number.isNaN(ms) &&
    new Date(ms).toISOString().startsWith(text);
}

/** `date` plus `n` days. */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

/** Days from `a` to `b` (both `YYYY-MM-DD`). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);
}
