/**
 * What every command shares: option parsing that turns mistakes into usage errors, the broker
 * options (`--conf`, `--url`, ...), and turning them into a Config.
 */
import { type Config, configWarnings, loadConfig } from "../config.ts";
import { HelpRequested, UsageError } from "../errors.ts";
import { note } from "../io/output.ts";
import type { SendOptions } from "../delivery/send.ts";
import type { Reporter } from "../delivery/outcomes.ts";
import { resolveSpool } from "../spool/spool.ts";
import { type OptionTable, scanArgs, valuesOf } from "./option_table.ts";
import { setVerbose } from "../delivery/console.ts";
import { parseDuration } from "../text/duration.ts";
import { DEFAULT_RETRY_AFTER_MS } from "../spool/failfast.ts";

/** The spool settings of a command's parsed options, and where outcomes go. */
export function sendOptionsFrom(
  values: {
    "spool-dir"?: string | undefined;
    "no-spool"?: boolean | undefined;
    strict?: boolean | undefined;
    "retry-after"?: string | undefined;
  },
  report: Reporter,
): SendOptions {
  const retryAfter = values["retry-after"];
  const spool = resolveSpool(values, (name) => Deno.env.get(name));
  return {
    report,
    spoolDir: spool.dir,
    spoolProblem: spool.problem,
    strict: values.strict ?? false,
    retryAfterMs: retryAfter === undefined
      ? DEFAULT_RETRY_AFTER_MS
      : parseDuration(retryAfter, "--retry-after"),
  };
}

/** The parsed values of an option table: strings (lists when `multiple`) and booleans. */
export type Values<T extends OptionTable> = {
  [K in keyof T]?: T[K]["type"] extends "string"
    ? (T[K] extends { multiple: true } ? string[] : string)
    : boolean;
};

/**
 * Parses a command's arguments against its option table. Mistakes are one-line usage errors;
 * `--help` anywhere (as an option) throws {@link HelpRequested}.
 */
export function parseCommand<T extends OptionTable>(
  command: string,
  args: string[],
  table: T,
): { values: Values<T>; positionals: string[] } {
  const scanned = scanArgs(command, args, table);
  if (scanned.help) throw new HelpRequested();
  // Not node:util's parseArgs: the first node: module costs every command a Node start-up.
  const { values, positionals } = valuesOf(scanned.args, table);
  for (const [name, value] of Object.entries(values)) {
    for (const text of [value].flat()) refuseLossy(`--${name}`, text);
  }
  for (const word of positionals) refuseLossy(JSON.stringify(word), word);
  return { values: values as Values<T>, positionals };
}

/**
 * Deno decodes the command line lossily: a byte that is not UTF-8 arrives as U+FFFD. It would
 * be sent (or used as a path) as that, silently, so it is refused as a bad input line is.
 */
function refuseLossy(name: string, text: string | boolean | undefined): void {
  if (typeof text === "string" && text.includes("\uFFFD")) {
    throw new UsageError(`${name}: not valid UTF-8 (contains U+FFFD)`);
  }
}

/** The broker options as parsed values. */
export interface BrokerValues {
  conf?: string | undefined;
  url?: string | undefined;
  exchange?: string | undefined;
  "topic-prefix"?: string | undefined;
  timeout?: string | undefined;
  verbose?: boolean | undefined;
}

/** Loads the config the options point at; says its warnings. */
export async function configFrom(values: BrokerValues): Promise<Config> {
  if (values.verbose) setVerbose(true);
  const config = await loadConfig({
    conf: values.conf,
    url: values.url,
    exchange: values.exchange,
    topicPrefix: values["topic-prefix"],
    timeout: values.timeout,
  }, (name) => Deno.env.get(name));
  for (const warning of configWarnings(config)) note(warning);
  return config;
}
