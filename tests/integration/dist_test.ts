/**
 * deno task dist and scripts/install: the man page renders without warnings and documents every
 * command and option, bash completes commands, options, events and files, the units get the
 * binary's path, and the install puts each file where a Fedora package would.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { ROOT, runCommand } from "../support/run.ts";
import { COMMANDS } from "../../main.ts";
import { optionsOf } from "../../lib/cli/docs.ts";
import { SHARED_OPTIONS } from "../../lib/cli/option_table.ts";
import { SYNC_EVENTS } from "../../lib/message/schemas.ts";
import { VERSION } from "../../lib/version.ts";

const sh = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  runCommand(cmd, args, { env });

// Units like the log server's, in the forms scripts/dist accepts.
const units = await Deno.makeTempDir({ prefix: "busmsg-units-" });
await Deno.writeTextFile(
  `${units}/busmsg-flush.service`,
  "[Service]\nType=oneshot\nExecStart=@BINDIR@/busmsg flush\n",
);
await Deno.writeTextFile(`${units}/busmsg-flush.timer`, "[Timer]\nOnCalendar=*:0/30\n");
await Deno.writeTextFile(
  `${units}/busmsg-record.service`,
  "[Service]\nExecStart=/usr/local/bin/busmsg listen --output /var/log/busmsg/%Y.jsonl\n",
);
await Deno.writeTextFile(`${units}/README`, "not a unit\n");

const dist = await Deno.makeTempDir({ prefix: "busmsg-dist-" });
const built = await sh("bash", [`${ROOT}scripts/dist`, dist], { BUSMSG_UNITS_DIR: units });
const commands = await Promise.all(
  Object.entries(COMMANDS).map(async ([name, c]) => ({ name, options: (await c.load()).OPTIONS })),
);

Deno.test("deno task dist builds the bundle, the man page, three completions and the units", () => {
  assertEquals(built.code, 0, built.stderr);
  const files = (dir: string) => [...Deno.readDirSync(`${dist}/${dir}`)].map((e) => e.name).sort();
  assert(Deno.statSync(`${dist}/busmsg.js`).isFile);
  // The chunks each command loads on demand: amqplib among them, each command its own.
  const chunks = files("chunks");
  assert(chunks.some((n) => n.startsWith("publish-")), chunks.join(" "));
  const size = chunks.reduce((sum, n) => sum + Deno.statSync(`${dist}/chunks/${n}`).size, 0);
  assert(size > 100_000, `${size} bytes`);
  assertEquals(files("man"), ["busmsg.1"]);
  assertEquals(files("completions"), ["_busmsg", "busmsg.bash", "busmsg.fish"]);
  assertEquals(files("systemd"), [
    "busmsg-flush.service",
    "busmsg-flush.timer",
    "busmsg-record.service",
    "sysusers.d",
    "tmpfiles.d",
  ]);
  assertEquals(
    Deno.readTextFileSync(`${dist}/systemd/busmsg-flush.service`),
    "[Service]\nType=oneshot\nExecStart=/usr/bin/busmsg flush\n",
  );
  assertIncludes(
    Deno.readTextFileSync(`${dist}/systemd/busmsg-record.service`),
    "ExecStart=/usr/bin/busmsg listen --output /var/log/busmsg/%Y.jsonl\n",
  );
});

Deno.test("the man page renders without a warning and documents every command and option", async () => {
  const page = `${dist}/man/busmsg.1`;
  const groff = await sh("groff", ["-man", "-ww", "-z", "-Tutf8", page]);
  assertEquals([groff.code, groff.stderr], [0, ""]);
  const man = await sh("man", ["--warnings", "-l", page], {
    MANWIDTH: "100",
    MAN_KEEP_FORMATTING: "",
  });
  assertEquals([man.code, man.stderr], [0, ""]);
  const text = man.stdout;
  for (
    const section of [
      "NAME",
      "SYNOPSIS",
      "COMMANDS",
      "EXIT STATUS",
      "ENVIRONMENT",
      "FILES",
      "EXAMPLES",
    ]
  ) {
    assertIncludes(text, `\n${section}\n`);
  }
  for (const { name, options: table } of commands) {
    const options = optionsOf(table);
    const start = text.indexOf(`\n   busmsg ${name}\n`);
    assert(start > 0, `no section for ${name}`);
    const end = text.indexOf("\n   busmsg ", start + 1);
    const section = text.slice(start, end === -1 ? text.indexOf("\nEXIT STATUS") : end);
    assert(options.length > 0);
    for (const o of options) assertIncludes(section, o.flag, `${name}: ${o.flag}`);
  }
  assertIncludes(text, "121");
  assertIncludes(text, "FEDORA_MESSAGING_CONF");
  assertIncludes(text, "/etc/fedora-messaging/config.toml");
  const files = text.slice(text.indexOf("\nFILES\n"), text.indexOf("\nEXAMPLES\n"));
  for (
    const path of [
      "/etc/fedora-messaging/config.toml",
      "/var/spool/busmsg/",
      "/var/log/busmsg/",
      "/usr/lib/systemd/system/busmsg-flush.service",
      "/usr/lib/systemd/system/busmsg-recorder.service",
      "/usr/lib/sysusers.d/busmsg.conf",
      "/usr/lib/tmpfiles.d/busmsg.conf",
      "/etc/logrotate.d/busmsg",
    ]
  ) assertIncludes(files, path, "FILES");
});

/** What the bash completion offers for a command line whose last word is being completed. */
async function complete(...words: string[]): Promise<string[]> {
  const script = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_busmsg; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = await sh("bash", ["-c", script, "-", `${dist}/completions/busmsg.bash`, ...words]);
  assertEquals(out.stderr, "");
  return out.stdout.split("\n").filter(Boolean);
}

