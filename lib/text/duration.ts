/**
 * Durations on the command line (`--since`, `--max-age`, `--retry-after`), one grammar for
 * all: whole numbers with units s m h d w, combinable: `0s`, `90s`, `30m`, `6h`, `1h30m`, `2d`.
 */
import { UsageError } from "../errors.ts";

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Parses a duration into milliseconds; `where` names the flag in the error. */
export function parseDuration(text: string, where: string): number {
  const parts = [...text.matchAll(/(\d+)([smhdw])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new UsageError(
      `${where}: must be a duration such as 36h, 2d or 1h30m (units s m h d w), got "${text}"`,
    );
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]! * 1000, 0);
}

/** A duration for people: `42 s`, `17 min`, `3.5 h`, `2.1 d`. */
export function formatAge(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.floor(s)} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}
