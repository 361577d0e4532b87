/**
 * dist/busmsg.js, the program that ships: it runs from an empty Deno cache with no config and
 * nothing fetched, and the paths that connect to nothing never load amqplib; start-up loads no
 * Node compatibility code, each command only its own chunks.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { PLAIN_URL, Reader, tlsConfig } from "../support/broker.ts";
import { BUNDLE, entryOf, ROOT, runCommand } from "../support/run.ts";
import { closureOf, importsOf, LITERAL_LOCAL_IMPORT } from "../../scripts/bundle_layout.ts";

/** Every file of the program (busmsg.js and its chunks), relative to dist/. */
const PROGRAM = closureOf(BUNDLE).map((f) => f.slice(BUNDLE.length - "busmsg.js".length));

/**
 * Runs a bundle as the launcher runs it (this Deno, the binary's flags), in an empty directory,
 * empty DENO_DIR: these tests are about the bundle, whatever form the rest of the suite runs.
 */
async function runBundle(bundle: string, args: string[]) {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-bundle-" });
  const [deno, ...rest] = entryOf(Deno.execPath(), bundle);
  return await runCommand(deno!, [...rest, ...args], {
    cwd: dir,
    clearEnv: true,
    env: {
      PATH: "/usr/bin:/bin",
      HOME: dir,
      DENO_DIR: `${dir}/deno-cache`,
      BUSMSG_SPOOL_DIR: `${dir}/spool`,
      NO_COLOR: "1",
    },
  });
}

Deno.test("the bundle from an empty Deno cache publishes over TLS with SASL EXTERNAL", async () => {
  const conf = await tlsConfig("logging", ['topic_prefix = "org.fedoraproject.prod"']);
  const reader = await Reader.open(["org.fedoraproject.prod.logging.stats.sync.host.skip"]);
  try {
    const run = await runBundle(BUNDLE, [
      "sync-event",
      "host.skip",
      "--conf",
      conf,
      "--run-id",
      "r-bundle",
      "--synced-host",
      "proxy01",
      "--host",
      "log01",
      "--reason",
      "from the bundle",
      "--no-spool",
    ]);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stderr, "");
    const [got, ...more] = await reader.take(1);
    assertEquals(more, []);
    assertEquals(got!.routingKey, "org.fedoraproject.prod.logging.stats.sync.host.skip");
    assertEquals(
      got!.text,
      '{"host": "log01", "run_id": "r-bundle", "synced_host": "proxy01", "reason": "from the bundle"}',
    );
    assertEquals(
      (got!.properties["headers"] as Record<string, unknown>)["fedora_messaging_severity"],
      30,
    );
  } finally {
    await reader.close();
  }
});

Deno.test("the bundle holds every dependency: no npm, jsr or remote import is left", () => {
  const dist = BUNDLE.slice(0, -"busmsg.js".length);
  const imports = PROGRAM.flatMap((f) => importsOf(Deno.readTextFileSync(dist + f)));
  assert(imports.some((i) => i.specifier.startsWith("node:")));
  for (const { specifier } of imports) {
    assert(specifier.startsWith("node:") || specifier.startsWith("./"), specifier);
  }
});

Deno.test("start-up imports no node: module; each command is a chunk of its own, loaded on demand", () => {
  const dist = BUNDLE.slice(0, -"busmsg.js".length);
  const atStart = closureOf(BUNDLE, false);
  assert(atStart.length < PROGRAM.length / 3, atStart.join(" "));
  for (const file of atStart) {
    for (const i of importsOf(Deno.readTextFileSync(file)).filter((i) => !i.lazy)) {
      assert(!i.specifier.startsWith("node:"), `${file}: ${i.specifier}`);
    }
  }
  const lazy = importsOf(Deno.readTextFileSync(BUNDLE)).filter((i) => i.lazy).map((i) =>
    i.specifier.replace(/^\.\/chunks\/(.*)-\w+\.js$/, "$1")
  );
  for (const command of ["publish", "sync_event", "validate", "listen", "doctor", "schema"]) {
    assert(lazy.includes(command), `${command} in ${lazy.join(" ")}`);
  }
  // The commands run once per message or per check load node: modules (amqplib's) only when
  // they connect: --dry-run, validate and spool status never start Node compatibility.
  for (const command of ["publish", "sync_event", "validate", "spool"]) {
    const chunk = importsOf(Deno.readTextFileSync(BUNDLE)).find((i) =>
      i.lazy && i.specifier.startsWith(`./chunks/${command}-`)
    )!;
    for (const file of closureOf(dist + chunk.specifier.slice(2), false)) {
      for (const i of importsOf(Deno.readTextFileSync(file)).filter((i) => !i.lazy)) {
        assert(!i.specifier.startsWith("node:"), `${command}: ${file}: ${i.specifier}`);
      }
    }
  }
  assert(PROGRAM.every((f) => Deno.statSync(dist + f).isFile));
});