Deno.test("bash completes commands, each command's options, sync-event's events and files", async () => {
  const files = `${dist}/man/busmsg`;
  assertEquals(await complete("busmsg", ""), Object.keys(COMMANDS));
  assertEquals(await complete("busmsg", "--dry"), ["--dry-run"]);
  // Shared options before the command: their values are neither the command nor completed as one.
  assertEquals(await complete("busmsg", "--conf", files, ""), Object.keys(COMMANDS));
  assertEquals(await complete("busmsg", "--conf", files), [`${files}.1`]);
  assertEquals(await complete("busmsg", "--timeout", "5", "sync-event", "host.logdate.fail.r"), [
    "host.logdate.fail.retry",
  ]);
  assertEquals(
    (await complete("busmsg", "-")).sort(),
    [...Object.keys(SHARED_OPTIONS).map((o) => `--${o}`), "--version"].sort(),
  );
  assertEquals(await complete("busmsg", "sy"), ["sync-event"]);
  assertEquals(await complete("busmsg", "sync-event", ""), SYNC_EVENTS);
  assertEquals(await complete("busmsg", "sync-event", "host.logdate.f"), [
    "host.logdate.finish",
    "host.logdate.fail.retry",
    "host.logdate.fail.final",
  ]);
  assertEquals(await complete("busmsg", "sync-event", "host.skip", "--sy"), ["--synced-host"]);
  // The event is given: no more events; an option's value is not taken for the event.
  assertEquals(await complete("busmsg", "sync-event", "host.skip", ""), []);
  assertEquals(await complete("busmsg", "sync-event", "--run-id", "x", ""), SYNC_EVENTS);
  assertEquals(await complete("busmsg", "validate", "--js"), ["--json"]);
  assertEquals(await complete("busmsg", "spool", ""), ["status"]);
  assertEquals(await complete("busmsg", "publish", "--he"), ["--helper-words", "--help"]);
  assertEquals(await complete("busmsg", "publish", files), [`${files}.1`]);
  assertEquals(await complete("busmsg", "sync-event", "--conf", files), [`${files}.1`]);
  assertEquals(await complete("busmsg", "flush", "--spool-dir", `${dist}/ma`), [`${dist}/man`]);
  assertEquals(await complete("busmsg", "schema", "logging.stats.sync.host.s"), [
    "logging.stats.sync.host.start",
    "logging.stats.sync.host.skip",
  ]);
});

