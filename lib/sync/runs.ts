/**
 * The per-run model of the log sync: `logging.stats.sync.*` events grouped by run, by proxy, by
 * each time a proxy was synced in that run, and by log date, with what became of each date.
 * Pure: events in, runs out. `report` formats it; other views (coverage over several runs) read
 * it as is.
 *
 * The rules, in one place:
 * - A date was fetched when a `logdate.finish` for it was seen, no `fail.final`, and fewer than
 *   `attempts` `fail.retry` (`logdate.finish` means "done with this date", not "fetched": both
 *   real senders send it after the last failed attempt too). Its status depends only on what was
 *   seen for it, never on the order, so a `fail.final` stays a failure whatever follows it.
 * - `attempts` or more `fail.retry` is a failure even without `fail.final` (the deployed senders
 *   send `fail.retry` for every failed attempt and rarely or never `fail.final`).
 * - Events are taken in `sent-at` order, within one second in the order of a run's life, then by
 *   the `attempt` field when there is one, then by id (a total order, so any arrival order gives
 *   the same runs); an event seen twice (same id) counts once. The "last" reason of a date whose
 *   failures share one second is so one of them, the same one every time. The order matters only to tell apart the syncs of a proxy listed twice: each
 *   `host.start` / `logdate.start` opens a sync of that proxy / date, and a later event goes to
 *   the earliest one still open (a failure to the earliest still open that has not failed yet).
 */
import { dumps, type JsonObject, type JsonValue } from "../message/pyjson.ts";

/** One event as the model needs it (topic without `logging.stats.sync.`). */
export interface SyncEvent {
  id: string;
  /** The topic after `logging.stats.sync.`: `start`, `host.logdate.fail.retry` ... */
  event: string;
  /** The `sent-at` header as sent (`2026-11-28T03:00:00+00:00`), or "". */
  sentAt: string;
  body: JsonObject;
}

/**
 * What became of one date in one sync of a proxy:
 * - `fetched`: finished, no failed attempt;
 * - `fetched_after_retry`: finished after fewer than `attempts` failed attempts;
 * - `failed`: a `fail.final`, or `attempts` failed attempts (`fail_final` false);
 * - `unfinished`: started (or retried) and neither finished nor failed for good.
 */
export type DateStatus = "fetched" | "fetched_after_retry" | "failed" | "unfinished";

/** One date of one sync of a proxy. */
export interface DateSummary {
  status: DateStatus;
  /** Attempts seen: failed ones (`fail.retry`, `fail.final`) and the one that fetched it. */
  attempts: number;
  /** `fail.retry` events seen. */
  retries: number;
  /** Whether the sender said it gave up (`fail.final`). */
  fail_final: boolean;
  /** The text of the latest failure event (`reason`, else `failure`), when there was one. */
  last_reason?: string;
  /**
   * Set when `logdate.start` to `logdate.finish` took `attemptTimeout` or longer with no failure
   * event: the deployed sync sends nothing for an attempt that hits its 2-hour subprocess
   * timeout, so such a "finish" says nothing about whether the date was fetched.
   */
  unverified?: true;
  /** With `unverified`: the seconds from `logdate.start` to `logdate.finish`. */
  seconds?: number;
}

/** One sync of one proxy in one run (a proxy listed twice is synced twice). */
export interface ProxySync {
  /** The skip's reason when the proxy was skipped (`host.skip`). */
  skipped?: string;
  /** Whether its `host.finish` was seen. */
  finished: boolean;
  /** Its dates, sorted. */
  dates: Record<string, DateSummary>;
}

/** One proxy in one run: each time it was synced, in order. */
export interface HostSummary {
  /** One entry per sync; more than one when the proxy was synced more than once in the run. */
  syncs: ProxySync[];
}

