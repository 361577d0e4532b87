/**
 * Nights of recorded sync events in the patterns of Fedora's two real sync scripts (our own
 * simulation of how they call the bus, see ../shared/spec/logging-stats-topics.md), as the
 * recorder's day files hold them. Used by the coverage tests and `scripts/coverage_bench.ts`.
 *
 * - `bash` (the deployed script): one proxy after another, `host` a short name, failures
 *   carried as `failure`, `fail.retry` for every failed attempt and no `fail.final`,
 *   `logdate.finish` after every date, also after the last failed attempt.
 * - `python` (its successor): 5 worker processes whose events interleave, `host` an FQDN,
 *   `reason`, the same retry-never-final bug, `sync.host.skip` for a proxy that does not
 *   resolve, and a proxy listed twice synced twice.
 */

/** One night's run. */
export interface Night {
  /** The UTC day the run starts on, `YYYY-MM-DD`; it fetches the `window` days before. */
  day: string;
  pattern: "bash" | "python";
  /** The host list in order; a name twice is synced twice. */
  proxies: string[];
  /** Failed attempts per proxy and log date: `attempts` or more means none succeeded. */
  fails?: Record<string, Record<string, number>>;
  /** Proxies that do not resolve (python: `host.skip`). */
  skip?: string[];
  /** Whether `sync.finish` is sent (default true). */
  finished?: boolean;
  /** The failure text (default `Error code: 23`). */
  reason?: string;
  window?: number;
  attempts?: number;
  /** When the run starts (default 03:15:00). */
  time?: string;
  /** How the lines were recorded: `busmsg listen` (default) or `fedora-messaging record`. */
  format?: "listen" | "record";
  /** The log server that runs it (default: the script's log01 name). */
  host?: string;
  /**
   * Attempts per proxy and log date that hit the sync's 2-hour subprocess timeout: each takes
   * 2 hours and sends nothing (python); this many or `attempts` of them is every attempt.
   */
  timeouts?: Record<string, Record<string, number>>;
  /** A failure text per proxy, instead of `reason` (e.g. `Error code: 5` for a refusal). */
  reasonFor?: Record<string, string>;
  /**
   * `combineHttpLogs.sh` right after the sync, in the same cron job: it merges log date
   * `date` (default `day` - 2, its "2 days ago") and ends with `result` (default "0"), or
   * never finishes (`finished: false`).
   */
  merge?: { date?: string; result?: string; finished?: boolean };
}

/** The files `combineHttpLogs.sh` merges from the proxies, one merge each. */
export const MERGED_FILES = [
  "mirrors.fedoraproject.org-access.log.xz",
  "dl.fedoraproject.org-access.log.xz",
];

/** One recorded event: when it was sent, and its dump line. */
export interface Recorded {
  /** When it was sent (ms since the epoch, whole seconds). */
  at: number;
  /** Emission order, for events of the same second. */
  seq: number;
  line: string;
}

const PREFIX = "org.fedoraproject.prod.";

/** `date` plus `n` days. */
export function plusDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