const FIELD_OPTIONS = ["--run-id", "--synced-host", "--log-date", "--reason"];

Deno.test("bash completes commands after help, severity levels, and only the options an event takes", async () => {
  assertEquals(await complete("busmsg", "help", ""), Object.keys(COMMANDS));
  assertEquals(await complete("busmsg", "help", "sy"), ["sync-event"]);
  assertEquals(await complete("busmsg", "help", "flush", ""), []);
  const levels = ["debug", "info", "warning", "error", "10", "20", "30", "40"];
  assertEquals(await complete("busmsg", "sync-event", "--severity", ""), levels);
  assertEquals(await complete("busmsg", "publish", "--severity", "w"), ["warning"]);
  const fields = async (...words: string[]) =>
    (await complete("busmsg", "sync-event", ...words, "--")).filter((f) =>
      FIELD_OPTIONS.includes(f)
    );
  assertEquals(await fields("start"), ["--run-id"]);
  assertEquals(await fields("host.start"), ["--run-id", "--synced-host"]);
  assertEquals(await fields("host.skip"), ["--run-id", "--synced-host", "--reason"]);
  assertEquals(await fields("host.logdate.finish"), ["--run-id", "--synced-host", "--log-date"]);
  assertEquals(await fields("host.logdate.fail.final"), FIELD_OPTIONS);
  // Before the event is named, every option; an option's value is not taken for the event.
  assertEquals(await fields(), FIELD_OPTIONS);
  assertEquals(await fields("--timeout", "5", "finish"), ["--run-id"]);
  assertEquals(await complete("busmsg", "sync-event", "start", "--s"), [
    "--severity",
    "--spool-dir",
    "--strict",
  ]);
});

Deno.test("zsh and fish complete only the options an event takes, and the levels (fish where installed)", async () => {
  const fish = Deno.readTextFileSync(`${dist}/completions/busmsg.fish`);
  assertIncludes(
    fish,
    `-n "__fish_seen_subcommand_from sync-event; and not __fish_seen_subcommand_from start finish" -l synced-host `,
  );
  const zsh = Deno.readTextFileSync(`${dist}/completions/_busmsg`);
  assertIncludes(zsh, "(( ${words[(I)(start|finish)]} )) || specs+=('--synced-host=[");
  assertIncludes(zsh, "]:level:(debug info warning error 10 20 30 40)'");
  if ((await sh("bash", ["-c", "command -v fish"])).code !== 0) return;
  const offered = async (line: string) => {
    const run = await sh("fish", [
      "-c",
      `source ${dist}/completions/busmsg.fish; complete -C '${line}'`,
    ]);
    assertEquals(run.stderr, "");
    return run.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]!);
  };
  assertEquals(
    (await offered("busmsg sync-event host.skip --")).filter((f) => FIELD_OPTIONS.includes(f))
      .sort(),
    ["--reason", "--run-id", "--synced-host"],
  );
  assertEquals((await offered("busmsg sync-event start --severity ")).sort(), [
    "10",
    "20",
    "30",
    "40",
    "debug",
    "error",
    "info",
    "warning",
  ]);
  assertEquals((await offered("busmsg help ")).sort(), Object.keys(COMMANDS).sort());
});

Deno.test("the zsh and fish completions parse (where zsh or fish is installed)", async () => {
  for (const [shell, file] of [["zsh", "_busmsg"], ["fish", "busmsg.fish"]] as const) {
    const which = await sh("bash", ["-c", `command -v ${shell}`]);
    if (which.code !== 0) continue;
    const check = await sh(shell, ["-n", `${dist}/completions/${file}`]);
    assertEquals([check.code, check.stderr], [0, ""], shell);
  }
  const fish = Deno.readTextFileSync(`${dist}/completions/busmsg.fish`);
  assertIncludes(fish, `-n "__fish_seen_subcommand_from sync-event" -a '${SYNC_EVENTS.join(" ")}'`);
  const zsh = Deno.readTextFileSync(`${dist}/completions/_busmsg`);
  assertIncludes(zsh, `'1:EVENT:(${SYNC_EVENTS.join(" ")})'`);
});

