/**
 * `busmsg report --coverage`: whether every proxy's every log date was fetched in the end, over
 * all the runs read, as text, `--json`, a `--nagios` check and an `--html` page.
 */
import { EXIT, ioReason, UsageError } from "../errors.ts";
import { out } from "../io/output.ts";
import { jsonText, printable } from "../text/printable.ts";
import { checkJson, pluginOutput } from "../text/check.ts";
import { NAGIOS } from "../text/nagios.ts";
import { parseDuration } from "../text/duration.ts";
import { parseDate } from "../sync/check.ts";
import type { RunSummary } from "../sync/runs.ts";
import {
  type Coverage,
  dayOf,
  DEFAULT_MERGE_AFTER,
  DEFAULT_WINDOW,
  proxyCounts,
} from "../sync/coverage.ts";
import { coverageCheck, type CoverageVerdict, coverageVerdict } from "../sync/coverage_verdict.ts";
import { coverageByServer, logServers, type ServerOptions } from "../sync/coverage_servers.ts";
import type { MergeEvent } from "../sync/merges.ts";
import { globMatcher } from "../sync/countme.ts";
import { formatCoverage } from "../sync/coverage_text.ts";
import { coverageRuns } from "../sync/coverage_runs.ts";
import { coverageHtml } from "../sync/coverage_html.ts";
import { VERSION } from "../version.ts";
import { missingHosts } from "../sync/hosts.ts";

/** The environment variable that sets the window when `--window` is not given. */
export const WINDOW_ENV = "BUSMSG_REPORT_WINDOW";

/** What `--coverage` needs from the command line. */
export interface CoverageArgs {
  window?: string | undefined;
  date?: string | undefined;
  since?: string | undefined;
  html?: string | undefined;
  json?: boolean | undefined;
  nagios?: boolean | undefined;
  expected?: string[] | undefined;
  mergeAfter?: string | undefined;
  countmeHosts?: string | undefined;
  logServer?: string | undefined;
  /** Events that could not be counted. */
  ignored?: number;
  /** Messages the recorder kept aside in side files instead of recording them. */
  aside?: { count: number; files: string[] };
}

/** `--window`, else `$BUSMSG_REPORT_WINDOW` (when set and not empty), else 3: a whole number of nights from 1 to 366. */
export function windowFrom(flag: string | undefined, env: string | undefined): number {
  const [where, text] = flag !== undefined
    ? ["--window", flag]
    : env !== undefined && env !== ""
    ? [WINDOW_ENV, env]
    : ["", String(DEFAULT_WINDOW)];
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 366) {
    throw new UsageError(
      `${where}: must be a whole number of nights from 1 to 366, got "${printable(text)}"`,
    );
  }
  return n;
}

/** Which log dates to show: `--date D` that one, `--since DURATION` those from that day on. */
export function dateFilter(
  args: CoverageArgs,
  now: number,
): ((date: string) => boolean) | undefined {
  if (args.date !== undefined) {
    const day = parseDate(args.date);
    return (d) => d === day;
  }
  if (args.since !== undefined) {
    const first = dayOf(new Date(now - parseDuration(args.since, "--since")).toISOString())!;
    return (d) => d >= first;
  }
  return undefined;
}

/**
 * Writes the page whole or not at all: a web server never serves half of it. The temporary file
 * is a new file of an unguessable name (O_CREAT|O_EXCL, which never follows a symlink), so that
 * another user who can write the directory cannot have it written through a planted link (root
 * making the page in /var/log/busmsg would overwrite any file); rename replaces a link at `path`
 * itself, never its target.
 */
async function writePage(path: string, html: string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  let created = false;
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o644 });
    created = true;
    try {
      let bytes = new TextEncoder().encode(html);
      while (bytes.length > 0) bytes = bytes.subarray(await file.write(bytes));
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    if (created) await Deno.remove(tmp).catch(() => {});
    throw new Error(`--html ${path}: cannot write: ${ioReason(e)}`);
  }
}

/** `--merge-after N`: a whole number of nights from 0 to 366 (default 2). */
export function mergeAfterFrom(flag: string | undefined): number {
  if (flag === undefined) return DEFAULT_MERGE_AFTER;
  const n = Number(flag);
  if (!/^\d+$/.test(flag) || n > 366) {
    throw new UsageError(
      `--merge-after: must be a whole number of nights from 0 to 366, got "${printable(flag)}"`,
    );
  }
  return n;
}

