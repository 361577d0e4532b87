/**
 * The proxies a sync run must cover (`report --expect-hosts FILE`), read from the sync job's own
 * host list (a YAML mapping whose `synced_hosts` is a list of names, as `/etc/sync-http-logs.yaml`)
 * or from a plain list, one name a line; and how a name in that list is matched to the
 * `synced_host` of the events (short names and FQDNs). Pure but for loading the YAML parser,
 * which is loaded only for a YAML file.
 */
import { UsageError } from "../errors.ts";

/** A host name as it may appear in a list: letters, digits, `-`, `_`, dots. */
const NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/;

/** Where a list's text goes wrong: `FILE:LINE: why`, a usage error (UNKNOWN with --nagios). */
function refuse(path: string, line: number, why: string): never {
  throw new UsageError(`--expect-hosts ${path}:${line}: ${why}`);
}

/**
 * Whether the text is YAML rather than a plain list: a line (not a comment) that holds a colon or
 * starts a list item or a document. A host name has none of these.
 */
export function looksLikeYaml(text: string): boolean {
  return text.split("\n").some((raw) => {
    const line = raw.replace(/(^|\s)#.*/, "").trim();
    return line.includes(":") || line.startsWith("-") || line.startsWith("---");
  });
}

/** The names of a plain list: one a line, `#` starts a comment; anything else is refused. */
export function parsePlainHosts(text: string, path: string): string[] {
  const names: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*/, "").trim();
    if (line === "") return;
    if (!NAME.test(line)) refuse(path, i + 1, `not a host name: ${JSON.stringify(line)}`);
    names.push(line);
  });
  return names;
}

/**
 * The names of the sync job's YAML host list: the `synced_hosts` list of a mapping (other keys
 * are the job's own settings), or a list at the top. Comments are YAML's. Anything else, a
 * YAML syntax error or an entry that is not a host name, is refused naming its line.
 */
export async function parseYamlHosts(text: string, path: string): Promise<string[]> {
  // A CommonJS library: in a chunk of its own (the split bundle), only its default export.
  const { LineCounter, parseDocument, isMap, isScalar, isSeq } = (await import("yaml")).default;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineAt = (node: unknown) => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return lines.linePos(range?.[0] ?? 0).line;
  };
  const error = doc.errors[0];
  if (error) {
    refuse(path, lines.linePos(error.pos[0]).line, `not YAML: ${error.message.split("\n")[0]}`);
  }
  let list: unknown = doc.contents;
  if (isMap(list)) {
    const pair = list.items.find((p) => isScalar(p.key) && p.key.value === "synced_hosts");
    if (!pair) refuse(path, 1, 'no "synced_hosts" list in this YAML mapping');
    if (!isSeq(pair.value)) {
      refuse(path, lineAt(pair.value ?? pair.key), '"synced_hosts" must be a list of host names');
    }
    list = pair.value;
  }
  if (!isSeq(list)) {
    refuse(path, lineAt(list), 'must be a list, or a mapping with a "synced_hosts" list');
  }
  const names: string[] = [];
  for (const item of list.items) {
    const value = isScalar(item) ? item.value : undefined;
    if (typeof value !== "string" || !NAME.test(value)) {
      const shown = isScalar(item)
        ? JSON.stringify(item.value)
        : isMap(item)
        ? "a mapping"
        : isSeq(item)
        ? "a list"
        : "an alias";
      refuse(path, lineAt(item), `not a host name: ${shown}`);
    }
    names.push(value);
  }
  return names;
}

/**
 * The proxies of an `--expect-hosts` file, as written (a name listed twice is there twice):
 * YAML (the sync job's own list) when it looks like YAML, else a plain list.
 */
export async function parseExpectedHosts(text: string, path: string): Promise<string[]> {
  boundEntries(text, path);
  const names = looksLikeYaml(text)
    ? await parseYamlHosts(text, path)
    : parsePlainHosts(text, path);
  // An empty list would let no proxy ever read as MISSING: a check that cannot fail.
  if (names.length === 0) refuse(path, 1, "no host name in the list");
  return names;
}

/** The most lines (not blank, not comments) and flow entries an `--expect-hosts` file may hold. */
export const MAX_HOST_ENTRIES = 2_000;

/**
 * Refuses a file with more than {@link MAX_HOST_ENTRIES} lines or `,`-separated entries, before
 * any parsing: a host list is a few dozen names, and the YAML parser's work (and matching names,
 * which compares each expected name with the others) grows faster than the bytes.
 */
function boundEntries(text: string, path: string): void {
  let lines = 0, commas = 0;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/(^|\s)#.*/, "").trim();
    if (line === "") continue;
    lines++;
    for (const c of line) if (c === ",") commas++;
    if (lines > MAX_HOST_ENTRIES || commas > MAX_HOST_ENTRIES) {
      refuse(path, 1, `more than ${MAX_HOST_ENTRIES} lines or entries: not a host list`);
    }
  }
}

/** A name as compared: lower case, without a final dot (DNS names are case-blind). */
const norm = (h: string) => h.toLowerCase().replace(/\.$/, "");
const firstLabel = (h: string) => norm(h).split(".")[0]!;

/** Whether two names may stand for one host: the same, or one is short and the other's first label. */
function alike(a: string, b: string): boolean {
  const [x, y] = [norm(a), norm(b)];
  return x === y || ((!x.includes(".") || !y.includes(".")) && firstLabel(x) === firstLabel(y));
}

/**
 * The expected names that no synced name stands for. A name matches the same name (case and a
 * final dot aside); failing that, a short name (`proxy06`) matches an FQDN that starts with it
 * (`proxy06.iad2.example.org`) and the other way round, but only when that pairing is unique on
 * both sides: a short name that could be either of two hosts matches neither, so an expected
 * proxy is never taken as covered by a guess.
 */
export function missingHosts(expected: string[], synced: string[]): string[] {
  const exact = new Set(synced.map(norm));
  const expectedSet = new Set(expected.map(norm));
  return expected.filter((e) => {
    if (exact.has(norm(e))) return false;
    const candidates = synced.filter((s) => !expectedSet.has(norm(s)) && alike(e, s));
    if (candidates.length !== 1) return true;
    const rivals = expected.filter((o) => !exact.has(norm(o)) && alike(o, candidates[0]!));
    return rivals.length !== 1;
  });
}
