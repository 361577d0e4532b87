/**
 * Part of `deno task release` (scripts/release): writes busmsg.spec from rpm/busmsg.spec.in,
 * every fact generated: the version (deno.json), the Deno version, the changelog date
 * (SOURCE_DATE_EPOCH), the License: tag and the `Provides: bundled(...)` lines (from the summary
 * of THIRD-PARTY-LICENSES, itself made from deno.lock), the sysusers.d line for %pre, the units
 * the scriptlets enable and restart.
 *
 *   deno run --allow-read --allow-write scripts/spec.ts TEMPLATE OUT VERSION DENO_VERSION EPOCH
 *     THIRD_PARTY_LICENSES SYSUSERS_CONF
 */

/** One bundled component as THIRD-PARTY-LICENSES' summary names it. */
export interface Bundled {
  name: string;
  version: string;
  license: string;
}

/** The summary lines of THIRD-PARTY-LICENSES (`  NAME VERSION: SPDX`). */
export function bundledOf(licences: string): Bundled[] {
  const summary = licences.split("\n\n")[1] ?? "";
  return [...summary.matchAll(/^ {2}(\S+(?: \(runtime\))?) (\S+): (.+)$/gm)].map((m) => ({
    name: m[1]!,
    version: m[2]!,
    license: m[3]!,
  }));
}

/** The RPM name of a bundled component: `deno`, or `nodejs-NAME` as Fedora names npm modules. */
export function providesName(b: Bundled): string {
  return b.name === "deno (runtime)" ? "deno" : `nodejs-${b.name}`;
}

/**
 * busmsg's MIT and every bundled licence, each once, joined with AND (SPDX). A licence that is
 * itself a plain AND list (the Deno runtime's) gives its parts.
 */
export function licenseTag(bundled: Bundled[]): string {
  const all = [
    "MIT",
    ...bundled.flatMap((b) => /[()]| OR /.test(b.license) ? [b.license] : b.license.split(" AND ")),
  ];
  return [...new Set(all)].map((l) => /\s/.test(l) ? `(${l})` : l).join(" AND ");
}

/** The changelog's date: `Sun Dec 06 2026`. */
export function changelogDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const day = d.toUTCString().slice(0, 3);
  const month = d.toUTCString().slice(8, 11);
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, "0")} ${d.getUTCFullYear()}`;
}

/** The spec text: the template with each @NAME@ filled in; an unknown one is an error. */
export function fillSpec(template: string, values: Record<string, string>): string {
  return template.replace(/@([A-Z_]+)@/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`spec template: no value for ${whole}`);
    return value;
  });
}

if (import.meta.main) {
  const [template, out, version, denoVersion, epoch, licences, sysusers, ...units] = Deno.args;
  if (sysusers === undefined || units.length === 0) {
    console.error(
      "usage: spec.ts TEMPLATE OUT VERSION DENO_VERSION EPOCH THIRD_PARTY_LICENSES SYSUSERS_CONF " +
        "UNIT...",
    );
    Deno.exit(2);
  }
  const bundled = bundledOf(await Deno.readTextFile(licences!));
  const spec = fillSpec(await Deno.readTextFile(template!), {
    VERSION: version!,
    DENO_VERSION: denoVersion!,
    DATE: changelogDate(Number(epoch)),
    LICENSE: licenseTag(bundled),
    LICENSE_LIST: bundled.map((b) => `${b.name} ${b.license}`).join(", "),
    PROVIDES: bundled.map((b) => `Provides:       bundled(${providesName(b)}) = ${b.version}`)
      .join("\n"),
    UNITS: units.join(" "),
    SYSUSERS: (await Deno.readTextFile(sysusers)).split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#")).join("\n"),
  });
  await Deno.writeTextFile(out!, spec);
}
