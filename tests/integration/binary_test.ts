/**
 * The single binary: built by scripts/compile (the same permissions.flags the other tests use)
 * and run where there is no deno, node or python on PATH and HOME is empty. Where deno compile
 * cannot get its denort base binary, the smoke test is reported as ignored, with the reason.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { tlsConfig } from "../support/broker.ts";
import { busmsg, ROOT } from "../support/run.ts";

const target = `${Deno.build.arch}-unknown-linux-gnu`;
const dist = await Deno.makeTempDir({ prefix: "busmsg-dist-" });
const build = await new Deno.Command("bash", {
  args: [`${ROOT}scripts/compile`],
  env: { BUSMSG_DIST: dist },
  stdout: "piped",
  stderr: "piped",
}).output();
const buildLog = new TextDecoder().decode(build.stderr).trim();
const binary = `${dist}/busmsg-${target}`;
if (build.code !== 0) {
  console.log(`binary smoke test skipped: ${buildLog.split("\n").at(-1)}`);
}

Deno.test("scripts/compile builds a binary, or exits 3 saying plainly why it cannot", () => {
  if (build.code === 0) {
    assert(Deno.statSync(binary).isFile);
  } else {
    assertEquals(build.code, 3, buildLog);
    assertIncludes(buildLog, "DENORT_BIN");
    assertEquals([...Deno.readDirSync(dist)], [], "nothing half-built is left");
  }
});

Deno.test({
  name:
    "the compiled binary with no deno, node or python on PATH and an empty HOME: test-message --roundtrip",
  ignore: build.code !== 0,
  fn: async () => {
    const prefix = "org.fedoraproject.prod";
    const conf = await tlsConfig("logging", [`topic_prefix = "${prefix}"`]);
    const consumer = await tlsConfig("consumer", [`topic_prefix = "${prefix}"`]);
    const home = await Deno.makeTempDir();
    const bin = await Deno.makeTempDir();
    const run = async (...args: string[]) => {
      const out = await new Deno.Command(binary, {
        args,
        clearEnv: true,
        env: { PATH: bin, HOME: home },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return {
        code: out.code,
        stdout: new TextDecoder().decode(out.stdout),
        stderr: new TextDecoder().decode(out.stderr),
      };
    };
    const version = await run("--version");
    assertEquals(version.code, 0);
    assert(version.stdout.startsWith("busmsg "), version.stdout);
    const rt = await run("test-message", "--conf", conf, "--roundtrip", "--listen-conf", consumer);
    assertEquals(rt.code, 0, rt.stderr);
    assertIncludes(rt.stdout, `${prefix}.logging.stats.debug.test-message`);
    assertIncludes(rt.stdout, "round-trip");
  },
});

Deno.test("scripts/compile refuses the full deno CLI given as DENORT_BIN (it would ignore busmsg)", async () => {
  const out = await Deno.makeTempDir();
  const run = await new Deno.Command("bash", {
    args: [`${ROOT}scripts/compile`],
    env: { BUSMSG_DIST: out, DENORT_BIN: Deno.execPath() },
    stderr: "piped",
  }).output();
  assertEquals(run.code, 3);
  assertIncludes(new TextDecoder().decode(run.stderr), "is not a denort base binary");
  assertEquals([...Deno.readDirSync(out)], []);
});

Deno.test("--version prints busmsg's version (deno.json's) and the Deno and V8 versions", async () => {
  const run = await busmsg(["--version"]);
  assertEquals(run.code, 0);
  const version = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).version;
  assertEquals(run.stdout, `busmsg ${version}\ndeno ${Deno.version.deno}\nv8 ${Deno.version.v8}\n`);
});
