/**
 * The systemd units in systemd/: their syntax, checked by `systemd-analyze verify` with the
 * binary's path filled in as an installation would, and the % of the output path escaped.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { ROOT } from "../support/run.ts";

const UNITS = [
  "busmsg-recorder.service",
  "busmsg-flush.service",
  "busmsg-flush.timer",
  "busmsg-coverage.service",
  "busmsg-coverage.timer",
  "busmsg-status.service",
  "busmsg-status.timer",
];

async function analyzer(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("systemd-analyze", { args: ["--version"], stdout: "null" })
      .output();
    return out.success ? undefined : "systemd-analyze --version failed";
  } catch {
    return "systemd-analyze is not installed (Debian: apt-get install systemd)";
  }
}

const missing = await analyzer();
if (missing) console.log(`systemd units: verification skipped: ${missing}`);

Deno.test({
  name:
    "systemd units: systemd-analyze verify finds nothing to say, with the binary path filled in",
  ignore: missing !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "busmsg-units-" });
    await Deno.mkdir(`${dir}/bin`);
    // verify checks that ExecStart names an executable.
    await Deno.writeTextFile(`${dir}/bin/busmsg`, "#!/bin/sh\n");
    await Deno.chmod(`${dir}/bin/busmsg`, 0o755);
    for (const unit of UNITS) {
      const text = await Deno.readTextFile(`${ROOT}systemd/${unit}`);
      await Deno.writeTextFile(`${dir}/${unit}`, text.replaceAll("@BINDIR@", `${dir}/bin`));
    }
    const out = await new Deno.Command("systemd-analyze", {
      args: ["verify", "--man=no", ...UNITS.map((u) => `${dir}/${u}`)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    // Only what concerns these units (a container may have complaints of its own).
    const ours = said.split("\n").filter((l) => UNITS.some((u) => l.includes(u)));
    assertEquals([out.code, ours], [0, []], said);
  },
});

Deno.test("systemd units: the recorder's output path reaches busmsg with its strftime fields", async () => {
  const unit = await Deno.readTextFile(`${ROOT}systemd/busmsg-recorder.service`);
  const exec = unit.split("\n").find((l) => l.startsWith("ExecStart="))!;
  // systemd would expand %Y, %m and %d itself (unit directory, machine id, ...).
  assertIncludes(exec, " --output /var/log/busmsg/sync-%%Y-%%m-%%d.jsonl");
  assertEquals(/%[^%]/.test(exec.replaceAll("%%", "")), false, exec);
  assertIncludes(exec, "ExecStart=@BINDIR@/busmsg listen ");
  assertIncludes(unit, "\nUser=busmsg\n");
  assert(/\nRestart=(on-failure|always)\n/.test(unit), "restarted after a failure");
  // systemd counts a death by SIGHUP as clean: one it did not ask for must restart too.
  assert(
    /\nRestart=always\n/.test(unit) ||
      /\nRestartForceExitStatus=.*\bSIGHUP\b/.test(unit),
    "restarted after a death by SIGHUP",
  );
  assertIncludes(unit, "\nRestart=always\n");
  assertIncludes(unit, "\nRestartPreventExitStatus=2 78 121\n");
  const flush = await Deno.readTextFile(`${ROOT}systemd/busmsg-flush.service`);
  assertIncludes(flush, "\nExecStart=@BINDIR@/busmsg flush\n");
  assertIncludes(flush, "\nSuccessExitStatus=111\n");
});

Deno.test({
  name:
    "systemd units: systemd-analyze security scores every service at most 2.5, as the units and README say",
  ignore: missing !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "busmsg-units-" });
    const readme = await Deno.readTextFile(`${ROOT}README.md`);
    for (const unit of UNITS.filter((u) => u.endsWith(".service"))) {
      const text = await Deno.readTextFile(`${ROOT}systemd/${unit}`);
      await Deno.writeTextFile(`${dir}/${unit}`, text.replaceAll("@BINDIR@", "/usr/bin"));
      const out = await new Deno.Command("systemd-analyze", {
        args: ["security", "--offline=true", "--no-pager", `${dir}/${unit}`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      const score = said.match(/Overall exposure level for \S+: (\d+\.\d)/)?.[1];
      assert(score !== undefined, said);
      assert(Number(score) <= 2.5, `${unit}: ${score}`);
      // The score the unit's comment and the README state is the one measured.
      assertIncludes(text, `systemd-analyze security: ${score})`);
      assertIncludes(readme, `\`${unit}\` ${score}`);
    }
  },
});

Deno.test("sysusers.d and tmpfiles.d: the recorder's user, the spool tree (0711 root, users/ 0755) and the log directory (0750 busmsg)", async () => {
  const users = await Deno.readTextFile(`${ROOT}systemd/sysusers.d/busmsg.conf`);
  const recorder = await Deno.readTextFile(`${ROOT}systemd/busmsg-recorder.service`);
  const lines = (t: string) => t.split("\n").filter((l) => l && !l.startsWith("#"));
  assertEquals(lines(users), [
    'u busmsg - "busmsg recorder" /var/log/busmsg /usr/sbin/nologin',
    "g busmsg-monitor -",
  ]);
  assertIncludes(recorder, "\nUser=busmsg\nGroup=busmsg\n");
  const dirs = await Deno.readTextFile(`${ROOT}systemd/tmpfiles.d/busmsg.conf`);
  assertEquals(lines(dirs), [
    "d /var/spool/busmsg 0711 root root -",
    "d /var/spool/busmsg/users 0755 root root -",
    "d /var/log/busmsg 0750 busmsg busmsg -",
    "d /var/cache/busmsg 0755 root root -",
    "d /var/lib/busmsg 2750 root busmsg-monitor -",
  ]);
});

Deno.test("systemd units: the coverage page is written daily next to the day files, as the recorder's user", async () => {
  const unit = await Deno.readTextFile(`${ROOT}systemd/busmsg-coverage.service`);
  const exec = unit.split("\n").find((l) => l.startsWith("ExecStart="))!;
  // A shell expands the glob (systemd does not); plain and gzipped day files.
  assertEquals(
    exec,
    "ExecStart=/bin/sh -c 'exec @BINDIR@/busmsg report --coverage --since 31d --nagios " +
      "--html /var/log/busmsg/coverage.html /var/log/busmsg/sync-*.jsonl*'",
  );
  assertEquals(/%/.test(exec), false, "no % for systemd to expand");
  assertIncludes(unit, "\nUser=busmsg\n");
  assertIncludes(unit, "\nReadWritePaths=/var/log/busmsg\n");
  // It needs no network and writes nothing but its log directory.
  assertEquals(unit.match(/^ReadWritePaths=.*$/gm), ["ReadWritePaths=/var/log/busmsg"]);
  assertIncludes(unit, "\nPrivateNetwork=yes\n");
  assertIncludes(unit, "\nRestrictAddressFamilies=AF_UNIX\n");
  assertIncludes(unit, "\nProtectSystem=strict\n");
  // WARNING and CRITICAL are what the page shows; only UNKNOWN (no page) fails the unit.
  assertIncludes(unit, "\nSuccessExitStatus=1 2\n");
  const timer = await Deno.readTextFile(`${ROOT}systemd/busmsg-coverage.timer`);
  assertIncludes(timer, "\nOnCalendar=*-*-* 07:00:00\n");
  assertIncludes(timer, "\nPersistent=true\n");
});