Deno.test("scripts/install PREFIX puts each file where a Fedora package would, and busmsg runs", async () => {
  const root = await Deno.makeTempDir({ prefix: "busmsg-install-" });
  const prefix = `${root}/usr`;
  const run = await sh("bash", [`${ROOT}scripts/install`, prefix], {
    BUSMSG_UNITS_DIR: units,
    BUSMSG_CACHE_DIR: `${root}/var/cache/busmsg`,
  });
  assertEquals(run.code, 0, run.stderr);
  for (
    const path of [
      "bin/busmsg",
      "share/man/man1/busmsg.1",
      "share/bash-completion/completions/busmsg",
      "share/zsh/site-functions/_busmsg",
      "share/fish/vendor_completions.d/busmsg.fish",
      "lib/systemd/system/busmsg-flush.timer",
    ]
  ) assert(Deno.statSync(`${prefix}/${path}`).isFile, path);
  assertIncludes(
    Deno.readTextFileSync(`${prefix}/lib/systemd/system/busmsg-flush.service`),
    `ExecStart=${prefix}/bin/busmsg flush\n`,
  );
  // No deno on PATH, no home: the installed busmsg needs nothing but itself.
  const version = await runCommand(`${prefix}/bin/busmsg`, ["--version"], {
    clearEnv: true,
    env: { PATH: "/nonexistent", HOME: "/nonexistent" },
  });
  assertEquals(version.stderr, "");
  assertEquals(version.stdout.split("\n")[0], `busmsg ${VERSION}`);
  const man = await sh("man", ["-w", "busmsg"], { MANPATH: `${prefix}/share/man` });
  assertEquals(man.stdout.trim(), `${prefix}/share/man/man1/busmsg.1`);
});

Deno.test("scripts/install takes PREFIX from the environment, writes only under DESTDIR, and the installed busmsg writes nothing into its caller's home", async () => {
  const stage = await Deno.makeTempDir({ prefix: "busmsg-stage-" });
  const prefix = `/opt/busmsg-test-${crypto.randomUUID().slice(0, 8)}`;
  const run = await sh("bash", [`${ROOT}scripts/install`], {
    PREFIX: prefix,
    DESTDIR: stage,
    BUSMSG_UNITS_DIR: units,
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(await Deno.stat(prefix).catch(() => "absent"), "absent", "nothing outside DESTDIR");
  for (
    const path of [
      "bin/busmsg",
      "lib/sysusers.d/busmsg.conf",
      "lib/tmpfiles.d/busmsg.conf",
      "etc/logrotate.d/busmsg",
    ]
  ) assert(Deno.statSync(`${stage}${prefix}/${path}`).isFile, path);
  assertIncludes(
    Deno.readTextFileSync(`${stage}${prefix}/lib/systemd/system/busmsg-flush.service`),
    `ExecStart=${prefix}/bin/busmsg flush\n`,
  );
  // Installed where it was staged for (the launcher names PREFIX, not DESTDIR): a copy made so.
  const root = await Deno.makeTempDir({ prefix: "busmsg-installed-" });
  const installed = await sh("bash", [`${ROOT}scripts/install`, `${root}/usr`], {
    BUSMSG_UNITS_DIR: units,
    BUSMSG_CACHE_DIR: `${root}/var/cache/busmsg`,
  });
  assertEquals(installed.code, 0, installed.stderr);
  const home = await Deno.makeTempDir({ prefix: "busmsg-home-" });
  for (const args of [["--version"], ["validate", "-"], ["spool", "status", "--spool-dir", home]]) {
    const r = await runCommand(`${root}/usr/bin/busmsg`, args, {
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin", HOME: home, XDG_CACHE_HOME: `${home}/.cache` },
    });
    assert(r.code === 0 || args[0] === "spool", `${args.join(" ")}: ${r.code} ${r.stderr}`);
  }
  assertEquals([...Deno.readDirSync(home)].map((e) => e.name), [], "the caller's home stays empty");
  // Deno's code cache went where the launcher says (root may write there).
  assert(Deno.statSync(`${root}/var/cache/busmsg/v8_code_cache_v2`).isFile);
});