/** `--countme-hosts GLOB`: a non-empty shell glob (default proxy*). */
export function countmeHostsFrom(flag: string | undefined): string {
  if (flag === undefined) return "proxy*";
  if (flag === "" || printable(flag) !== flag) {
    throw new UsageError(
      `--countme-hosts: must be a shell glob such as proxy*, got "${printable(flag)}"`,
    );
  }
  try {
    globMatcher(flag);
  } catch (e) {
    // A RegExp's own error names its internals; a range out of order is all it can mean here.
    const why = e instanceof SyntaxError ? "" : `: ${(e as Error).message}`;
    throw new UsageError(`--countme-hosts: not a shell glob: "${printable(flag)}"${why}`);
  }
  return flag;
}

/** The coverage as JSON: with one log server its fields at the top, with several each in `servers`. */
function coverageJson(list: Coverage[], v: ReturnType<typeof coverageVerdict>): string {
  const withCounts = (c: Coverage) => ({ ...c, proxy_counts: proxyCounts(c) });
  const head = {
    ...checkJson(coverageCheck(v, v.findings.map((f) => `${f.state}: ${f.text}`))),
    findings: v.findings,
    log_servers: list.map((c) => c.log_server),
  };
  const body = list.length === 1
    ? { ...head, ...withCounts(list[0]!) }
    : { ...head, servers: list.map(withCounts) };
  return jsonText(body, 2) + "\n";
}

/** The coverage of `runs` (and the merges) as the arguments choose it, per log server, with its verdict. */
export function coverageOf(
  runs: RunSummary[],
  merges: MergeEvent[],
  args: CoverageArgs,
  now: number,
): { list: Coverage[]; v: CoverageVerdict } {
  const window = windowFrom(args.window, Deno.env.get(WINDOW_ENV));
  const options: ServerOptions = {
    window,
    mergeAfter: mergeAfterFrom(args.mergeAfter),
    countmeHosts: countmeHostsFrom(args.countmeHosts),
  };
  if (args.logServer !== undefined) options.logServer = args.logServer;
  const keep = dateFilter(args, now);
  if (keep) options.keep = keep;
  const read = coverageRuns(runs);
  if (args.expected) {
    const seen = new Set(read.flatMap((r) => [...Object.keys(r.tries), ...Object.keys(r.skipped)]));
    options.expected = expectedAs(args.expected, [...seen]);
  }
  const list = coverageByServer(read, merges, options);
  if (list.length === 0 && read.length > 0) {
    // A check naming a server that is not there is misconfigured: UNKNOWN with --nagios.
    throw new UsageError(
      `--log-server ${printable(args.logServer ?? "")}: no run of that log server; the runs ` +
        `read are of ${logServers(read).map(printable).join(", ")}`,
    );
  }
  return { list, v: coverageVerdict(list, args.ignored ?? 0, args.aside) };
}

/** Prints the coverage of `runs` (and the merges) and returns the exit code. */
export async function coverageReport(
  runs: RunSummary[],
  merges: MergeEvent[],
  args: CoverageArgs,
): Promise<number> {
  const now = Date.now();
  const { list, v } = coverageOf(runs, merges, args, now);
  if (args.html !== undefined) {
    const page = coverageHtml(list, v, {
      generated: new Date(now).toISOString(),
      version: VERSION,
    });
    if (args.html === "-") {
      out(page);
      return exitCode(v.state, args.nagios);
    }
    await writePage(args.html, page);
  }
  const text = args.json ? coverageJson(list, v) : formatCoverage(list, v);
  out(
    args.nagios ? pluginOutput(coverageCheck(v, text.trimEnd().split("\n"))) : text,
  );
  return exitCode(v.state, args.nagios);
}

/** With --nagios the state's plugin code; else 1 when a date needs a person (CRITICAL), 0. */
function exitCode(state: keyof typeof NAGIOS, nagios: boolean | undefined): number {
  if (nagios) return NAGIOS[state];
  return state === "CRITICAL" ? EXIT.FAILURE : EXIT.OK;
}

/**
 * The expected proxies (`--expect-hosts`) as coverage names them: each by the name it was
 * synced under when the per-run report's rule matches it to one (case, a final dot, or a short
 * name against a unique FQDN, see `missingHosts`), else as given (then it has no event at all).
 */
export function expectedAs(expected: string[], seen: string[]): string[] {
  const absent = new Set(missingHosts(expected, seen));
  const norm = (name: string) => name.toLowerCase().replace(/\.$/, "");
  const out = new Set<string>();
  for (const e of expected) {
    if (absent.has(e)) {
      out.add(e);
      continue;
    }
    const same = seen.filter((s) => norm(s) === norm(e));
    const alike = seen.filter((s) => missingHosts([e], [s]).length === 0);
    for (const s of same.length > 0 ? same : alike.slice(0, 1)) out.add(s);
  }
  return [...out];
}
