/**
 * `deno task release`, twice: the same commit gives the same tarball, byte for byte, with nothing
 * of the checkout's path or Deno's caches in it. Then `rpmbuild -tb` on it with no network (a
 * network namespace of its own where unshare can make one), an empty home (no rpm or Deno cache),
 * and a wrong `deno` first on PATH, which must not be used: the RPM ships the pinned Source. Its
 * file list, licences, bundled() provides and scriptlets (%preun on erase run for real), and
 * rpmlint (where installed): no errors. And the SRPM rebuilt offline for aarch64
 * (`rpmbuild --rebuild --target aarch64`): it ships the aarch64 runtime, Source2.
 */
import { COMMANDS } from "../../main.ts";
import { assert, assertEquals, assertIncludes, assertNotIncludes } from "../support/assert.ts";
import { ROOT, runCommand } from "../support/run.ts";
import { VERSION } from "../../lib/version.ts";
import { lockedPackages } from "../../scripts/licenses.ts";
import { bundledOf, licenseTag, providesName } from "../../scripts/spec.ts";

/** The Deno the tests run on is the one the RPM carries (it is on PATH for the build). */
const DENO_VERSION = Deno.version.deno;

const has = async (cmd: string) => (await runCommand("sh", ["-c", `command -v ${cmd}`])).code === 0;
const skip = (await has("rpmbuild"))
  ? undefined
  : "rpmbuild is not installed (Debian: apt-get install rpm; scripts/test installs it)";
if (skip) console.log(`rpm: skipped: ${skip}`);

const PREFIXED = [
  "/etc/logrotate.d/busmsg",
  "/usr/bin/busmsg",
  "/usr/lib/systemd/system/busmsg-coverage.service",
  "/usr/lib/systemd/system/busmsg-coverage.timer",
  "/usr/lib/systemd/system/busmsg-flush.service",
  "/usr/lib/systemd/system/busmsg-flush.timer",
  "/usr/lib/systemd/system/busmsg-recorder.service",
  "/usr/lib/systemd/system/busmsg-status.service",
  "/usr/lib/systemd/system/busmsg-status.timer",
  "/usr/lib/sysusers.d/busmsg.conf",
  "/usr/lib/tmpfiles.d/busmsg.conf",
  "/usr/libexec/busmsg",
  "/usr/libexec/busmsg/busmsg.js",
  "/usr/libexec/busmsg/chunks",
  "/usr/libexec/busmsg/deno",
  "/usr/share/bash-completion/completions/busmsg",
  "/usr/share/busmsg",
  "/usr/share/busmsg/zabbix_template_busmsg.yaml",
  "/usr/share/doc/busmsg",
  "/usr/share/doc/busmsg/README.md",
  "/usr/share/fish/vendor_completions.d/busmsg.fish",
  "/usr/share/licenses/busmsg",
  "/usr/share/licenses/busmsg/LICENSE",
  "/usr/share/licenses/busmsg/THIRD-PARTY-LICENSES",
  "/usr/share/man/man1/busmsg.1.gz",
  "/usr/share/zsh/site-functions/_busmsg",
  "/var/cache/busmsg",
  "/var/lib/busmsg",
  "/var/log/busmsg",
  "/var/spool/busmsg",
  "/var/spool/busmsg/users",
];

