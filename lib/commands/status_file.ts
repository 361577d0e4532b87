/**
 * The status file (/var/lib/busmsg/status.json): what root's timer found, for monitoring to read
 * without sudo, a broker or a key (`busmsg status`, Zabbix's `vfs.file.contents`). Pure: checks
 * in, one bounded document out; a document in, one check out.
 */
import { type Check, type CheckJson, checkJson, type Perf } from "../text/check.ts";
import { exitCodeFor, type State, STATES, worst } from "../text/nagios.ts";
import { type Coverage, type Gap, GAPS, noGaps, proxyGaps } from "../sync/coverage.ts";
import { formatAge } from "../text/duration.ts";

/** Where root's timer writes it. */
export const STATUS_FILE = "/var/lib/busmsg/status.json";
/** The timer that writes it, and its service: what to look at when the file is stale. */
export const STATUS_TIMER = "busmsg-status.timer";
export const STATUS_SERVICE = "busmsg-status.service";

/** What a recorder that ended for good leaves beside its day files: why (time, code, reason, fix). */
export const RECORDER_FAILED = "recorder.failed.json";

/** The checks the file holds, in order. */
export const CHECKS = ["coverage", "cert_publisher", "cert_recorder", "recorder", "spool"] as const;
export type CheckName = typeof CHECKS[number];

/**
 * One proxy's dates not (yet) in DNF Counting, one count per column of GAPS (lost, late,
 * pending, unverified, missing, untried, unmerged): the discovery array's entry.
 */
export type ProxyCounts = { proxy: string } & Record<Gap, number>;

/** One user's spool. */
export interface SpoolLine {
  user: string;
  dir: string;
  messages: number;
  oldest_age_s: number;
}

/** The document. */
export interface StatusDoc {
  format: 1;
  /** When it was written: ISO 8601 and seconds since the epoch. */
  written: string;
  written_unix: number;
  state: State;
  code: number;
  summary: string;
  checks: Record<CheckName, CheckJson>;
  /** Every proxy of the coverage (Zabbix low-level discovery: {#PROXY} is `proxy`). */
  proxies: ProxyCounts[];
  spools: SpoolLine[];
}

/** Longest summary kept; the file stays small whatever a reason holds. */
const SUMMARY_CHARS = 300;
/** Detail lines kept per check, and their length. */
const DETAILS = 5, DETAIL_CHARS = 200;
/** Proxies kept (far more than Fedora's 50), and a name's length (a DNS name's). */
const PROXIES = 500, NAME_CHARS = 253;

const cut = (text: string, n: number) =>
  [...text].length > n ? [...text].slice(0, n - 3).join("") + "..." : text;

/** A check as the file holds it: every number a number (0 where nothing was measured). */
function stored(check: Check): CheckJson {
  const json = checkJson(check);
  for (const [k, v] of Object.entries(json.perf)) if (v === null) json.perf[k] = 0;
  json.summary = cut(json.summary, SUMMARY_CHARS);
  json.details = json.details.slice(0, DETAILS).map((d) => cut(d, DETAIL_CHARS));
  return json;
}

/**
 * Each proxy's count in every column of GAPS, over the log servers whose dates DNF Counting
 * takes in (a server that runs no merge while another does lists its proxies with none).
 */
export function discovery(list: Coverage[]): ProxyCounts[] {
  const out = new Map<string, ProxyCounts>();
  for (const c of list) {
    for (const [proxy, n] of Object.entries(proxyGaps(c))) {
      const name = cut(proxy, NAME_CHARS);
      const entry: ProxyCounts = out.get(name) ?? { proxy: name, ...noGaps() };
      // A log server that runs no merge while another does feeds DNF Counting nothing: its
      // proxies are listed, its dates are no gap there (its check says WARNING, not CRITICAL).
      if (!c.merged_elsewhere) { for (const g of GAPS) entry[g] += n[g]; }
      if (out.size < PROXIES || out.has(name)) out.set(name, entry);
    }
  }
  return [...out.values()];
}

/** The document from the checks, the coverage's proxies and the spools. */
export function statusDoc(
  checks: Record<CheckName, Check>,
  proxies: ProxyCounts[],
  spools: SpoolLine[],
  now: number,
): StatusDoc {
  const state = worst(CHECKS.map((n) => checks[n].state));
  const bad = CHECKS.filter((n) => checks[n].state !== "OK");
  return {
    format: 1,
    written: new Date(now).toISOString(),
    written_unix: Math.floor(now / 1000),
    state,
    code: exitCodeFor(state),
    summary: cut(
      bad.length === 0
        ? `${CHECKS.length} checks OK`
        : bad.map((n) => `${n} ${checks[n].state}: ${checks[n].summary}`).join("; "),
      SUMMARY_CHARS,
    ),
    checks: Object.fromEntries(CHECKS.map((n) => [n, stored(checks[n])])) as Record<
      CheckName,
      CheckJson
    >,
    proxies: proxies.slice(0, PROXIES),
    spools: spools.map((s) => ({ ...s, user: cut(s.user, 64), dir: cut(s.dir, 256) })),
  };
}