Deno.test("no file of the program names another in a literal import(): Deno would read them all at start-up", () => {
  // A literal dynamic import puts its file, and what that imports, in the graph Deno builds
  // before running anything: every command's chunks, amqplib's and yaml's among them.
  const dist = BUNDLE.slice(0, -"busmsg.js".length);
  const lazy = PROGRAM.flatMap((f) => importsOf(Deno.readTextFileSync(dist + f)))
    .filter((i) => i.lazy && i.specifier.startsWith("./"));
  assert(lazy.length > 10, `the commands and the libraries loaded on demand: ${lazy.length}`);
  for (const f of PROGRAM) {
    const literal = [...Deno.readTextFileSync(dist + f).matchAll(LITERAL_LOCAL_IMPORT)];
    assertEquals(literal.map((m) => m[0]), [], f);
  }
});

Deno.test("--version, --help, validate and --dry-run never load amqplib in the bundle", async () => {
  // amqplib and its dependencies are the bundle's only CommonJS modules; in this copy, running
  // any of them throws.
  const commonJs =
    /(=\((\w+),(\w+)\)=>)\(\)=>\(\3\|\|\2\(\(\3=\{exports:\{\}\}\)\.exports,\3\),\3\.exports\)/g;
  const copy = await Deno.makeTempDir();
  await Deno.mkdir(`${copy}/chunks`);
  let wrappers = 0;
  for (const f of PROGRAM) {
    const text = await Deno.readTextFile(BUNDLE.slice(0, -"busmsg.js".length) + f);
    wrappers += [...text.matchAll(commonJs)].length;
    await Deno.writeTextFile(
      `${copy}/${f}`,
      text.replace(commonJs, '$1()=>{throw new Error("amqplib was loaded")}'),
    );
  }
  assertEquals(wrappers, 1, "the bundle's CommonJS wrapper, once");
  const trap = `${copy}/busmsg.js`;
  const input = `${await Deno.makeTempDir()}/in.jsonl`;
  await Deno.writeTextFile(input, '{"topic": "t", "body": {"a": 1}}\n');
  for (
    const args of [
      ["--version"],
      ["--help"],
      ["publish", "--help"],
      ["validate", input],
      ["publish", "--dry-run", input],
      ["publish", "--dry-run", "--topic", "t", "a=1"],
      ["sync-event", "start", "--dry-run"],
    ]
  ) {
    const run = await runBundle(trap, args);
    assertEquals(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
  }
  // The trap does go off where amqplib is needed.
  const publish = await runBundle(trap, ["publish", "--url", PLAIN_URL, "--no-spool", input]);
  assertIncludes(publish.stderr, "amqplib was loaded");
});

Deno.test("scripts/bundle: several at once build one complete bundle; rebuilt only when stale", async () => {
  const dist = await Deno.makeTempDir({ prefix: "busmsg-bundle-dist-" });
  const bundle = () =>
    runCommand("bash", [`${ROOT}scripts/bundle`], { env: { BUSMSG_DIST: dist } });
  const runs = await Promise.all([bundle(), bundle(), bundle(), bundle()]);
  for (const r of runs) assertEquals([r.code, r.stdout, r.stderr], [0, `${dist}/busmsg.js\n`, ""]);
  assertEquals([...Deno.readDirSync(dist)].map((e) => e.name).sort(), [
    ".bundle.lock",
    "busmsg.js",
    "chunks",
  ]);
  const files = await runCommand("bash", [`${ROOT}scripts/bundle`, "--files"], {
    env: { BUSMSG_DIST: dist },
  });
  assertEquals(
    files.stdout.trim().split("\n").map((f) => f.slice(dist.length + 1)).sort(),
    [...PROGRAM].sort(),
  );
  assertEquals((await runBundle(`${dist}/busmsg.js`, ["--version"])).code, 0);
  // Fresh: left alone. Older than the sources: built again.
  const built = Deno.statSync(`${dist}/busmsg.js`).mtime!.getTime();
  assertEquals((await bundle()).code, 0);
  assertEquals(Deno.statSync(`${dist}/busmsg.js`).mtime!.getTime(), built);
  await Deno.utime(`${dist}/busmsg.js`, new Date("2001-01-01"), new Date("2001-01-01"));
  assertEquals((await bundle()).code, 0);
  assert(Deno.statSync(`${dist}/busmsg.js`).mtime!.getTime() > built - 1000);
});