/** One sync run. */
export interface RunSummary {
  run_id: string;
  /** The host that ran the sync, as it named itself (short name or FQDN). */
  host: string;
  start?: string;
  finish?: string;
  /** The earliest sent-at of any of its events (its start, when that was not seen). */
  first_seen: string;
  duration_seconds?: number;
  /** Proxies by `synced_host`, sorted. */
  hosts: Record<string, HostSummary>;
  /** Expected proxies (`--expect-hosts`) without a single event in this run. */
  missing_hosts: string[];
  /** Events of this run that could not be counted (refused by their schema). */
  ignored: number;
  /** Whether its `finish` was not seen. */
  unfinished: boolean;
}

/** How to read the events. */
export interface ModelOptions {
  /** Attempts the sender makes per date: this many `fail.retry` without success is a failure. */
  attempts: number;
  /**
   * Seconds from `logdate.start` to `logdate.finish`, with no failure event, from which a date
   * is `unverified` (default {@link DEFAULT_ATTEMPT_TIMEOUT}, the sync's subprocess timeout).
   */
  attemptTimeout?: number;
}

/** The deployed sync's subprocess timeout (2 hours): an attempt that hits it sends nothing. */
export const DEFAULT_ATTEMPT_TIMEOUT = 7200;

/** The attempts of both real senders. */
export const DEFAULT_ATTEMPTS = 3;

// Where an event stands in a run's life: the tie-break for events in the same second.
const LIFECYCLE = [
  "start",
  "host.start",
  "host.skip",
  "host.logdate.start",
  "host.logdate.fail.retry",
  "host.logdate.fail.final",
  "host.logdate.finish",
  "host.finish",
  "finish",
];
const rank = (event: string) => {
  const i = LIFECYCLE.indexOf(event);
  return i < 0 ? LIFECYCLE.length : i;
};
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const str = (v: JsonValue | undefined) => (typeof v === "string" ? v : undefined);

/** The `attempt` number a sender may add to its events (busmsg's example does), else -1. */
function attemptOf(e: SyncEvent): number {
  const a = e.body["attempt"];
  return typeof a === "number" || typeof a === "bigint" ? Number(a) : -1;
}

/**
 * A total order of events: sent-at (whole seconds), then place in the life of a run, then the
 * `attempt` field when the sender gives one, then id, then body.
 */
export function byTime(a: SyncEvent, b: SyncEvent): number {
  return compare(a.sentAt, b.sentAt) || rank(a.event) - rank(b.event) ||
    attemptOf(a) - attemptOf(b) || compare(a.id, b.id) ||
    compare(dumps(a.body), dumps(b.body));
}

/** The text of a failure or skip: `reason`, else `failure` (the deployed bash script's name). */
export function reasonOf(body: JsonObject): string | undefined {
  const reason = str(body["reason"]);
  if (reason !== undefined && reason !== "") return reason;
  const failure = str(body["failure"]);
  return failure !== undefined && failure !== "" ? failure : reason;
}

/** The object with its keys in code-point order (so JSON and text never depend on arrival). */
function sorted<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => compare(a, b)));
}

interface DateSlot {
  started: boolean;
  /** When its first `logdate.start` and its `logdate.finish` were sent, as sent. */
  startAt?: string;
  finishAt?: string;
  finished: boolean;
  retries: number;
  finals: number;
  reason?: string;
}

interface HostSlot {
  skipped?: string;
  started: boolean;
  finished: boolean;
}

/**
 * The syncs of one proxy (or of one of its dates), in the order they began, with the earliest
 * one that still meets a condition found in amortised constant time: every condition asked is
 * one a slot never meets again once it stopped meeting it (finished, failed for good, started),
 * so each condition keeps a mark that only moves forward. A flood of events for one proxy costs
 * linear time, not quadratic.
 */
class Slots<T> {
  readonly items: T[] = [];
  #marks = new Map<string, number>();
  constructor(private readonly make: () => T) {}

  /** The earliest slot that meets `ok` (named `name`), else undefined. */
  earliest(name: string, ok: (s: T) => boolean): T | undefined {
    let i = this.#marks.get(name) ?? 0;
    while (i < this.items.length && !ok(this.items[i]!)) i++;
    this.#marks.set(name, i);
    return this.items[i];
  }

  /** A new slot at the end. */
  fresh(): T {
    const s = this.make();
    this.items.push(s);
    return s;
  }
}