function sentAt(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

/** The night's events, in the order the recorder wrote them. */
export function nightEvents(n: Night): Recorded[] {
  const window = n.window ?? 3, attempts = n.attempts ?? 3;
  const python = n.pattern === "python";
  const host = n.host ?? (python ? "log01.iad2.fedoraproject.org" : "log01");
  const runId = crypto.randomUUID();
  const start = Date.parse(`${n.day}T${n.time ?? "03:15:00"}Z`);
  const out: Recorded[] = [];
  let serial = 0;
  const emit = (at: number, event: string, body: Record<string, string>) => {
    const severity = event.endsWith("fail.final") ? 40 : event.includes("fail") ? 30 : 20;
    const record = n.format === "record";
    const line: Record<string, unknown> = {
      topic: `${record ? PREFIX : ""}logging.stats.sync.${event}`,
      body: { host, run_id: runId, ...body },
      headers: {
        fedora_messaging_schema: "base.message",
        fedora_messaging_severity: severity,
        "sent-at": sentAt(at),
      },
      id: crypto.randomUUID(),
    };
    if (record) line["queue"] = "busmsg-recorder";
    out.push({ at, seq: serial++, line: JSON.stringify(line) });
  };
  emit(start, "start", {});
  const dates = Array.from({ length: window }, (_, i) => plusDays(n.day, -(i + 1)));
  const workers = python ? 5 : 1;
  const clocks = Array.from({ length: workers }, () => start + 1000);
  n.proxies.forEach((proxy, i) => {
    const w = i % workers;
    let t = clocks[w]!;
    const step = () => (t += 1000);
    const p = { synced_host: proxy };
    if (n.skip?.includes(proxy)) {
      if (python) emit(step(), "host.skip", { ...p, reason: "Synced host unknown" });
      clocks[w] = t;
      return;
    }
    emit(step(), "host.start", p);
    for (const date of dates) {
      const d = { ...p, log_date: date };
      emit(step(), "host.logdate.start", d);
      // A silent timeout: two hours, then the next attempt, and not a word on the bus.
      const silent = Math.min(n.timeouts?.[proxy]?.[date] ?? 0, attempts);
      t += silent * 7_205_000;
      const failed = Math.min(n.fails?.[proxy]?.[date] ?? 0, attempts - silent);
      for (let a = 0; a < failed; a++) {
        const text = n.reasonFor?.[proxy] ?? n.reason ?? "Error code: 23";
        emit(t += 7000, "host.logdate.fail.retry", {
          ...d,
          ...(python ? { reason: text } : { failure: text }),
        });
      }
      emit(step(), "host.logdate.finish", d);
    }
    emit(step(), "host.finish", p);
    clocks[w] = t;
  });
  const end = Math.max(...clocks) + 1000;
  if (n.finished ?? true) emit(end, "finish", {});
  if (n.merge) out.push(...mergeEvents(n, end + 5000));
  // Five publishers: the recorder writes what arrives, interleaved.
  return out.sort((a, b) => a.at - b.at || a.seq - b.seq);
}

/**
 * What `combineHttpLogs.sh` sends for one night's merge, through the shell jobs' helper: bodies
 * with `loghost` (the short name) and the job's own `run_id`, never `host`; per merged file
 * `logmerge.proxy.start` and `.finish` (`log` the unexpanded glob, `file`, `target` ending in
 * the merged date, `temp`, and `result` on finish), then the same for the other logs; headers
 * as the helper sets them (severity 20, `sent-at` from `TZ=UTC date -Iseconds`, a dummy queue).
 */
export function mergeEvents(n: Night, at: number): Recorded[] {
  const m = n.merge ?? {};
  const date = m.date ?? plusDays(n.day, -2);
  const [y, mo, d] = date.split("-");
  const loghost = (n.host ?? "log01").split(".")[0]!;
  const runId = crypto.randomUUID();
  const out: Recorded[] = [];
  let t = at, serial = 0;
  const emit = (topic: string, body: Record<string, string>) => {
    const line = {
      topic: `logging.stats.combinehttplogs.${topic}`.replace(/\.$/, ""),
      body: { loghost, run_id: runId, ...body },
      headers: {
        fedora_messaging_schema: "base.message",
        fedora_messaging_severity: 20,
        "sent-at": sentAt(t),
      },
      id: crypto.randomUUID(),
      queue: "queue",
    };
    out.push({ at: t, seq: 1_000_000 + serial++, line: JSON.stringify(line) });
  };
  emit("start", {});
  const target = `/mnt/fedora_stats/combined-http/${y}/${mo}/${d}`;
  for (const [i, file] of MERGED_FILES.entries()) {
    const f = {
      log: `/var/log/hosts/proxy*/${y}/${mo}/${d}/http/`,
      file,
      target,
      temp: `/tmp/combine.${i}`,
    };
    t += 1000;
    emit("logmerge.proxy.start", f);
    t += 240_000;
    // The last file of a merge that never finishes sends no finish (the job died there).
    if (m.finished === false && i === MERGED_FILES.length - 1) return out;
    emit("logmerge.proxy.finish", { ...f, result: i === 0 ? "0" : m.result ?? "0" });
  }
  t += 1000;
  emit("finish", {});
  return out;
}

/** Day files as the recorder writes them: `sync-YYYY-MM-DD.jsonl` → lines (by sent-at day). */
export function dayFiles(nights: Night[]): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const night of nights) {
    for (const e of nightEvents(night)) {
      const name = `sync-${new Date(e.at).toISOString().slice(0, 10)}.jsonl`;
      let lines = files.get(name);
      if (!lines) files.set(name, lines = []);
      lines.push(e.line);
    }
  }
  return files;
}

