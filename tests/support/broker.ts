/**
 * The private broker (scripts/broker): its addresses and certificates, a reader of what arrived,
 * and rabbitmqctl.
 */
import { Buffer } from "node:buffer";
import amqp from "amqplib";
import { ROOT, writeConfig } from "./run.ts";

import { CERTS, PLAIN_URL, TLS_URL } from "./addresses.ts";

export {
  BROKER_DIR,
  CERTS,
  PLAIN_PORT,
  PLAIN_URL,
  TEST_PASSWORD,
  TLS_PORT,
  TLS_URL,
} from "./addresses.ts";

/** A config for Fedora's setup: TLS with the given user's client certificate. */
export function tlsConfig(user: string, extra: string[] = []): Promise<string> {
  return writeConfig([
    `amqp_url = "${TLS_URL}"`,
    ...extra,
    "[tls]",
    `ca_cert = "${CERTS}/ca.pem"`,
    `certfile = "${CERTS}/${user}.pem"`,
    `keyfile = "${CERTS}/${user}.key"`,
    "[client_properties]",
    'app = "busmsg tests"',
  ]);
}

/** One message as it arrived at a queue. */
export interface Received {
  routingKey: string;
  exchange: string;
  properties: Record<string, unknown>;
  body: Uint8Array;
  text: string;
}

/** A temporary queue bound to amq.topic on /pubsub, read as the full-rights test user. */
export class Reader {
  private constructor(
    private readonly conn: amqp.ChannelModel,
    private readonly received: Received[],
  ) {}

  /** Binds an exclusive queue to each binding key before anything is published. */
  static async open(bindings: string[] = ["#"], exchange = "amq.topic"): Promise<Reader> {
    const conn = await amqp.connect(PLAIN_URL);
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue("", { exclusive: true, autoDelete: true });
    for (const b of bindings) await ch.bindQueue(queue, exchange, b);
    const received: Received[] = [];
    await ch.consume(queue, (m) => {
      if (!m) return;
      received.push({
        routingKey: m.fields.routingKey,
        exchange: m.fields.exchange,
        properties: m.properties as unknown as Record<string, unknown>,
        body: new Uint8Array(m.content),
        text: Buffer.from(m.content).toString("utf-8"),
      });
    }, { noAck: true });
    return new Reader(conn, received);
  }

  /** Waits until `n` messages arrived (or `ms` passed) and returns all that arrived. */
  async take(n: number, ms = 5000): Promise<Received[]> {
    const end = Date.now() + ms;
    while (this.received.length < n && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return [...this.received];
  }

  /** Waits `ms` and returns whatever arrived (for "nothing arrived" checks). */
  async settle(ms = 500): Promise<Received[]> {
    await new Promise((r) => setTimeout(r, ms));
    return [...this.received];
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}

/** Runs rabbitmqctl against the private node; returns stdout. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const node = Deno.env.get("BUSMSG_BROKER_NODE") ?? "busmsg-test@localhost";
  const out = await new Deno.Command("rabbitmqctl", {
    args: ["-q", "-n", node, ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    throw new Error(`rabbitmqctl ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Runs scripts/broker start|stop. */
export async function brokerScript(action: "start" | "stop"): Promise<void> {
  const out = await new Deno.Command("bash", {
    args: [`${ROOT}scripts/broker`, action],
    stdout: "null",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    throw new Error(`scripts/broker ${action}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** A durable queue bound to amq.topic, emptied first; survives a broker restart. */
export async function durableQueue(name: string, binding: string): Promise<void> {
  const conn = await amqp.connect(PLAIN_URL);
  const ch = await conn.createChannel();
  await ch.assertQueue(name, { durable: true });
  await ch.purgeQueue(name);
  await ch.bindQueue(name, "amq.topic", binding);
  await conn.close();
}

/** Takes every message from a queue and deletes the queue; returns their message ids. */
export async function drainQueue(name: string, remove = true): Promise<string[]> {
  const conn = await amqp.connect(PLAIN_URL);
  const ch = await conn.createChannel();
  const ids: string[] = [];
  for (;;) {
    const m = await ch.get(name, { noAck: true });
    if (!m) break;
    ids.push(String(m.properties.messageId));
  }
  if (remove) await ch.deleteQueue(name);
  await conn.close();
  return ids;
}
