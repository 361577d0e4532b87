/**
 * busmsg: put well-formed fedora-messaging messages on the bus from shell scripts and cron.
 * This file only parses the command name, dispatches, and maps errors to exit codes.
 * @module
 */
import { EXIT, exitCodeOf, UsageError } from "./lib/errors.ts";
import { out, say } from "./lib/cli/output.ts";
import { VERSION } from "./lib/version.ts";

interface Command {
  /** The command's --help text. */
  HELP: string;
  run(args: string[]): Promise<number>;
}

// Loaded on demand, so each call pays only for the command it runs.
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
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
  },
  report: {
    summary: "summarise sync runs: failures, retries, skips",
    load: () => import("./lib/commands/report.ts"),
  },
  schema: {
    summary: "print the logging.stats JSON Schemas",
    load: () => import("./lib/commands/schema.ts"),
  },
};

const HELP = `busmsg ${VERSION}: publish fedora-messaging messages from shell scripts and cron.

Usage: busmsg <command> [options] [args]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`).join("\n")}

Run 'busmsg <command> --help' for a command's options. 'busmsg --version' prints versions.`;

/** Runs busmsg with `args` (without the program name) and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    out(HELP + "\n");
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === "--version" || name === "-V") {
    out(`busmsg ${VERSION}\ndeno ${Deno.version.deno}\nv8 ${Deno.version.v8}\n`);
    return EXIT.OK;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name}" (see busmsg --help)`);
    const loaded = await command.load();
    if (rest.includes("--help") || rest.includes("-h")) {
      out(loaded.HELP + "\n");
      return EXIT.OK;
    }
    return await loaded.run(rest);
  } catch (e) {
    const code = exitCodeOf(e);
    // Only errors we did not foresee show their type; none shows a stack trace.
    say(
      code === EXIT.FAILURE && e instanceof Error
        ? `${e.name}: ${e.message}`
        : (e as Error).message,
    );
    return code;
  }
}

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
  // Sockets a timed-out step left behind must not keep the process alive.
  Deno.exit();
}
