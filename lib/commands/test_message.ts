/** `busmsg test-message`: does this host's bus configuration work? Optionally round trip. */
import { BROKER_HELP, BROKER_OPTIONS, configFrom, parseCommand } from "../cli/options.ts";
import { defaultsFor, messageFromFields } from "../message/compose.ts";
import { EXIT } from "../errors.ts";
import { routingKey, toDumpLine } from "../message/message.ts";
import { out } from "../cli/output.ts";
import { deliver, deliverAndReport, dryRun, reportFailures } from "../bus/send.ts";
import { BrokerSession, withDeadline } from "../bus/transport.ts";
import { type Delivered, fromDelivery } from "../bus/wire.ts";

const DEFAULT_TOPIC = "logging.stats.debug.test-message";

export const HELP = `Usage: busmsg test-message [options]

Sends the design note's minimal test message, body {"test_key1": "test_value1"}, with a
fresh id and sent-at, to check this host's configuration (certificates, URL, permissions).
Default topic ${DEFAULT_TOPIC} (with "host" in the body): Fedora's
logging user may publish only logging.stats.*. --topic test sends the note's original.

Options:
  --topic TOPIC        topic to send (default ${DEFAULT_TOPIC})
  --host NAME          body "host" for logging.stats.* topics (default: this machine's FQDN)
  --roundtrip          bind a temporary queue first, then wait until this very message comes
                       back (bounded by --timeout); prints the round-trip time and the message
  --listen-conf PATH   config of the listening side (a user allowed to declare queues; the
                       publish-only logging user is not)
${BROKER_HELP}

Exit 0 when published (and, with --roundtrip, received back); otherwise as 'publish'.`;

const OPTIONS = {
  ...BROKER_OPTIONS,
  topic: { type: "string" },
  host: { type: "string" },
  roundtrip: { type: "boolean" },
  "listen-conf": { type: "string" },
} as const;

/** Runs `busmsg test-message`. */
export async function run(args: string[]): Promise<number> {
  const { values } = parseCommand("test-message", args, OPTIONS);
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
      printIds: true,
      spoolDir: undefined,
      strict: false,
    });
  }

  const listenConfig = values["listen-conf"] === undefined
    ? config
    : await configFrom({ conf: values["listen-conf"], timeout: values.timeout });
  const deadline = Date.now() + config.timeoutMs;
  const listener = await BrokerSession.open(listenConfig, deadline);
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
    if (code !== EXIT.OK) return code;
    out(`${message.id} ${deliveries[0]!.routingKey}\n`);
    const got = await withDeadline(arrived, deadline, "waiting for the test message to come back");
    out(`round-trip ${(performance.now() - started).toFixed(1)} ms\n`);
    out(toDumpLine(fromDelivery(got, config.topicPrefix)) + "\n");
    return EXIT.OK;
  } finally {
    await listener.close(Date.now() + 1000);
  }
}