interface ProxyState {
  slots: Slots<HostSlot>;
  dates: Map<string, Slots<DateSlot>>;
}

interface RunState {
  summary: RunSummary;
  proxies: Map<string, ProxyState>;
}

/** The status of one date from what was seen for it (order plays no part). */
export function dateStatus(
  seen: { finished: boolean; retries: number; fail_final: boolean },
  attempts: number,
): DateStatus {
  if (seen.fail_final || seen.retries >= attempts) return "failed";
  if (!seen.finished) return "unfinished";
  return seen.retries > 0 ? "fetched_after_retry" : "fetched";
}

function dateSummary(slot: DateSlot, attempts: number, timeout: number): DateSummary {
  const fail_final = slot.finals > 0;
  const status = dateStatus(
    { finished: slot.finished, retries: slot.retries, fail_final },
    attempts,
  );
  const fetched = status === "fetched" || status === "fetched_after_retry";
  const out: DateSummary = {
    status,
    attempts: slot.retries + slot.finals + (fetched ? 1 : 0),
    retries: slot.retries,
    fail_final,
  };
  if (slot.reason !== undefined) out.last_reason = slot.reason;
  // Parsed only here, once per date: a flood of events stays cheap.
  // Sent within one hour (the same "YYYY-MM-DDTHH" of one sender): shorter than any timeout
  // of an hour or more, without parsing two times for each of a year's dates.
  const sameHour = timeout >= 3600 && slot.startAt?.slice(0, 13) === slot.finishAt?.slice(0, 13);
  const span = status === "fetched" && slot.startAt && slot.finishAt && !sameHour
    ? Date.parse(slot.finishAt) - Date.parse(slot.startAt)
    : NaN;
  if (span >= timeout * 1000) {
    out.unverified = true;
    out.seconds = Math.round(span / 1000);
  }
  return out;
}

function addDateEvent(slots: Slots<DateSlot>, e: SyncEvent, attempts: number): void {
  const open = (s: DateSlot) => !s.finished;
  switch (e.event) {
    case "host.logdate.start": {
      // An event of this sync that sorts before its start (a clock step) opened it already.
      const slot = slots.earliest("unstarted", (s) => !s.started) ?? slots.fresh();
      slot.started = true;
      slot.startAt ??= e.sentAt;
      break;
    }
    case "host.logdate.finish": {
      const slot = slots.earliest("open", open) ?? slots.fresh();
      slot.finished = true;
      slot.finishAt = e.sentAt;
      break;
    }
    case "host.logdate.fail.retry":
    case "host.logdate.fail.final": {
      // A failure belongs to the earliest sync still trying; one that has failed for good
      // takes no more, so two failing syncs of a proxy listed twice are two failures.
      const trying = (s: DateSlot) => open(s) && s.finals === 0 && s.retries < attempts;
      const slot = slots.earliest("trying", trying) ?? slots.earliest("open", open) ??
        slots.items.at(-1) ?? slots.fresh();
      if (e.event.endsWith("retry")) slot.retries++;
      else slot.finals++;
      const reason = reasonOf(e.body);
      if (reason !== undefined) slot.reason = reason;
      break;
    }
  }
}

function addHostEvent(slots: Slots<HostSlot>, e: SyncEvent): void {
  switch (e.event) {
    case "host.start": {
      const unstarted = (s: HostSlot) => !s.started && s.skipped === undefined;
      (slots.earliest("unstarted", unstarted) ?? slots.fresh()).started = true;
      break;
    }
    case "host.skip": {
      const open = (s: HostSlot) => !s.finished && s.skipped === undefined;
      const slot = slots.earliest("unskipped", open) ?? slots.fresh();
      slot.skipped = reasonOf(e.body) ?? "";
      break;
    }
    case "host.finish": {
      const slot = slots.earliest("open", (s) => !s.finished) ?? slots.fresh();
      slot.finished = true;
      break;
    }
  }
}

