/**
 * Integration test helpers: run the real CLI entry point with the binary's permission flags,
 * and read back what arrived at the private broker (scripts/broker).
 */
import { Buffer } from "node:buffer";
import amqp from "amqplib";

export const ROOT = new URL("..", import.meta.url).pathname;
const FLAGS = (await Deno.readTextFile(`${ROOT}permissions.flags`)).trim().split(/\s+/);
/** dist/busmsg.js, the program that ships; scripts/bundle rebuilds it when a source is newer. */
export const BUNDLE = bundlePath();
/** The command line that runs busmsg as it ships: the bundle, the binary's flags, no config. */
export const ENTRY = [
  Deno.execPath(),
  "run",
  "--quiet",
  "--no-prompt",
  "--no-config",
  "--cached-only",
  ...FLAGS,
  BUNDLE,
];

function bundlePath(): string {
  const built = new Deno.Command("bash", { args: [`${ROOT}scripts/bundle`], stdout: "piped" })
    .outputSync();
  if (!built.success) throw new Error("scripts/bundle failed (see its output above)");
  return new TextDecoder().decode(built.stdout).trim();
}

/** Starts `busmsg ARGS` with its stdout and stderr piped (and stdin, if asked). */
export function spawnBusmsg(
  args: string[],
  env: Record<string, string> = {},
  stdin: "piped" | "null" = "null",
): Deno.ChildProcess {
  return new Deno.Command(ENTRY[0]!, {
    args: [...ENTRY.slice(1), ...args],
    stdin,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
}

export const BROKER_DIR = Deno.env.get("BUSMSG_BROKER_DIR") ?? "/tmp/busmsg-broker";
export const CERTS = `${BROKER_DIR}/certs`;
export const PLAIN_PORT = Number(Deno.env.get("BUSMSG_BROKER_PORT") ?? 35672);
export const TLS_PORT = Number(Deno.env.get("BUSMSG_BROKER_TLS_PORT") ?? 35671);
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

/** Runs `busmsg ARGS` ({@link ENTRY}), as the compiled binary would run. */
export async function busmsg(args: string[], options: RunOptions = {}): Promise<Run> {
  const spoolDir = options.spoolDir ?? await Deno.makeTempDir({ prefix: "busmsg-spool-" });
  const started = performance.now();
  const child = spawnBusmsg(
    args,
    { BUSMSG_SPOOL_DIR: spoolDir, ...options.env },
    options.stdin === undefined ? "null" : "piped",
  );
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

/** Runs any program with its output piped; what it printed and its exit code. */
export async function runCommand(
  cmd: string,
  args: string[],
  options: Omit<Deno.CommandOptions, "args" | "stdout" | "stderr"> = {},
): Promise<Omit<Run, "ms">> {
  const out = await new Deno.Command(cmd, {
    args,
    stdin: "null",
    ...options,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
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

/**
 * A TCP relay on loopback to `port`; client-to-broker bytes limited to `bytesPerSecond`;
 * listening on `listenPort` (default: any free port).
 */
export function relay(
  port: number,
  bytesPerSecond = Infinity,
  hostname = "127.0.0.1",
  listenPort = 0,
): { port: number; close: () => void } {
  const listener = Deno.listen({ hostname, port: listenPort });
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const client of listener) {
      const upstream = await Deno.connect({ hostname: "127.0.0.1", port });
      conns.push(client, upstream);
      const throttle = new TransformStream<Uint8Array, Uint8Array>({
        async transform(chunk, c) {
          for (let at = 0; at < chunk.length; at += 4096) {
            const piece = chunk.subarray(at, at + 4096);
            if (Number.isFinite(bytesPerSecond)) {
              await new Promise((r) => setTimeout(r, (piece.length / bytesPerSecond) * 1000));
            }
            c.enqueue(piece);
          }
        },
      });
      client.readable.pipeThrough(throttle).pipeTo(upstream.writable).catch(() => {});
      upstream.readable.pipeTo(client.writable).catch(() => {});
    }
  })().catch(() => {});
  return { port: (listener.addr as Deno.NetAddr).port, close: () => closeAll(listener, conns) };
}

function closeAll(listener: Deno.Listener, conns: Deno.Conn[]): void {
  for (const c of [listener, ...conns.splice(0)]) {
    try {
      c.close();
    } catch { /* already closed */ }
  }
}

/** A port where TCP connects hang: a listener with a full backlog that never accepts (SYNs dropped). */
export async function blackHole(): Promise<{ port: number; close: () => void }> {
  const child = new Deno.Command("python3", {
    args: [
      "-c",
      `import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
fill = []
for i in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    fill.append(c)
print(port, flush=True)
time.sleep(120)`,
    ],
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  return {
    port: Number(value?.trim()),
    close: () => {
      child.kill();
      child.stdout.cancel().catch(() => {});
      child.status.catch(() => {});
    },
  };
}

/** A port that accepts TCP and then never says a word. */
export function silentServer(): { port: number; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const c of listener) conns.push(c);
  })().catch(() => {});
  return { port: (listener.addr as Deno.NetAddr).port, close: () => closeAll(listener, conns) };
}

/** The dump lines in a spool directory (files ending .msg), oldest first. */
export async function spoolLines(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.name.endsWith(".msg")) names.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  names.sort();
  return await Promise.all(names.map(async (n) => (await Deno.readTextFile(`${dir}/${n}`)).trim()));
}
