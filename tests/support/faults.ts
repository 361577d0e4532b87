/** Faults on the path to the broker: a (throttled) relay, a port that hangs, a port that never speaks. */
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
