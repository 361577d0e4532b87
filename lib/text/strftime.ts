/**
 * strftime fields in output paths (`/var/log/busmsg/%Y-%m-%d.jsonl`), always in UTC, so that a
 * recorder writes one file a day (or hour). Pure. Only the fields a log path needs; any other
 * `%` is a usage error, never copied into a file name by accident.
 */
import { UsageError } from "../errors.ts";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

const FIELDS: Record<string, (d: Date) => string> = {
  Y: (d) => pad(d.getUTCFullYear(), 4),
  m: (d) => pad(d.getUTCMonth() + 1),
  d: (d) => pad(d.getUTCDate()),
  H: (d) => pad(d.getUTCHours()),
  M: (d) => pad(d.getUTCMinutes()),
  S: (d) => pad(d.getUTCSeconds()),
  j: (d) => pad(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, 3),
  F: (d) => `${FIELDS["Y"]!(d)}-${FIELDS["m"]!(d)}-${FIELDS["d"]!(d)}`,
  "%": () => "%",
};

/** The pattern with its fields filled in for `date` (UTC); throws a UsageError on an unknown field. */
export function strftime(pattern: string, date: Date): string {
  return pattern.replace(/%(.?)/g, (_, field: string) => {
    const f = FIELDS[field];
    if (!f) {
      throw new UsageError(
        `unknown field "%${field}" in "${pattern}" (known: ${
          Object.keys(FIELDS).map((k) => `%${k}`).join(" ")
        })`,
      );
    }
    return f(date);
  });
}
