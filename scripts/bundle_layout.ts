/**
 * The shipped program's layout, for scripts/bundle: `deno bundle --code-splitting` writes
 * main.js, one file per command (the dynamic imports of main.ts's command table) and the chunks
 * they share. This puts main.js at DIST/busmsg.js and the rest under DIST/chunks/, so that
 * busmsg.js stays the one path everything runs, and checks that start-up loads no Node
 * compatibility code (the first `node:` import costs about as much as an empty Deno program).
 *
 *   deno run --allow-read --allow-write scripts/bundle_layout.ts place OUTDIR DIST
 *   deno run --allow-read scripts/bundle_layout.ts files DIST      every file of the program
 * @module
 */

/**
 * A module specifier in the program: `from"x"`, `import"x"`, `import("x")`, and the form
 * {@link unlisted} gives a dynamic import of a file of the program.
 */
const SPECIFIER = /\b(from\s*|import\s*(\(\s*)?(new URL\()?)"([^"]+)"/g;

/** The specifiers a file imports; `lazy` marks dynamic imports. */
export function importsOf(text: string): { specifier: string; lazy: boolean }[] {
  return [...text.matchAll(SPECIFIER)].map((m) => ({ specifier: m[4]!, lazy: m[2] !== undefined }));
}

/** A dynamic import of a file of the program that Deno would read ahead: `import("./x.js")`. */
export const LITERAL_LOCAL_IMPORT = /\bimport\(\s*"(\.\/[^"]+)"\s*\)/g;

/**
 * The dynamic imports of the program's own files written so that Deno cannot read them ahead:
 * at start-up Deno builds the graph of every module a literal `import("./x.js")` names, all
 * commands' chunks included (for `--version`, an eighth more instructions than an empty
 * program). Loaded when the import runs, each command reads only its own. `deno compile` embeds
 * them all the same (scripts/compile names every file with `--include`).
 */
function unlisted(text: string): string {
  return text.replace(
    LITERAL_LOCAL_IMPORT,
    (_all, spec: string) => `import(new URL("${spec}",import.meta.url).href)`,
  );
}

/** The chunk that deno bundle gives every output file: `require` for the CommonJS libraries. */
function isRequireShim(text: string): boolean {
  return /^import\s*\{\s*createRequire as \w+\s*\}\s*from\s*"node:module"/.test(text);
}

/** Every file of the program at `entry` (absolute paths), the entry first; `lazy` follows dynamic imports too. */
export function closureOf(entry: string, lazy = true): string[] {
  const seen = [entry];
  for (let i = 0; i < seen.length; i++) {
    const dir = seen[i]!.replace(/[^/]*$/, "");
    for (const imp of importsOf(Deno.readTextFileSync(seen[i]!))) {
      if (!imp.specifier.startsWith("./") || (imp.lazy && !lazy)) continue;
      const file = dir + imp.specifier.slice(2);
      if (!seen.includes(file)) seen.push(file);
    }
  }
  return seen;
}

/**
 * Moves deno bundle's output in `outdir` into `dist`: chunks first (their names carry a hash of
 * their content, so a process still running the previous build keeps finding its own), then
 * busmsg.js, atomically. Chunks no build has used for ten minutes are removed.
 */
function place(outdir: string, dist: string): void {
  const names = [...Deno.readDirSync(outdir)].map((e) => e.name);
  const shims = names.filter((n) => isRequireShim(Deno.readTextFileSync(`${outdir}/${n}`)));
  // deno bundle has every file import the shim for its side effect. Only the CommonJS
  // libraries use `require` (they import it by name, and keep doing so); for the others,
  // importing node:module would start Node compatibility for nothing.
  for (const name of names) {
    let text = Deno.readTextFileSync(`${outdir}/${name}`);
    for (const shim of shims) text = text.replaceAll(`import"./${shim}";`, "");
    Deno.writeTextFileSync(`${outdir}/${name}`, unlisted(text));
  }
  const main = unlisted(
    Deno.readTextFileSync(`${outdir}/main.js`).replace(
      SPECIFIER,
      (all, lead: string, _p, _u, spec: string) =>
        spec.startsWith("./") ? `${lead}"./chunks/${spec.slice(2)}"` : all,
    ),
  );
  Deno.mkdirSync(`${dist}/chunks`, { recursive: true });
  for (const name of names.filter((n) => n !== "main.js")) {
    Deno.renameSync(`${outdir}/${name}`, `${dist}/chunks/${name}`);
  }
  // Checked next to the chunks it imports, before it is put in place.
  const staged = `${dist}/.busmsg-staged.js`;
  Deno.writeTextFileSync(staged, main);
  const withNode = startupNodeImports(staged);
  if (withNode.length > 0) {
    Deno.removeSync(staged);
    throw new Error(`start-up would load Node compatibility: ${withNode.join(", ")}`);
  }
  Deno.renameSync(staged, `${dist}/busmsg.js`);
  const used = new Set(closureOf(`${dist}/busmsg.js`));
  const old = Date.now() - 10 * 60_000;
  for (const e of Deno.readDirSync(`${dist}/chunks`)) {
    const file = `${dist}/chunks/${e.name}`;
    if (!used.has(file) && (Deno.statSync(file).mtime?.getTime() ?? 0) < old) Deno.removeSync(file);
  }
}

/** `node:` modules that the files loaded at start-up (static imports of `entry`) import. */
function startupNodeImports(entry: string): string[] {
  return closureOf(entry, false).flatMap((file) =>
    importsOf(Deno.readTextFileSync(file)).filter((i) => !i.lazy && i.specifier.startsWith("node:"))
      .map((i) => `${file.replace(/.*\//, "")} imports ${i.specifier}`)
  );
}

if (import.meta.main) {
  const [what, a, b] = Deno.args;
  if (what === "place" && a && b) place(a, b);
  else if (what === "files" && a) console.log(closureOf(`${a}/busmsg.js`).join("\n"));
  else throw new Error("usage: bundle_layout.ts place OUTDIR DIST | files DIST");
}
