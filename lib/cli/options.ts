/**
 * What every command shares: option parsing that turns mistakes into usage errors, the broker
 * options (`--conf`, `--url`, ...), and turning them into a Config.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { type Config, loadConfig, urlPassword } from "../config.ts";
import { UsageError } from "../errors.ts";
import { addSecret } from "./output.ts";
import type { SendOptions } from "../bus/send.ts";
import { resolveSpool } from "../spool/spool.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Options of every command that talks to the broker. */
export const BROKER_OPTIONS = {
  conf: { type: "string" },
  url: { type: "string" },
  exchange: { type: "string" },
  "topic-prefix": { type: "string" },
  timeout: { type: "string" },
  "dry-run": { type: "boolean" },
} as const satisfies Options;

/** Help text for {@link BROKER_OPTIONS}, appended to each broker command's help. */
export const BROKER_HELP = `Broker options:
  --conf PATH          fedora-messaging config.toml (default: $FEDORA_MESSAGING_CONF,
                       else /etc/fedora-messaging/config.toml, else built-in defaults)
  --url URL            amqp_url override (amqp:// or amqps://)
  --exchange NAME      publish_exchange override (default amq.topic)
  --topic-prefix P     topic_prefix override ("" for none)
  --timeout SECONDS    bound on connect + publish + confirms (default 10; $BUSMSG_TIMEOUT)
  --dry-run            print the message(s) as dump lines; connect to nothing
  -h, --help           this help`;

/** Options of commands that spool what cannot be delivered now (publish, sync-event). */
export const SPOOL_OPTIONS = {
  "spool-dir": { type: "string" },
  "no-spool": { type: "boolean" },
  strict: { type: "boolean" },
} as const satisfies Options;

/** Help text for {@link SPOOL_OPTIONS}. */
export const SPOOL_HELP = `Spool options (a message that cannot be delivered now is kept, not lost):
  --spool-dir DIR      where (default $BUSMSG_SPOOL_DIR, else /var/spool/busmsg when
                       writable, else ~/.local/state/busmsg/spool)
  --no-spool           do not spool: a delivery failure is exit 111
  --strict             exit 75 instead of 0 when messages were spooled`;

/** The spool settings of a command's parsed options. */
export function sendOptionsFrom(
  values: {
    "spool-dir"?: string | undefined;
    "no-spool"?: boolean | undefined;
    strict?: boolean | undefined;
  },
  printIds: boolean,
): SendOptions {
  return {
    printIds,
    spoolDir: resolveSpool(values, (name) => Deno.env.get(name)).dir,
    strict: values.strict ?? false,
  };
}

/** `parseArgs` in strict mode, with its errors as one-line usage errors. */
export function parseCommand<O extends Options>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(`${command}: ${message} (see busmsg ${command} --help)`);
  }
}

/** The broker options as parsed values. */
export interface BrokerValues {
  conf?: string | undefined;
  url?: string | undefined;
  exchange?: string | undefined;
  "topic-prefix"?: string | undefined;
  timeout?: string | undefined;
}

/** Loads the config the options point at; its password is registered as a secret at once. */
export async function configFrom(values: BrokerValues): Promise<Config> {
  addSecret(urlPassword(values.url ?? ""));
  const config = await loadConfig({
    conf: values.conf,
    url: values.url,
    exchange: values.exchange,
    topicPrefix: values["topic-prefix"],
    timeout: values.timeout,
  }, (name) => Deno.env.get(name));
  addSecret(urlPassword(config.amqpUrl));
  return config;
}