/** The labels of `busmsg status`: [label, check, perf label of that check, unit]. */
const LABELS: [string, CheckName, string, NonNullable<Perf["unit"]>][] = [
  ["coverage_lost", "coverage", "lost", ""],
  ["coverage_late", "coverage", "late", ""],
  ["coverage_pending", "coverage", "pending", ""],
  ["coverage_missing", "coverage", "missing", ""],
  ["cert_publisher_days", "cert_publisher", "days_left", ""],
  ["cert_recorder_days", "cert_recorder", "days_left", ""],
  ["recorder_silence", "recorder", "last_line_age_s", "s"],
  ["recorder_queue", "recorder", "queue_depth", ""],
  ["spool_messages", "spool", "messages", ""],
  ["spool_oldest", "spool", "oldest", "s"],
];

/** What `busmsg status` needs besides the file's text. */
export interface ReadOptions {
  path: string;
  now: number;
  /** Older than this (ms) is stale: CRITICAL. */
  maxAgeMs: number;
}

const look = `look at ${STATUS_TIMER} (systemctl status ${STATUS_TIMER} ${STATUS_SERVICE}; ` +
  `journalctl -u ${STATUS_SERVICE})`;

/** The labels of `busmsg status`, unmeasured: for a check that knows nothing. */
export function statusLabels(maxAgeMs?: number): Perf[] {
  const crit = maxAgeMs === undefined ? {} : { crit: String(maxAgeMs / 1000) };
  return [
    { label: "status_age", value: undefined, unit: "s", ...crit },
    ...LABELS.map(([label, , , unit]) => ({ label, value: undefined, unit })),
  ];
}

/** A status file that cannot be used: CRITICAL (monitoring is blind), naming the timer. */
function blind(why: string, maxAgeMs: number): Check {
  const summary = `${why}: ${look}`;
  return {
    service: "BUSMSG",
    state: "CRITICAL",
    summary,
    perf: statusLabels(maxAgeMs),
    details: [],
  };
}

const isState = (s: unknown): s is State => STATES.includes(s as State);

/**
 * The check `busmsg status` gives from the file's text (undefined: the file does not exist):
 * missing, unreadable or older than `maxAgeMs` is CRITICAL; else the worst of its checks,
 * each named in the details.
 */
export function readStatus(text: string | undefined, o: ReadOptions): Check {
  if (text === undefined) return blind(`${o.path} does not exist`, o.maxAgeMs);
  let doc: StatusDoc;
  try {
    doc = JSON.parse(text);
    if (doc?.format !== 1 || typeof doc.written_unix !== "number" || !doc.checks) throw 0;
    for (const n of CHECKS) if (!isState(doc.checks[n]?.state)) throw 0;
  } catch {
    return blind(`${o.path} is not a busmsg status file (format 1)`, o.maxAgeMs);
  }
  const ageS = Math.max(0, Math.floor(o.now / 1000 - doc.written_unix));
  if (ageS * 1000 > o.maxAgeMs) {
    const stale = blind(
      `${o.path} is stale: written ${formatAge(ageS * 1000)} ago (${doc.written}), over ${
        formatAge(o.maxAgeMs)
      }`,
      o.maxAgeMs,
    );
    stale.perf[0]!.value = ageS;
    return stale;
  }
  const states = CHECKS.map((n) => doc.checks[n].state);
  const state = worst(states);
  const bad = CHECKS.filter((n) => doc.checks[n].state !== "OK");
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  return {
    service: "BUSMSG",
    state,
    summary: bad.length === 0
      ? `${CHECKS.length} checks OK, written ${formatAge(ageS * 1000)} ago`
      : bad.map((n) => `${n}: ${doc.checks[n].summary}`).join("; "),
    perf: [
      { label: "status_age", value: ageS, unit: "s", crit: String(o.maxAgeMs / 1000) },
      ...LABELS.map(([label, check, key, unit]) => ({
        label,
        value: num(doc.checks[check].perf?.[key]),
        unit,
      })),
    ],
    details: CHECKS.map((n) => `${doc.checks[n].state} ${n}: ${doc.checks[n].summary}`),
  };
}