/** Writes the day files into `dir`; returns their paths, in the order given by `order`. */
export async function writeDayFiles(
  dir: string,
  nights: Night[],
  order: (names: string[]) => string[] = (names) => names.sort(),
): Promise<string[]> {
  const files = dayFiles(nights);
  for (const [name, lines] of files) {
    await Deno.writeTextFile(`${dir}/${name}`, lines.join("\n") + "\n");
  }
  return order([...files.keys()]).map((name) => `${dir}/${name}`);
}

/** Proxies of {@link SIX_NIGHTS}. */
export const PROXIES = Array.from({ length: 8 }, (_, i) => `proxy0${i + 1}.fedoraproject.org`);

/**
 * Six nights (runs of 12-01 to 12-06) with every coverage state, three nights of each script:
 * - proxy02 2026-11-30: 2 failed attempts, then fetched in the first run (retried);
 * - proxy03 2026-11-30: all attempts failed on 12-01, fetched on 12-02 (recovered);
 * - proxy04 2026-11-30: all attempts failed on 12-01, 12-02 and 12-03, the window's last
 *   run (lost); proxy05 2026-12-01 failed on 12-02 and 12-03, fetched by its last run on
 *   12-04 (recovered at the edge);
 * - proxy06 2026-12-04 failed on 12-05 and 12-06 (pending after 2 runs), 2026-12-05 failed on
 *   12-06 (pending);
 * - proxy07 is listed twice in the python nights; proxy08 does not resolve on 12-06 (skipped);
 * - proxy09 is expected and never synced (missing).
 */
export function sixNights(): Night[] {
  const all = 3;
  const p = (n: number) => PROXIES[n - 1]!;
  const list = PROXIES;
  const twice = [...PROXIES.slice(0, 7), p(7), p(8)];
  return [
    {
      day: "2026-12-01",
      pattern: "bash",
      proxies: list,
      fails: {
        [p(2)]: { "2026-11-30": 2 },
        [p(3)]: { "2026-11-30": all },
        [p(4)]: { "2026-11-30": all },
      },
    },
    {
      day: "2026-12-02",
      pattern: "bash",
      proxies: list,
      fails: { [p(4)]: { "2026-11-30": all }, [p(5)]: { "2026-12-01": all } },
    },
    {
      day: "2026-12-03",
      pattern: "bash",
      proxies: list,
      fails: { [p(4)]: { "2026-11-30": all }, [p(5)]: { "2026-12-01": all } },
      format: "record",
    },
    { day: "2026-12-04", pattern: "python", proxies: twice },
    {
      day: "2026-12-05",
      pattern: "python",
      proxies: twice,
      fails: { [p(6)]: { "2026-12-04": all } },
      reason: "Timeout expired.",
    },
    {
      day: "2026-12-06",
      pattern: "python",
      proxies: twice,
      fails: { [p(6)]: { "2026-12-04": all, "2026-12-05": all } },
      skip: [p(8)],
    },
  ];
}

/** A datagrepper v2 search page of dump lines: full topics, as datanommer keeps them. */
export function datagrepperPage(
  lines: string[],
  page = 1,
  pages = 1,
  total = lines.length,
): string {
  const raw = lines.map((l) => {
    const m = JSON.parse(l);
    const topic = m.topic.startsWith(PREFIX) ? m.topic : PREFIX + m.topic;
    return { body: m.body, headers: m.headers, id: m.id, queue: null, topic };
  });
  return JSON.stringify({
    arguments: { category: ["logging"], page, rows_per_page: 100 },
    count: raw.length,
    pages,
    raw_messages: raw,
    total,
  });
}

/** The countme scenario's proxies, one host that is no proxy, and the two log servers. */
export const COUNTME = {
  proxies: Array.from({ length: 6 }, (_, i) => `proxy0${i + 1}.fedoraproject.org`),
  other: "dl01.fedoraproject.org",
  old: "log01.iad2.fedoraproject.org",
  new: "log01.rdu3.fedoraproject.org",
};