/** The sha256 of a file, hex. */
async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test({
  name:
    "deno task release twice: byte-identical; rpmbuild -tb offline ships the pinned runtime, not PATH's deno: the RPM's files, licence, bundled(), scriptlets; rpmlint finds no error; the SRPM rebuilds for aarch64",
  ignore: skip !== undefined,
  sanitizeResources: false,
  fn: async () => {
    const tarball = `${ROOT}dist/busmsg-${VERSION}.tar.gz`;
    const sums: string[] = [];
    const listings: string[] = [];
    for (const round of [1, 2]) {
      const release = await runCommand("bash", [`${ROOT}scripts/release`]);
      assertEquals(release.code, 0, `release ${round}: ${release.stderr}`);
      sums.push(await sha256(tarball));
      listings.push((await runCommand("tar", ["-tvzf", tarball])).stdout);
    }
    const [first, second] = listings.map((l) => l.split("\n"));
    assertEquals(
      sums[0],
      sums[1],
      "two releases of one commit differ: " +
        first!.filter((l) => !second!.includes(l)).join("\n") + "\n---\n" +
        second!.filter((l) => !first!.includes(l)).join("\n"),
    );
    // Nothing of the builder: its checkout's path, Deno's SQLite caches, gen/, registry.json.
    const unpacked = await runCommand("sh", ["-c", `gzip -dc '${tarball}'`]);
    assertNotIncludes(unpacked.stdout, ROOT.replace(/\/$/, ""));
    const entries = (await runCommand("tar", ["-tzf", tarball])).stdout.split("\n");
    const vendored = entries.filter((n) => n.includes("/vendor/deno-dir/"));
    assert(vendored.length > 10, "the npm packages are vendored");
    assertEquals(vendored.filter((n) => !/\/vendor\/deno-dir\/(npm\/.*)?$/.test(n)), []);
    assertEquals(entries.filter((n) => /registry\.json$|_cache_v2|\/gen\//.test(n)), []);
    const source = (arch: string) => `${ROOT}dist/deno-${DENO_VERSION}-${arch}-unknown-linux-gnu`;
    const home = await Deno.makeTempDir({ prefix: "busmsg-rpm-" });
    // A deno first on PATH that is not the pinned one: the build must not take it.
    await Deno.mkdir(`${home}/bin`);
    await Deno.writeTextFile(`${home}/bin/deno`, "#!/bin/sh\necho 'deno 0.0.1'\nexit 0\n");
    await Deno.chmod(`${home}/bin/deno`, 0o755);
    const env = { HOME: home, PATH: `${home}/bin:/usr/bin:/bin`, LANG: "C.UTF-8" };
    // No network: a namespace with none, when unshare may make one (root, or user namespaces).
    const offline = (await runCommand("unshare", ["-n", "true"])).code === 0 ||
      (await runCommand("unshare", ["-rn", "true"])).code === 0;
    const unshare = (await runCommand("unshare", ["-n", "true"])).code === 0 ? ["-n"] : ["-rn"];
    const rpmbuild = (args: string[]) =>
      offline
        ? runCommand("unshare", [...unshare, "rpmbuild", ...args], { clearEnv: true, env })
        : runCommand("rpmbuild", args, { clearEnv: true, env });
    const build = await rpmbuild(["-ta", tarball]);
    assertEquals(build.code, 0, build.stdout.slice(-3000) + build.stderr.slice(-3000));
    if (!offline) console.log("rpm: built with the network reachable (unshare not permitted here)");
    const rpm =
      `${home}/rpmbuild/RPMS/${Deno.build.arch}/busmsg-${VERSION}-1.${Deno.build.arch}.rpm`;
    const files = await runCommand("rpm", ["-qlp", rpm]);
    // Fedora names the doc and licence directories busmsg, older rpms busmsg-VERSION. No
    // build-id links (_build_id_links none).
    const listed = files.stdout.trim().split("\n")
      .map((f) => f.replace(`/busmsg-${VERSION}`, "/busmsg"));
    const chunk = (f: string) => /\/chunks\/[^/]+$/.test(f);
    assertEquals(listed.filter((f) => !chunk(f)), PREFIXED, files.stderr);
    // The chunks the commands load on demand: exactly those of the tarball's program.
    const shipped = await runCommand("tar", ["-tzf", tarball]);
    const names = (fs: string[]) => fs.filter(chunk).map((f) => f.replace(/.*\//, "")).sort();
    assertEquals(names(listed), names(shipped.stdout.trim().split("\n")));
    assert(names(listed).some((n) => n.startsWith("publish-")), listed.join(" "));
    const q = async (format: string) =>
      (await runCommand("rpm", ["-qp", "--qf", format, rpm])).stdout;
    // What the RPM says it carries: every package deno.lock pins and the runtime, each with the
    // licence its own package.json declares (as THIRD-PARTY-LICENSES in the tarball lists them).
    const listing = await runCommand("tar", [
      "-xzOf",
      tarball,
      `busmsg-${VERSION}/THIRD-PARTY-LICENSES`,
    ]);
    const bundled = bundledOf(listing.stdout);
    const locked = lockedPackages(await Deno.readTextFile(`${ROOT}deno.lock`));
    assertEquals(
      bundled.map((b) => `${b.name}@${b.version}`),
      [...locked.map((p) => `${p.name}@${p.version}`), `deno (runtime)@${DENO_VERSION}`],
    );
    assertEquals(await q("%{LICENSE}"), licenseTag(bundled));
    assert((await q("%{LICENSE}")).startsWith("MIT AND BSD-3-Clause"));
    const provides = (await runCommand("rpm", ["-qp", "--provides", rpm])).stdout;
    for (const b of bundled) {
      assertIncludes(provides, `bundled(${providesName(b)}) = ${b.version}\n`);
    }
    assertIncludes(provides, `bundled(nodejs-amqplib) = `);
    assertIncludes(provides, `bundled(deno) = ${DENO_VERSION}\n`);
    const modes = await runCommand("rpm", [
      "-qp",
      "--qf",
      "[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]",
      rpm,
    ]);
    assertIncludes(modes.stdout, "drwx--x--x root:root /var/spool/busmsg\n");
    assertIncludes(modes.stdout, "drwxr-xr-x root:root /var/spool/busmsg/users\n");
    assertIncludes(modes.stdout, "drwxr-x--- busmsg:busmsg /var/log/busmsg\n");
    assertIncludes(modes.stdout, "drwxr-s--- root:busmsg-monitor /var/lib/busmsg\n");
    const scripts = (await runCommand("rpm", ["-qp", "--scripts", rpm])).stdout;
    assertIncludes(scripts, 'u busmsg - "busmsg recorder" /var/log/busmsg /usr/sbin/nologin');
    assertIncludes(scripts, "\ng busmsg-monitor -\n");
    assertIncludes(scripts, "systemd-tmpfiles --create /usr/lib/tmpfiles.d/busmsg.conf");
    // Every unit is enabled by preset, disabled on removal, restarted on upgrade.
    const units = [...Deno.readDirSync(`${ROOT}systemd`)].map((e) => e.name)
      .filter((n) => /\.(service|timer)$/.test(n)).sort();
    assertEquals(units.length, 7);
    for (const unit of units) {
      // %systemd_post, %systemd_preun, %systemd_postun_with_restart: once each, whatever they
      // expand to (Fedora's macros, or the spec's own elsewhere).
      assertEquals(scripts.split(unit).length - 1, 3, `${unit} in\n${scripts}`);
    }
    // The runtime shipped is Source1, byte for byte (not the deno first on PATH).
    const digests = await runCommand("rpm", [
      "-qp",
      "--qf",
      "[%{FILEDIGESTS} %{FILENAMES}\n]",
      rpm,
    ]);
    assertIncludes(digests.stdout, `${await sha256(source("x86_64"))} /usr/libexec/busmsg/deno\n`);
    assertIncludes(await q("%{LICENSE}"), "Apache-2.0");
    assertIncludes(await q("%{LICENSE}"), "Unicode-3.0");
    // %preun on erase, run as rpm would ($1 = 0) on a copy of the paths it names.
    const root = `${home}/root`;
    await Deno.mkdir(`${root}/var/spool/busmsg`, { recursive: true });
    await Deno.mkdir(`${root}/var/cache/busmsg/dep`, { recursive: true });
    await Deno.writeTextFile(`${root}/var/spool/busmsg/00000000000001-1-a.msg`, "{}\n");
    await Deno.writeTextFile(`${root}/var/spool/busmsg/00000000000002-1-b.msg`, "{}\n");
    await Deno.writeTextFile(`${root}/var/cache/busmsg/dep/x`, "cache");
    const preun = (await q("%{PREUN}")).replaceAll("/var/", `${root}/var/`)
      .replace(/systemctl/g, "true");
    const erase = await runCommand("sh", ["-c", preun, "preun", "0"]);
    assertEquals(erase.code, 0, erase.stderr);
    assertIncludes(
      erase.stderr,
      `busmsg: 2 message(s) not sent and 0 moved aside are left in ${root}/var/spool/busmsg`,
    );
    assertIncludes(erase.stderr, `${root}/var/cache/busmsg (Deno's code cache) removed`);
    assertEquals([...Deno.readDirSync(`${root}/var/cache/busmsg`)], []);
    assertEquals([...Deno.readDirSync(`${root}/var/spool/busmsg`)].length, 2, "the spool is kept");
    // An upgrade ($1 = 1) says nothing and removes nothing.
    await Deno.writeTextFile(`${root}/var/cache/busmsg/y`, "cache");
    const upgrade = await runCommand("sh", ["-c", preun, "preun", "1"]);
    assertEquals([upgrade.code, upgrade.stderr], [0, ""]);
    assertEquals([...Deno.readDirSync(`${root}/var/cache/busmsg`)].length, 1);
    // The SRPM carries both runtimes, and rebuilds offline for aarch64 with the aarch64 one.
    const srpm = `${home}/rpmbuild/SRPMS/busmsg-${VERSION}-1.src.rpm`;
    const sources = (await runCommand("rpm", ["-qlp", srpm])).stdout;
    assertIncludes(sources, `deno-${DENO_VERSION}-x86_64-unknown-linux-gnu\n`);
    assertIncludes(sources, `deno-${DENO_VERSION}-aarch64-unknown-linux-gnu\n`);
    const cross = await rpmbuild(["--rebuild", "--target", "aarch64", srpm]);
    assertEquals(cross.code, 0, cross.stdout.slice(-3000) + cross.stderr.slice(-3000));
    const arm = `${home}/rpmbuild/RPMS/aarch64/busmsg-${VERSION}-1.aarch64.rpm`;
    const armDigests = await runCommand("rpm", [
      "-qp",
      "--qf",
      "[%{FILEDIGESTS} %{FILENAMES}\n]",
      arm,
    ]);
    assertIncludes(
      armDigests.stdout,
      `${await sha256(source("aarch64"))} /usr/libexec/busmsg/deno\n`,
    );
    assertEquals((await runCommand("rpm", ["-qp", "--qf", "%{ARCH}", arm])).stdout, "aarch64");
    assertNotIncludes(armDigests.stdout, "/usr/lib/.build-id");
    // %check ran the tests that need no broker.
    assertIncludes(build.stdout + build.stderr, "passed");
    // And loaded every part of the installed program (scripts/check_program).
    assertIncludes(
      build.stdout + build.stderr,
      `check_program: ${Object.keys(COMMANDS).length} commands, the AMQP and YAML libraries load`,
    );
    // Nothing written into the home but rpmbuild's own tree: no Deno cache.
    assertEquals(
      [...Deno.readDirSync(home)].map((e) => e.name).filter((n) => n !== ".rpmdb").sort(),
      ["bin", "root", "rpmbuild"],
    );
    if (await has("rpmlint")) {
      const lint = await runCommand("rpmlint", ["-r", `${ROOT}rpm/busmsg.rpmlintrc`, rpm], {
        env: { HOME: home },
      });
      const errors = lint.stdout.split("\n").filter((l) => / E: /.test(l));
      assertEquals(errors, [], lint.stdout);
      assert(/0 errors/.test(lint.stdout), lint.stdout);
    }
  },
});