/** The k-th sync of a proxy: its k-th host slot and the k-th slot of each of its dates. */
function proxySyncs(proxy: ProxyState, attempts: number, timeout: number): ProxySync[] {
  let count = Math.max(1, proxy.slots.items.length);
  for (const d of proxy.dates.values()) count = Math.max(count, d.items.length);
  const syncs: ProxySync[] = [];
  for (let i = 0; i < count; i++) {
    const slot = proxy.slots.items[i];
    const sync: ProxySync = { finished: slot?.finished ?? false, dates: {} };
    if (slot?.skipped !== undefined) sync.skipped = slot.skipped;
    syncs.push(sync);
  }
  for (const [day, slots] of proxy.dates) {
    slots.items.forEach((s, i) => syncs[i]!.dates[day] = dateSummary(s, attempts, timeout));
  }
  for (const sync of syncs) sync.dates = sorted(sync.dates);
  return syncs;
}

/**
 * Groups sync events into runs (see the module's rules). Runs come out in the order they
 * started, proxies and dates sorted; `missing_hosts` is empty (see `expectHosts`) and `ignored`
 * is 0 (the reader counts what it could not read).
 */
export function summarize(events: SyncEvent[], options: ModelOptions): RunSummary[] {
  const attempts = options.attempts;
  const timeout = options.attemptTimeout ?? DEFAULT_ATTEMPT_TIMEOUT;
  const seen = new Set<string>();
  const unique = [...events].sort(byTime).filter((e) =>
    !e.id || (!seen.has(e.id) && seen.add(e.id))
  );
  const runs = new Map<string, RunState>();
  for (const e of unique) {
    const run_id = str(e.body["run_id"]);
    if (run_id === undefined) continue;
    let run = runs.get(run_id);
    if (!run) {
      run = {
        summary: {
          run_id,
          host: str(e.body["host"]) ?? "",
          first_seen: e.sentAt,
          hosts: {},
          missing_hosts: [],
          ignored: 0,
          unfinished: true,
        },
        proxies: new Map(),
      };
      runs.set(run_id, run);
    }
    if (e.event === "start") run.summary.start ??= e.sentAt;
    if (e.event === "finish") run.summary.finish = e.sentAt;
    const name = str(e.body["synced_host"]);
    if (name === undefined || !e.event.startsWith("host.")) continue;
    let proxy = run.proxies.get(name);
    if (!proxy) {
      const host = () => ({ started: false, finished: false });
      run.proxies.set(name, proxy = { slots: new Slots<HostSlot>(host), dates: new Map() });
    }
    const day = str(e.body["log_date"]);
    if (e.event.startsWith("host.logdate.")) {
      if (day === undefined) continue;
      let slots = proxy.dates.get(day);
      if (!slots) {
        const date = () => ({ started: false, finished: false, retries: 0, finals: 0 });
        proxy.dates.set(day, slots = new Slots<DateSlot>(date));
      }
      addDateEvent(slots, e, attempts);
    } else {
      addHostEvent(proxy.slots, e);
    }
  }
  const out: RunSummary[] = [];
  for (const { summary, proxies } of runs.values()) {
    summary.unfinished = summary.finish === undefined;
    if (summary.start && summary.finish) {
      summary.duration_seconds = Math.round(
        (Date.parse(summary.finish) - Date.parse(summary.start)) / 1000,
      );
    }
    const hosts: Record<string, HostSummary> = {};
    for (const [name, proxy] of proxies) {
      hosts[name] = { syncs: proxySyncs(proxy, attempts, timeout) };
    }
    summary.hosts = sorted(hosts);
    out.push(summary);
  }
  return out.sort((a, b) =>
    compare(a.start ?? a.first_seen, b.start ?? b.first_seen) || compare(a.run_id, b.run_id)
  );
}

/** Every date of every sync of every proxy of a run, with where it belongs. */
export function* datesOf(
  run: RunSummary,
): Generator<{ proxy: string; sync: number; day: string; date: DateSummary }> {
  for (const [proxy, h] of Object.entries(run.hosts)) {
    for (const [sync, s] of h.syncs.entries()) {
      for (const [day, date] of Object.entries(s.dates)) yield { proxy, sync, day, date };
    }
  }
}
