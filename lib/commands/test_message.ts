/** `busmsg test-message`: does this host's bus configuration work? Optionally round trip. */
import { configFrom, parseCommand } from "../cli/options.ts";
import { BROKER_OPTIONS, formatOptions, HELP_OPTION, OUTPUT_OPTIONS } from "../cli/option_table.ts";
import { outcomeOf, reporterFor } from "../delivery/outcomes.ts";
import { defaultsFor, messageFromFields } from "../message/compose.ts";
import { EXIT } from "../errors.ts";
import { routingKey, toDumpLine } from "../message/message.ts";
import { out } from "../io/output.ts";
import { deliverAndReport, dryRun } from "../delivery/send.ts";
import { deliver } from "../delivery/session.ts";
import { reportFailures } from "../delivery/failures.ts";
import { BrokerSession, withDeadline } from "../bus/transport.ts";
import { consoleReporter } from "../delivery/console.ts";
import { type Delivered, fromDelivery } from "../message/wire.ts";

const DEFAULT_TOPIC = "logging.stats.debug.test-message";

/** The options of `busmsg test-message`. */
export const OPTIONS = {
  topic: { type: "string", arg: "TOPIC", help: `topic to send (default ${DEFAULT_TOPIC})` },
  host: {
    type: "string",
    arg: "NAME",
    help: 'body "host" for logging.stats.* topics (default: this machine\'s FQDN)',
  },
  roundtrip: {
    type: "boolean",
    help: "bind a temporary queue first, then wait until this very message comes\n" +
      "back (bounded by --timeout); prints the round-trip time and the message",
  },
  "listen-conf": {
    type: "string",
    arg: "PATH",
    help: "config of the listening side (a user allowed to declare queues; the\n" +
      "publish-only logging user is not)",
  },
  ...BROKER_OPTIONS,
  ...OUTPUT_OPTIONS,
  ...HELP_OPTION,
} as const;

export const HELP = `Usage: busmsg test-message [options]

Sends the design note's minimal test message, body {"test_key1": "test_value1"}, with a
fresh id and sent-at, to check this host's configuration (certificates, URL, permissions).
Default topic ${DEFAULT_TOPIC} (with "host" in the body): Fedora's
logging user may publish only logging.stats.*. --topic test sends the note's original.
Never spools: it checks the configuration.

${formatOptions(OPTIONS)}

Examples:
  busmsg test-message --conf /etc/fedora-messaging/config.toml
  busmsg test-message --roundtrip --listen-conf /etc/fedora-messaging/consumer.toml

Prints "ID ROUTING_KEY" (--json: one object, with "round_trip_ms" after --roundtrip).
Exit status: 0 when published (and, with --roundtrip, received back); otherwise as
'busmsg publish'.`;

/** Runs `busmsg test-message`. */
export async function run(args: string[]): Promise<number> {
  const { values } = parseCommand("test-message", args, OPTIONS);
  let roundTripMs: number | undefined;
  const report = reporterFor(
    values,
    true,
    () => roundTripMs === undefined ? {} : { round_trip_ms: roundTripMs },
  );
  const config = await configFrom(values);
  const message = messageFromFields(
    { topic: values.topic ?? DEFAULT_TOPIC, body: { test_key1: "test_value1" } },
    defaultsFor(config),
    values.host,
  );
  if (values["dry-run"]) return await dryRun([[message]], config);
  if (!values.roundtrip) {
    // A configuration check: report, never spool.
    return await deliverAndReport([[message]], config, {
      report,
      spoolDir: undefined,
      strict: false,
    });
  }

  const listenConfig = values["listen-conf"] === undefined
    ? config
    : await configFrom({ conf: values["listen-conf"], timeout: values.timeout });
  const deadline = Date.now() + config.timeoutMs;
  const listener = await BrokerSession.open(listenConfig, deadline, consoleReporter());
  try {
    let cameBack!: (d: Delivered) => void;
    const arrived = new Promise<Delivered>((resolve) => cameBack = resolve);
    // Bound before the message is sent, or it could pass unseen.
    await listener.subscribe(
      listenConfig.exchange,
      [routingKey(config.topicPrefix, message.topic)],
      deadline,
      (d) => {
        if (d.messageId === message.id) cameBack(d);
      },
    );
    const started = performance.now();
    const deliveries = await deliver([message], config, deadline);
    const code = reportFailures(deliveries);
    if (code !== EXIT.OK) {
      report(deliveries.map((d) => outcomeOf(d, false)));
      return code;
    }
    const got = await withDeadline(arrived, deadline, "waiting for the test message to come back");
    roundTripMs = Math.round((performance.now() - started) * 10) / 10;
    report(deliveries.map((d) => outcomeOf(d, false)));
    if (!values.json && !values.quiet) {
      out(`round-trip ${roundTripMs.toFixed(1)} ms\n`);
      out(toDumpLine(fromDelivery(got, config.topicPrefix)) + "\n");
    }
    return EXIT.OK;
  } finally {
    await listener.close(Date.now() + 1000);
  }
}
