/**
 * Coverage per log server: runs grouped by the host that ran them (`host` of their events),
 * each with the merges that server ran, because a date fetched by one log server is not on
 * another (during Fedora's 2025 data-centre move two servers synced the same proxies). A short
 * name and an FQDN are one server when the pairing is unique (`log01` and
 * `log01.iad2.fedoraproject.org`); two FQDNs are two servers even with one short name. Pure.
 */
import { type Coverage, coverage, type CoverageOptions, type CoverageRun } from "./coverage.ts";
import { type MergeEvent, mergesOf, shortName } from "./merges.ts";

/** Coverage options besides the merges, which come per server. */
export type ServerOptions = Omit<CoverageOptions, "merges"> & {
  /** `--log-server NAME`: only this server's runs (full or short name, any case). */
  logServer?: string;
};

const norm = (s: string) => s.toLowerCase().replace(/\.$/, "");

/**
 * Each name as its server: a name itself, or the one FQDN among `names` whose short name it is
 * (when it is a short name and exactly one FQDN has it).
 */
export function serverNames(names: string[]): Map<string, string> {
  const full = [...new Set(names.filter((n) => norm(n).includes(".")))].sort();
  const out = new Map<string, string>();
  for (const name of names) {
    const alike = norm(name).includes(".") ? [] : full.filter((f) => shortName(f) === norm(name));
    out.set(name, alike.length === 1 ? alike[0]! : name);
  }
  return out;
}

/** The log servers that ran the runs, sorted. */
export function logServers(runs: CoverageRun[]): string[] {
  const names = serverNames(runs.map((r) => r.server));
  return [...new Set(names.values())].sort();
}

/** Whether `server` is the one `--log-server` names: the same name, or its first labels. */
function sameServer(server: string, name: string): boolean {
  return norm(server) === norm(name) || norm(server).startsWith(norm(name) + ".");
}

/**
 * Which server each merge event belongs to: the server of the same name, else the one server
 * with its short name (`loghost` is a short name), else, when several share it, the one whose
 * sync run ended last before the event (the merge runs right after the sync, in one job; a run
 * whose finish was not seen counts from its start).
 */
function mergeOwners(servers: string[], runs: CoverageRun[], events: MergeEvent[]): string[] {
  const starts = new Map<string, number[]>();
  for (const r of runs) {
    const t = Date.parse(r.finish ?? r.start);
    if (!Number.isNaN(t)) starts.set(r.server, [...starts.get(r.server) ?? [], t]);
  }
  return events.map((e) => {
    const exact = servers.filter((s) => norm(s) === norm(e.server));
    if (exact.length === 1) return exact[0]!;
    const alike = servers.filter((s) => shortName(s) === shortName(e.server));
    if (alike.length <= 1) return alike[0] ?? "";
    let best = "", at = -Infinity;
    for (const s of alike) {
      for (const t of starts.get(s) ?? []) if (t <= e.at && t > at) (best = s, at = t);
    }
    return best;
  });
}

/**
 * The coverage of each log server's runs (one when `logServer` selects one; none when it
 * matches no server). Every server's merges are its own; a server that runs no merge while
 * another does is told so (`mergedElsewhere`), as DNF Counting reads the other's merge.
 */
export function coverageByServer(
  input: CoverageRun[],
  merges: MergeEvent[],
  options: ServerOptions,
): Coverage[] {
  const { logServer, ...rest } = options;
  const names = serverNames(input.map((r) => r.server));
  const runs = input.map((r) => ({ ...r, server: names.get(r.server) ?? r.server }));
  let servers = [...new Set(runs.map((r) => r.server))].sort();
  const owners = mergeOwners(servers, runs, merges);
  if (logServer !== undefined) servers = servers.filter((s) => sameServer(s, logServer));
  if (servers.length === 0 && logServer === undefined) return [coverage([], rest)];
  return servers.map((server) => {
    const mine = runs.filter((r) => r.server === server);
    const starts = mine.map((r) => Date.parse(r.start)).filter((n) => !Number.isNaN(n));
    const own = merges.filter((_, i) => owners[i] === server);
    // With no merge event of any server read, the --merge-after rule stands in for every one.
    const mergedElsewhere = own.length === 0 && owners.some((o) => o !== "");
    return coverage(mine, { ...rest, merges: mergesOf(own, starts), mergedElsewhere });
  });
}
