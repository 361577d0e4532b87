/**
 * Running busmsg as it ships (the bundle with the binary's permission flags) and other programs,
 * for the integration tests; config files and spool contents they read.
 */
export const ROOT = new URL("../..", import.meta.url).pathname;
const FLAGS = (await Deno.readTextFile(`${ROOT}permissions.flags`)).trim().split(/\s+/);
/** dist/busmsg.js, the program that ships; scripts/bundle rebuilds it when a source is newer. */
export const BUNDLE = bundlePath();
/**
 * The command line that runs busmsg as it ships with this `deno` and `bundle` (a copy of them
 * elsewhere, say): the binary's flags, no config.
 */
export function entryOf(deno: string, bundle: string): string[] {
  return [deno, "run", "--quiet", "--no-prompt", "--no-config", "--cached-only", ...FLAGS, bundle];
}
/**
 * The command line that runs busmsg as it ships: this deno, dist/'s bundle; or the program
 * `BUSMSG_TEST_ENTRY` names (an installed launcher, a compiled binary), so that the whole suite
 * runs against that form.
 */
export const ENTRY = Deno.env.get("BUSMSG_TEST_ENTRY")
  ? [Deno.env.get("BUSMSG_TEST_ENTRY")!]
  : entryOf(Deno.execPath(), BUNDLE);

function bundlePath(): string {
  const built = new Deno.Command("bash", { args: [`${ROOT}scripts/bundle`], stdout: "piped" })
    .outputSync();
  if (!built.success) throw new Error("scripts/bundle failed (see its output above)");
  return new TextDecoder().decode(built.stdout).trim();
}

/** Starts `busmsg ARGS` with its stdout and stderr piped (and stdin, if asked). */
export function spawnBusmsg(
  args: string[],
  env: Record<string, string> = {},
  stdin: "piped" | "null" = "null",
): Deno.ChildProcess {
  return new Deno.Command(ENTRY[0]!, {
    args: [...ENTRY.slice(1), ...args],
    stdin,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
}

/** What one CLI run did. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Options of {@link busmsg}. */
export interface RunOptions {
  stdin?: string | Uint8Array;
  env?: Record<string, string>;
  /** Defaults to a fresh empty spool directory of the test's own. */
  spoolDir?: string;
}

/** Runs `busmsg ARGS` ({@link ENTRY}), as the compiled binary would run. */
export async function busmsg(args: string[], options: RunOptions = {}): Promise<Run> {
  const spoolDir = options.spoolDir ?? await Deno.makeTempDir({ prefix: "busmsg-spool-" });
  const started = performance.now();
  const child = spawnBusmsg(
    args,
    { BUSMSG_SPOOL_DIR: spoolDir, ...options.env },
    options.stdin === undefined ? "null" : "piped",
  );
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(
      typeof options.stdin === "string" ? new TextEncoder().encode(options.stdin) : options.stdin,
    );
    await writer.close();
  }
  const result = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: result.code,
    stdout: decode(result.stdout),
    stderr: decode(result.stderr),
    ms: performance.now() - started,
  };
}

/** Runs any program with its output piped; what it printed and its exit code. */
export async function runCommand(
  cmd: string,
  args: string[],
  options: Omit<Deno.CommandOptions, "args" | "stdout" | "stderr"> = {},
): Promise<Omit<Run, "ms">> {
  const out = await new Deno.Command(cmd, {
    args,
    stdin: "null",
    ...options,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** Writes a config.toml into a temp dir and returns its path. */
export async function writeConfig(lines: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-conf-" });
  const path = `${dir}/config.toml`;
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

/** The `ID ROUTING_KEY` lines of a publish run. */
export function publishedIds(stdout: string): string[] {
  return stdout.trim().split("\n").filter(Boolean).map((l) => l.split(" ")[0]!);
}

/**
 * Fills a spool with `n` copies of one spool file's `line`, named as busmsg names them (TIME-SEQ-
 * UUID.msg), the oldest spooled `ageMs` ago.
 */
export function fillSpool(dir: string, line: string, n: number, ageMs: number): void {
  const then = Date.now() - ageMs;
  for (let i = 0; i < n; i++) {
    const name = `${String(then + i).padStart(14, "0")}-${String(i).padStart(6, "0")}-` +
      `${crypto.randomUUID()}.msg`;
    Deno.writeTextFileSync(`${dir}/${name}`, line, { mode: 0o600 });
  }
}

/** The dump lines in a spool directory (files ending .msg), oldest first. */
export async function spoolLines(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.name.endsWith(".msg")) names.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  names.sort();
  return await Promise.all(names.map(async (n) => (await Deno.readTextFile(`${dir}/${n}`)).trim()));
}