/**
 * Six nights (12-01 to 12-06) of the python sync on the old log server, each followed by the
 * merge of its date D-2, and three (12-04 to 12-06) on the new one during the data-centre move,
 * whose merge is not run there yet:
 * - proxy02 2026-12-01 fails every attempt on 12-02 and 12-03 and is fetched on 12-04, the
 *   night after its merge (late, week of 2026-11-30);
 * - proxy03 2026-12-02: every attempt times out silently on 12-03, 12-04 and 12-05
 *   (unverified);
 * - proxy04 2026-12-03: one failed attempt, then fetched (retried);
 * - proxy05 2026-12-03 fails on 12-04, fetched on 12-05 before its merge (recovered);
 * - proxy06 2026-11-30 fails on 12-01, 12-02 and 12-03 (lost, week of 2026-11-23);
 * - dl01 (no proxy) 2026-12-01 fails on 12-02, 12-03 and 12-04 (lost: a WARNING);
 * - proxy06 2026-12-05 fails on 12-06 (pending);
 * - the merge of 2026-12-03 (night 12-05) ends with result 1 (failed);
 * - on the new server, proxy01's rsyncd refuses it (Error code: 5) every night (lost there).
 */
export function countmeNights(): Night[] {
  const [p1, p2, p3, p4, p5, p6] = COUNTME.proxies as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const hosts = [...COUNTME.proxies, COUNTME.other];
  const night = (day: string, extra: Partial<Night> = {}): Night => ({
    day,
    pattern: "python",
    proxies: hosts,
    host: COUNTME.old,
    merge: {},
    ...extra,
  });
  const all = 3;
  const old: Night[] = [
    night("2026-12-01", { fails: { [p6]: { "2026-11-30": all } } }),
    night("2026-12-02", {
      fails: {
        [p6]: { "2026-11-30": all },
        [p2]: { "2026-12-01": all },
        [COUNTME.other]: { "2026-12-01": all },
      },
    }),
    night("2026-12-03", {
      fails: {
        [p6]: { "2026-11-30": all },
        [p2]: { "2026-12-01": all },
        [COUNTME.other]: { "2026-12-01": all },
      },
      timeouts: { [p3]: { "2026-12-02": all } },
    }),
    night("2026-12-04", {
      fails: {
        [COUNTME.other]: { "2026-12-01": all },
        [p4]: { "2026-12-03": 1 },
        [p5]: { "2026-12-03": all },
      },
      timeouts: { [p3]: { "2026-12-02": all } },
    }),
    night("2026-12-05", {
      timeouts: { [p3]: { "2026-12-02": all } },
      merge: { result: "1" },
    }),
    night("2026-12-06", { fails: { [p6]: { "2026-12-05": all } } }),
  ];
  const moved: Night[] = ["2026-12-04", "2026-12-05", "2026-12-06"].map((day) => ({
    day,
    pattern: "python",
    proxies: hosts,
    host: COUNTME.new,
    time: "03:45:00",
    fails: Object.fromEntries([[
      p1,
      Object.fromEntries(
        [1, 2, 3].map((back) => [plusDays(day, -back), all]),
      ),
    ]]),
    reasonFor: { [p1]: "Error code: 5" },
  }));
  return [...old, ...moved];
}

/**
 * The countme nights with `change` applied to the old log server's night `day`: a merge that
 * never ran (`merge` removed), or one of another date.
 */
export function countmeNightsWith(day: string, change: (n: Night) => Night): Night[] {
  return countmeNights().map((n) => (n.day === day && n.host === COUNTME.old ? change(n) : n));
}

/**
 * Nights with no date lost (12-02, fetched on 12-05 after its merge night by --merge-after 2,
 * is late on both proxies): proxy01's 11-28 hit the silent timeout on every attempt
 * (unverified); the merge of 11-29 failed, those of 11-30 and 12-03 were due and never
 * recorded (unmerged: 3 on each proxy); the runs of 12-02 to 12-04 ended before their first
 * proxy, so no run tried 12-01 (untried, on every proxy).
 */
export function gapNights(): Night[] {
  const [a, b] = [PROXIES[0]!, PROXIES[1]!];
  const crashed = (day: string): Night => ({ day, pattern: "python", proxies: [] });
  return [
    {
      day: "2026-12-01",
      pattern: "python",
      proxies: [a, b],
      timeouts: { [a]: { "2026-11-28": 3 } },
      merge: { result: "1" },
    },
    crashed("2026-12-02"),
    crashed("2026-12-03"),
    crashed("2026-12-04"),
    { day: "2026-12-05", pattern: "python", proxies: [a, b] },
  ];
}
