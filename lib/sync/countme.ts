/**
 * What a proxy-date means for DNF Counting (mirrors-countme), which reads only the merged
 * `combined-http` logs of the hosts named `proxy*` and writes each week's totals once: which
 * hosts feed it, which week a log date undercounts, and how a person fetches a date by hand
 * and merges it again. Facts from the spec's "What the deployed callers really send". Pure.
 */
import { addDays } from "./dates.ts";

/** The hosts whose logs go into the merge DNF Counting reads (`log` glob `/var/log/hosts/proxy*`). */
export const DEFAULT_COUNTME_HOSTS = "proxy*";

/** Rotated logs a proxy keeps: a date not fetched can still be fetched by hand for about a week. */
export const ROTATED_LOGS = 7;

/**
 * A shell glob (`*`, `?`, `[...]`) as a whole-name matcher, case-insensitive. Throws for what
 * it cannot read as the shell does (a bad range, a POSIX character class).
 */
export function globMatcher(glob: string): (name: string) => boolean {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        const inside = glob.slice(i + 1, end);
        // [[:alpha:]] would silently read as "one of [:alph" then "]": refused, not misread.
        if (/\[[:=.]/.test(inside)) {
          throw new Error("character classes ([:alpha:], [=a=], [.a.]) are not supported");
        }
        const body = inside.replace(/^!/, "^").replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  const r = new RegExp(`^${re}$`, "i");
  return (name) => r.test(name);
}

/**
 * The DNF Counting week a log date undercounts, by its Monday: log date D holds the traffic of
 * day D-1, and weeks start on Monday.
 */
export function countmeWeek(date: string): string {
  const traffic = addDays(date, -1);
  const weekday = new Date(`${traffic}T00:00:00Z`).getUTCDay(); // 0 Sunday
  return addDays(traffic, -((weekday + 6) % 7));
}

/** "week of 2026-11-30 (Mon) to 2026-12-06". */
export function weekText(monday: string): string {
  return `week of ${monday} (Mon) to ${addDays(monday, 6)}`;
}

/** How a person fetches one proxy-date by hand, into the place the sync uses. */
export interface Recovery {
  /** The last day it can still be fetched (the proxy keeps about 7 rotated logs). */
  until: string;
  /** The command, as root on the log server. */
  command: string;
}

/** Whether a proxy name from the bus is a host name, safe to put in a command to paste. */
export function isHostName(name: string): boolean {
  return /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?$/
    .test(name) && name.length <= 253;
}

/**
 * The recovery of `proxy`'s log date `date`: the sync fetches `PROXY::log/httpd/*DATE*` (the
 * date as in the rotated files' names, YYYYMMDD) into `/var/log/hosts/PROXY/YYYY/MM/DD/http/`
 * with rsync `--timeout=1200 --contimeout=1200`; the same by hand.
 */
export function recovery(proxy: string, date: string): Recovery {
  const until = addDays(date, ROTATED_LOGS);
  // A name that is no host name (anything may arrive on the bus) gets no command to paste.
  if (!isHostName(proxy)) {
    return { until, command: "(no command: the proxy's name is not a host name)" };
  }
  const [y, m, d] = date.split("-");
  const dir = `/var/log/hosts/${proxy}/${y}/${m}/${d}/http/`;
  return {
    until,
    command: `mkdir -p ${dir} && rsync -a --timeout=1200 --contimeout=1200 ` +
      `'${proxy}::log/httpd/*${y}${m}${d}*' ${dir}`,
  };
}

/** What to do once a late date is on the log server: merge it again, then recount. */
export function remedy(date: string): string {
  return `re-run the merge for ${date} (combineHttpLogs.sh with the date as its argument), ` +
    `then countme's raw update from ${date} on`;
}
