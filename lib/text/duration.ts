/**
 * Durations on the command line, one grammar for every flag that takes one (`--timeout`,
 * `--max-age`, `--since`, `--retry-after`, and `$BUSMSG_TIMEOUT`): a plain number is seconds
 * (`6`, `0.5`), as `--timeout` has always read it; a unit may follow, s m h d w, and parts
 * combine: `90s`, `30m`, `6h`, `1h30m`, `1.5h`, `2d`.
 */
import { UsageError } from "../errors.ts";

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const NUMBER = String.raw`\d+(?:\.\d+)?`;
const WHOLE = new RegExp(`^(?:${NUMBER}|(?:${NUMBER}[smhdw])+)$`);
const PART = new RegExp(`(${NUMBER})([smhdw]?)`, "g");

/** What a duration looks like, for error messages. */
export const DURATION_FORMS = "seconds (6, 0.5) or with units s m h d w (90s, 30m, 6h, 1h30m, 2d)";

/** Parses a duration into whole milliseconds; `where` names the flag in the error. */
export function parseDuration(text: string, where: string): number {
  if (!WHOLE.test(text)) {
    throw new UsageError(`${where}: must be a duration: ${DURATION_FORMS}, got "${text}"`);
  }
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(PART)) seconds += Number(n) * UNITS[unit || "s"]!;
  return Math.round(seconds * 1000);
}

/** A duration for people: `42 s`, `17 min`, `3.5 h`, `2.1 d`. */
export function formatAge(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.floor(s)} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}
