/**
 * The systemd units of systemd/ as installed: the path of the busmsg binary put in.
 * A unit names the binary as @BINDIR@/busmsg or by a bin path (/usr/bin/busmsg, ...).
 *
 *   deno run --allow-read --allow-write scripts/units.ts FROM_DIR TO_DIR BINARY
 * copies FROM_DIR/*.service and *.timer to TO_DIR (used by scripts/dist and scripts/install).
 */

/** The unit text with every reference to the busmsg binary made `binary`. */
export function withBinary(unit: string, binary: string): string {
  return unit.replace(/(?:@BINDIR@|@bindir@|\/usr(?:\/local)?\/s?bin)\/busmsg\b/g, binary);
}

/** Copies the units of `from` (none when it does not exist) to `to`; returns their names. */
export async function copyUnits(from: string, to: string, binary: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(from)) {
      if (e.isFile && /\.(service|timer)$/.test(e.name)) names.push(e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  names.sort();
  if (names.length > 0) await Deno.mkdir(to, { recursive: true });
  for (const name of names) {
    await Deno.writeTextFile(
      `${to}/${name}`,
      withBinary(await Deno.readTextFile(`${from}/${name}`), binary),
    );
  }
  return names;
}

if (import.meta.main) {
  const [from, to, binary] = Deno.args;
  if (binary === undefined) {
    console.error("usage: units.ts FROM_DIR TO_DIR BINARY");
    Deno.exit(2);
  }
  await copyUnits(from!, to!, binary);
}
