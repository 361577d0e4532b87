/** Faults on the path to the broker: a (throttled, tapped) relay, a port that hangs, a port that never speaks. */
/** Hears the bytes a relay passes: `up` from the client to the broker, `down` back. */
export type Tap = (way: "up" | "down", bytes: Uint8Array) => void;

/** How a relay passes the bytes. */
export interface RelayOptions {
  /** Client-to-broker bytes per second, at most (default: no limit). */
  bytesPerSecond?: number;
  /** The address it listens on (default 127.0.0.1). */
  hostname?: string;
  /** The port it listens on (default: any free port). */
  listenPort?: number;
  /** Hears a copy of every chunk each way as it passes, before any throttling. */
  tap?: Tap;
}

/** A TCP relay on loopback to the broker's `port`; see {@link RelayOptions}. */
export function relay(
  port: number,
  options: RelayOptions = {},
): { port: number; close: () => void } {
  const { bytesPerSecond = Infinity, hostname = "127.0.0.1", listenPort = 0, tap } = options;
  const listener = Deno.listen({ hostname, port: listenPort });
  const conns: Deno.Conn[] = [];
  const tapped = (way: "up" | "down", from: ReadableStream<Uint8Array>) =>
    tap
      ? from.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, c) {
            tap(way, chunk.slice());
            c.enqueue(chunk);
          },
        }),
      )
      : from;
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
      tapped("up", client.readable).pipeThrough(throttle).pipeTo(upstream.writable).catch(() => {});
      tapped("down", upstream.readable).pipeTo(client.writable).catch(() => {});
    }
  })().catch(() => {});
  return { port: (listener.addr as Deno.NetAddr).port, close: () => closeAll(listener, conns) };
}

/** A tap that keeps what passes, and the bytes of one way joined in order. */
export function recording(): { tap: Tap; bytes: (way: "up" | "down") => Uint8Array } {
  const chunks: Array<[way: "up" | "down", bytes: Uint8Array]> = [];
  return {
    tap: (way, bytes) => chunks.push([way, bytes]),
    bytes: (way) => {
      const mine = chunks.filter(([w]) => w === way).map(([, b]) => b);
      const all = new Uint8Array(mine.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of mine) all.set(c, at), at += c.length;
      return all;
    },
  };
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
