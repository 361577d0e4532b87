/** Durations on the command line: `90`, `90s`, `30m`, `6h`, `2d`, `0s` (a bare number is seconds). */
import { UsageError } from "../errors.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration into milliseconds; `where` names the flag in the error. */
export function parseDuration(text: string, where: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) {
    throw new UsageError(
      `${where}: must be a duration such as 90s, 30m, 6h or 2d (a bare number is seconds), got "${text}"`,
    );
  }
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? "s"]!);
}

/** A duration for people: `42 s`, `17 min`, `3.5 h`, `2.1 d`. */
export function formatAge(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.floor(s)} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}
