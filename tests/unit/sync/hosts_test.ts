import { assertEquals, assertThrows } from "../../support/assert.ts";
import {
  looksLikeYaml,
  missingHosts,
  parseExpectedHosts,
  parsePlainHosts,
} from "../../../lib/sync/hosts.ts";
import { UsageError } from "../../../lib/errors.ts";

/** The Python sync job's host list, as /etc/sync-http-logs.yaml has it. */
const JOB_YAML = `# the proxies whose http logs are fetched
log_dir: /var/log/hosts   # where they go
synced_hosts:
  - proxy01.iad2.example.org
  - proxy02.iad2.example.org    # flaky
#  - proxy03.iad2.example.org   retired
  - "proxy05.iad2.example.org"
  - proxy05.iad2.example.org
  - proxy06
days: 3
`;

async function refused(text: string, message: string) {
  let error: unknown;
  try {
    await parseExpectedHosts(text, "/etc/hosts.yaml");
  } catch (e) {
    error = e;
  }
  assertEquals(error instanceof UsageError, true, String(error));
  assertEquals((error as Error).message, message);
}

Deno.test("hosts: the sync job's YAML list is read with a YAML parser: synced_hosts only, comments ignored, a name listed twice kept twice", async () => {
  assertEquals(await parseExpectedHosts(JOB_YAML, "/etc/sync-http-logs.yaml"), [
    "proxy01.iad2.example.org",
    "proxy02.iad2.example.org",
    "proxy05.iad2.example.org",
    "proxy05.iad2.example.org",
    "proxy06",
  ]);
  // A list at the top, block or flow style.
  assertEquals(await parseExpectedHosts("- a.example.org\n- b\n", "f"), ["a.example.org", "b"]);
  assertEquals(await parseExpectedHosts("synced_hosts: [a, b]\n", "f"), ["a", "b"]);
});

Deno.test("hosts: an empty list is a config error (no proxy could ever read as MISSING)", async () => {
  const none = "--expect-hosts /etc/hosts.yaml:1: no host name in the list";
  for (const text of ["synced_hosts: []\n", "synced_hosts:\n  # - p1\n  []\n", "", "# p1\n\n"]) {
    await refused(text, none);
  }
});

Deno.test("hosts: the work is bounded by entries, not only bytes: 100,000 keys under 1 MiB are refused at once", async () => {
  const keys = "synced_hosts:\n  - p1\n" +
    Array.from({ length: 100_000 }, (_, i) => `k${i}: 1\n`).join("");
  const flow = "synced_hosts: [p1]\nx: {" +
    Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join(", ") + "}\n";
  for (const text of [keys, flow]) {
    const started = Date.now();
    await refused(
      text,
      "--expect-hosts /etc/hosts.yaml:1: more than 2000 lines or entries: not a host list",
    );
    assertEquals(Date.now() - started < 1_000, true, `${Date.now() - started} ms`);
  }
  // 2,000 names are fine.
  const many = Array.from({ length: 2_000 }, (_, i) => `- p${i}\n`).join("");
  assertEquals((await parseExpectedHosts(many, "f")).length, 2_000);
});

Deno.test("hosts: a plain list, one name a line, # comments; anything that is not a host name is refused with its line", async () => {
  assertEquals(looksLikeYaml("# proxies\np1.example.org\n\n  p2  # new\n"), false);
  assertEquals(
    await parseExpectedHosts("# proxies\np1.example.org\n\n  p2.example.org  # new\n", "f"),
    ["p1.example.org", "p2.example.org"],
  );
  assertThrows(
    () => parsePlainHosts("p1\np2 p3\n", "/etc/busmsg/proxies"),
    UsageError,
    '--expect-hosts /etc/busmsg/proxies:2: not a host name: "p2 p3"',
  );
  await refused("p1\nproxy\u00e9\n", '--expect-hosts /etc/hosts.yaml:2: not a host name: "proxyé"');
});

Deno.test("hosts: a file that is neither is refused naming file and line, never guessed from", async () => {
  await refused(
    "log_dir: /x\nhosts:\n  - a\n",
    '--expect-hosts /etc/hosts.yaml:1: no "synced_hosts" list in this YAML mapping',
  );
  await refused(
    "synced_hosts: proxy01\n",
    '--expect-hosts /etc/hosts.yaml:1: "synced_hosts" must be a list of host names',
  );
  await refused(
    "synced_hosts:\n  - a\n  - {x: 1}\n",
    "--expect-hosts /etc/hosts.yaml:3: not a host name: a mapping",
  );
  await refused(
    "synced_hosts:\n  - &p proxy01\n  - *p\n",
    "--expect-hosts /etc/hosts.yaml:3: not a host name: an alias",
  );
  await refused(
    "synced_hosts:\n  - a\n  - 12\n",
    "--expect-hosts /etc/hosts.yaml:3: not a host name: 12",
  );
  await refused(
    "synced_hosts:\n  - a\n  -\n",
    "--expect-hosts /etc/hosts.yaml:3: not a host name: null",
  );
  await refused(
    "synced_hosts:\n  - a\nsynced_hosts:\n  - b\n",
    "--expect-hosts /etc/hosts.yaml:3: not YAML: Map keys must be unique",
  );
  await refused(
    "just: a: thing\n",
    "--expect-hosts /etc/hosts.yaml:1: not YAML: Nested mappings are not allowed in compact mappings",
  );
});

Deno.test("hosts: short names and FQDNs match when the pairing is unique, never by a guess", () => {
  const synced = ["proxy01.iad2.example.org", "proxy06", "PROXY07.example.org."];
  assertEquals(
    missingHosts(["proxy01", "proxy06.iad2.example.org", "proxy07.example.org", "proxy08"], synced),
    ["proxy08"],
  );
  // Two FQDNs with the same first label: a short name could be either, so it covers neither.
  assertEquals(missingHosts(["a.iad2.example.org", "a.rdu3.example.org"], ["a"]), [
    "a.iad2.example.org",
    "a.rdu3.example.org",
  ]);
  assertEquals(missingHosts(["a"], ["a.iad2.example.org", "a.rdu3.example.org"]), ["a"]);
  // An FQDN never matches another FQDN by its first label.
  assertEquals(missingHosts(["a.iad2.example.org"], ["a.rdu3.example.org"]), [
    "a.iad2.example.org",
  ]);
  // An exact match is taken first and is not matched again.
  assertEquals(missingHosts(["a", "a.iad2.example.org"], ["a"]), ["a.iad2.example.org"]);
});
