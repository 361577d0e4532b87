/**
 * Integration test helpers: run the real CLI entry point with the binary's permission flags,
 * and read back what arrived at the private broker (scripts/broker).
 */
import { Buffer } from "node:buffer";
import amqp from "amqplib";

export const ROOT = new URL("..", import.meta.url).pathname;
const FLAGS = (await Deno.readTextFile(`${ROOT}permissions.flags`)).trim().split(/\s+/);

export const BROKER_DIR = Deno.env.get("BUSMSG_BROKER_DIR") ?? "/tmp/busmsg-broker";
export const CERTS = `${BROKER_DIR}/certs`;
export const PLAIN_PORT = 35672;
export const TLS_PORT = 35671;
export const TEST_PASSWORD = "test-secret";
/** Full rights, password login, plain AMQP (the tests' reading side). */
export const PLAIN_URL = `amqp://busmsg-test:${TEST_PASSWORD}@127.0.0.1:${PLAIN_PORT}/%2Fpubsub`;
/** Fedora's setup: TLS, client certificate, EXTERNAL. */
export const TLS_URL = `amqps://localhost:${TLS_PORT}/%2Fpubsub`;

/** What one CLI run did. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Options of {@link busmsg}. */
export interface RunOptions {
  stdin?: string | Uint8Array;
  env?: Record<string, string>;
  /** Defaults to a fresh empty spool directory of the test's own. */
  spoolDir?: string;
}

/** Runs `deno run <permissions.flags> main.ts ARGS`, as the compiled binary would run. */
export async function busmsg(args: string[], options: RunOptions = {}): Promise<Run> {
  const spoolDir = options.spoolDir ?? await Deno.makeTempDir({ prefix: "busmsg-spool-" });
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      "--config",
      `${ROOT}deno.json`,
      ...FLAGS,
      `${ROOT}main.ts`,
      ...args,
    ],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", BUSMSG_SPOOL_DIR: spoolDir, ...options.env },
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(
      typeof options.stdin === "string" ? new TextEncoder().encode(options.stdin) : options.stdin,
    );
    await writer.close();
  }
  const result = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: result.code,
    stdout: decode(result.stdout),
    stderr: decode(result.stderr),
    ms: performance.now() - started,
  };
}

/** Writes a config.toml into a temp dir and returns its path. */
export async function writeConfig(lines: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-conf-" });
  const path = `${dir}/config.toml`;
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

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

/** The `ID ROUTING_KEY` lines of a publish run. */
export function publishedIds(stdout: string): string[] {
  return stdout.trim().split("\n").filter(Boolean).map((l) => l.split(" ")[0]!);
}
