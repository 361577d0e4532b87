/**
 * busmsg: put well-formed fedora-messaging messages on the bus from shell scripts and cron.
 * This file only parses the command name, dispatches, and maps errors to exit codes.
 * @module
 */
import { DeliveryError, EXIT, exitCodeOf, HelpRequested, UsageError } from "./lib/errors.ts";
import { JOURNAL, out, say } from "./lib/io/output.ts";
import { giveUpFfi } from "./lib/io/stdout_reader.ts";
import { VERSION } from "./lib/version.ts";
import { type OptionTable, SHARED_OPTIONS, splitCommand } from "./lib/cli/option_table.ts";
import { closest } from "./lib/text/suggest.ts";

/** What each command module exports. */
export interface Command {
  /** The command's --help text. */
  HELP: string;
  /** Its options: what its parser accepts, its help lists and completions offer. */
  OPTIONS: OptionTable;
  run(args: string[]): Promise<number>;
}

/**
 * The command table; the man page and the completions are generated from it. Commands load on
 * demand, so each call pays only for the command it runs.
 */
export const COMMANDS: Record<
  string,
  { summary: string; load: () => Promise<Command>; watchesStdout?: true }
> = {
  publish: {
    summary: "publish dump lines, or one message from fields",
    load: () => import("./lib/commands/publish.ts"),
  },
  "sync-event": {
    summary: "send one logging.stats.sync.* event",
    load: () => import("./lib/commands/sync_event.ts"),
  },
  validate: {
    summary: "check dump lines without a broker",
    load: () => import("./lib/commands/validate.ts"),
  },
  "test-message": {
    summary: "check this host's bus config with a test message",
    load: () => import("./lib/commands/test_message.ts"),
  },
  flush: {
    summary: "send what the spool holds, oldest first",
    load: () => import("./lib/commands/flush.ts"),
  },
  listen: {
    summary: "print messages from the bus as dump lines",
    load: () => import("./lib/commands/listen.ts"),
    // `listen | head -1` ends when head does, even with no message to write.
    watchesStdout: true,
  },
  report: {
    summary: "summarise sync runs: failures, retries, skips",
    load: () => import("./lib/commands/report.ts"),
  },
  spool: {
    summary: "spool status: the spool as a monitoring check",
    load: () => import("./lib/commands/spool.ts"),
  },
  status: {
    summary: "the status file as a monitoring check, no sudo (--update writes it)",
    load: () => import("./lib/commands/status.ts"),
  },
  doctor: {
    summary: "check config, certificates, broker and spool (Nagios codes)",
    load: () => import("./lib/commands/doctor.ts"),
  },
  schema: {
    summary: "print the logging.stats JSON Schemas",
    load: () => import("./lib/commands/schema.ts"),
  },
};

/** busmsg --help. */
export const HELP =
  `busmsg ${VERSION}: publish fedora-messaging messages from shell scripts and cron.

Usage: busmsg [options] <command> [options] [args]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`).join("\n")}

Shared options (--conf, --url, --timeout, --spool-dir, --json, ...) may come before or after
the command. 'busmsg help <command>' or 'busmsg <command> --help' shows a command's options.
'busmsg --version' prints versions.

Examples:
  busmsg publish --topic logging.stats.merge.start files:int=3
  busmsg --conf /etc/fedora-messaging/config.toml test-message`;

/** The command of that name, or a usage error suggesting the closest one. */
function commandNamed(name: string): (typeof COMMANDS)[string] {
  if (Object.hasOwn(COMMANDS, name)) return COMMANDS[name]!;
  const guess = closest(name, Object.keys(COMMANDS));
  throw new UsageError(
    `unknown command "${name}"${guess ? `; did you mean "${guess}"?` : ""} (see busmsg --help)`,
  );
}

/** Options but no command: say so, or name the option that was probably misspelt. */
function noCommand(leading: string[]): UsageError {
  const known = [...Object.keys(SHARED_OPTIONS).map((o) => `--${o}`), "--version"];
  const shorts = Object.values(SHARED_OPTIONS as OptionTable).map((o) => `-${o.short}`);
  const unknown = leading.find((a) =>
    a.startsWith("-") && ![...known, ...shorts, "-V"].includes(a.replace(/=.*/, ""))
  );
  if (unknown === undefined) return new UsageError("no command given; see 'busmsg --help'");
  const guess = closest(unknown.replace(/=.*/, ""), known);
  return new UsageError(
    `unknown option ${unknown}${guess ? `; did you mean ${guess}?` : ""} (see busmsg --help)`,
  );
}

/** Runs busmsg with `args` (without the program name) and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let help: string | undefined;
  try {
    const { leading, name, rest } = splitCommand(args);
    // Before any command (and the libraries it loads) runs.
    giveUpFfi(COMMANDS[name ?? ""]?.watchesStdout === true);
    if (name === undefined || name === "help") {
      if (leading.includes("--version") || leading.includes("-V")) {
        out(`busmsg ${VERSION}\ndeno ${Deno.version.deno}\nv8 ${Deno.version.v8}\n`);
        return EXIT.OK;
      }
      if (name === "help" && rest[0] !== undefined) {
        out((await commandNamed(rest[0]).load()).HELP + "\n");
        return EXIT.OK;
      }
      // Nothing at all is a mistake too (one line), not a request for the help.
      if (
        name === undefined &&
        (leading.length === 0 || leading.some((a) => a !== "--help" && a !== "-h"))
      ) {
        throw noCommand(leading);
      }
      out(HELP + "\n");
      return EXIT.OK;
    }
    const loaded = await commandNamed(name).load();
    help = loaded.HELP;
    return await loaded.run([...leading, ...rest]);
  } catch (e) {
    if (e instanceof HelpRequested && help !== undefined) {
      out(help + "\n");
      return EXIT.OK;
    }
    const code = exitCodeOf(e);
    // Only errors we did not foresee show their type; none shows a stack trace.
    say(
      code === EXIT.FAILURE && e instanceof Error && !(e instanceof DeliveryError)
        ? `${e.name}: ${e.message}`
        : (e as Error).message,
      JOURNAL.ERROR,
    );
    return code;
  }
}

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
  // Sockets a timed-out step left behind must not keep the process alive.
  Deno.exit();
}
