/**
 * The last leg every sending command shares: dry run, or connect, publish, await confirms and
 * report. Failures are grouped into one stderr line per reason; the exit code is the worst.
 */
import type { Config } from "./config.ts";
import { redactUrl } from "./config.ts";
import { DeliveryError, EXIT } from "./errors.ts";
import { type Message, toDumpLine } from "./message.ts";
import { out, say } from "./output.ts";
import { BrokerSession, type Outcome } from "./transport.ts";
import { toPublication } from "./wire.ts";

/** One message and what became of it. */
export interface Delivery {
  message: Message;
  routingKey: string;
  outcome: Outcome;
}

/** Prints the messages as dump lines instead of sending them. */
export function dryRun(messages: Message[], config: Config): number {
  out(messages.map((m) => toDumpLine(m) + "\n").join(""));
  say(
    `dry run: ${messages.length} message(s) not sent (exchange ${config.exchange} at ${
      redactUrl(config.amqpUrl)
    }, topic prefix "${config.topicPrefix}")`,
  );
  return EXIT.OK;
}

/** Publishes all messages on one connection, bounded by the config's timeout. */
export async function deliver(
  messages: Message[],
  config: Config,
  deadline = Date.now() + config.timeoutMs,
): Promise<Delivery[]> {
  const pubs = messages.map((m) => toPublication(m, config.exchange, config.topicPrefix));
  let outcomes: Outcome[];
  try {
    const session = await BrokerSession.open(config, deadline);
    outcomes = await session.publish(pubs, deadline);
    await session.close(Math.min(deadline, Date.now() + 1000));
  } catch (e) {
    const error = e instanceof DeliveryError
      ? e
      : new DeliveryError(String(e), EXIT.FAILURE, false);
    outcomes = pubs.map(() => ({ ok: false, error }));
  }
  return messages.map((message, i) => ({
    message,
    routingKey: pubs[i]!.routingKey,
    outcome: outcomes[i]!,
  }));
}

// When several reasons apply, the one a script most needs to hear wins.
const SEVERITY_OF_EXIT: Record<number, number> = {
  [EXIT.REFUSED]: 3,
  [EXIT.FAILURE]: 2,
  [EXIT.CONNECT]: 1,
};

/** Reports failures on stderr (one line per reason) and returns the exit code. */
export function reportFailures(deliveries: Delivery[]): number {
  const byReason = new Map<string, { error: DeliveryError; count: number }>();
  for (const d of deliveries) {
    if (d.outcome.ok) continue;
    const entry = byReason.get(d.outcome.error.message);
    if (entry) entry.count++;
    else byReason.set(d.outcome.error.message, { error: d.outcome.error, count: 1 });
  }
  let code: number = EXIT.OK;
  for (const { error, count } of byReason.values()) {
    say(`${count} of ${deliveries.length} message(s) not published: ${error.message}`);
    if ((SEVERITY_OF_EXIT[error.exitCode] ?? 0) > (SEVERITY_OF_EXIT[code] ?? 0)) {
      code = error.exitCode;
    }
  }
  return code;
}

/** Delivers and reports; with `printIds`, one "ID ROUTING_KEY" line per published message. */
export async function deliverAndReport(
  messages: Message[],
  config: Config,
  options: { printIds: boolean },
): Promise<number> {
  const deliveries = await deliver(messages, config);
  if (options.printIds) {
    out(
      deliveries.filter((d) => d.outcome.ok).map((d) => `${d.message.id} ${d.routingKey}\n`).join(
        "",
      ),
    );
  }
  return reportFailures(deliveries);
}
