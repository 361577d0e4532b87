/**
 * The sending machine's fully qualified name, the default `host` of every logging.stats body.
 * Like `hostname --fqdn` without running it: the kernel's name when it has a dot, else the
 * first dotted alias of that name in /etc/hosts, else the short name.
 */

/** Picks the FQDN for `short` from the text of /etc/hosts (pure). */
export function fqdnFromHosts(short: string, hostsText: string): string {
  if (short.includes(".")) return short;
  for (const raw of hostsText.split("\n")) {
    const names = raw.replace(/#.*/, "").trim().split(/\s+/).slice(1);
    if (names.includes(short)) {
      const dotted = names.find((n) => n.includes(".") && n.startsWith(short + "."));
      if (dotted) return dotted;
    }
  }
  return short;
}

/** This machine's fully qualified name. */
export function localFqdn(): string {
  const short = Deno.hostname();
  if (short.includes(".")) return short;
  let hosts = "";
  try {
    hosts = Deno.readTextFileSync("/etc/hosts");
  } catch {
    // No hosts file: the short name is the best we know.
  }
  return fqdnFromHosts(short, hosts);
}
