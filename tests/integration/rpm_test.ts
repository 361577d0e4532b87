/**
 * `deno task release` and `rpmbuild -tb` on its tarball: built once, with no network (a network
 * namespace of its own where unshare can make one), an empty home (no rpm or Deno cache), and the
 * pinned deno on PATH standing in for BuildRequires: deno. Then the RPM's file list, licences,
 * bundled() provides and scriptlets, and rpmlint (where installed): no errors.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
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
  "/usr/lib/sysusers.d/busmsg.conf",
  "/usr/lib/tmpfiles.d/busmsg.conf",
  "/usr/libexec/busmsg",
  "/usr/libexec/busmsg/busmsg.js",
  "/usr/libexec/busmsg/chunks",
  "/usr/libexec/busmsg/deno",
  "/usr/share/bash-completion/completions/busmsg",
  "/usr/share/doc/busmsg",
  "/usr/share/doc/busmsg/README.md",
  "/usr/share/fish/vendor_completions.d/busmsg.fish",
  "/usr/share/licenses/busmsg",
  "/usr/share/licenses/busmsg/LICENSE",
  "/usr/share/licenses/busmsg/THIRD-PARTY-LICENSES",
  "/usr/share/man/man1/busmsg.1.gz",
  "/usr/share/zsh/site-functions/_busmsg",
  "/var/cache/busmsg",
  "/var/log/busmsg",
  "/var/spool/busmsg",
  "/var/spool/busmsg/users",
];

Deno.test({
  name:
    "deno task release, then rpmbuild -tb offline: the RPM's files, licence, bundled(), scriptlets; rpmlint finds no error",
  ignore: skip !== undefined,
  sanitizeResources: false,
  fn: async () => {
    const release = await runCommand("bash", [`${ROOT}scripts/release`]);
    assertEquals(release.code, 0, release.stderr);
    const tarball = `${ROOT}dist/busmsg-${VERSION}.tar.gz`;
    const home = await Deno.makeTempDir({ prefix: "busmsg-rpm-" });
    const deno = Deno.execPath();
    const env = {
      HOME: home,
      PATH: `${deno.replace(/\/[^/]+$/, "")}:/usr/bin:/bin`,
      LANG: "C.UTF-8",
    };
    // No network: a namespace with none, when unshare may make one (root, or user namespaces).
    const offline = (await runCommand("unshare", ["-n", "true"])).code === 0 ||
      (await runCommand("unshare", ["-rn", "true"])).code === 0;
    const unshare = (await runCommand("unshare", ["-n", "true"])).code === 0 ? ["-n"] : ["-rn"];
    const build = offline
      ? await runCommand("unshare", [...unshare, "rpmbuild", "-tb", tarball], {
        clearEnv: true,
        env,
      })
      : await runCommand("rpmbuild", ["-tb", tarball], { clearEnv: true, env });
    assertEquals(build.code, 0, build.stdout.slice(-3000) + build.stderr.slice(-3000));
    if (!offline) console.log("rpm: built with the network reachable (unshare not permitted here)");
    const rpm =
      `${home}/rpmbuild/RPMS/${Deno.build.arch}/busmsg-${VERSION}-1.${Deno.build.arch}.rpm`;
    const files = await runCommand("rpm", ["-qlp", rpm]);
    // Fedora names the doc and licence directories busmsg, older rpms busmsg-VERSION; the
    // build-id links of the deno binary are rpm's own.
    const listed = files.stdout.trim().split("\n")
      .filter((f) => !f.startsWith("/usr/lib/.build-id"))
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
    const scripts = (await runCommand("rpm", ["-qp", "--scripts", rpm])).stdout;
    assertIncludes(scripts, 'u busmsg - "busmsg recorder" /var/log/busmsg /usr/sbin/nologin');
    assertIncludes(scripts, "systemd-tmpfiles --create /usr/lib/tmpfiles.d/busmsg.conf");
    // Every unit is enabled by preset, disabled on removal, restarted on upgrade.
    const units = [...Deno.readDirSync(`${ROOT}systemd`)].map((e) => e.name)
      .filter((n) => /\.(service|timer)$/.test(n)).sort();
    assertEquals(units.length, 5);
    for (const unit of units) {
      // %systemd_post, %systemd_preun, %systemd_postun_with_restart: once each, whatever they
      // expand to (Fedora's macros, or the spec's own elsewhere).
      assertEquals(scripts.split(unit).length - 1, 3, `${unit} in\n${scripts}`);
    }
    // %check ran the tests that need no broker.
    assertIncludes(build.stdout + build.stderr, "passed");
    // Nothing written into the home but rpmbuild's own tree: no Deno cache.
    assertEquals(
      [...Deno.readDirSync(home)].map((e) => e.name).filter((n) => n !== ".rpmdb").sort(),
      ["rpmbuild"],
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
