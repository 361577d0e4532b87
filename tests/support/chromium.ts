/**
 * A real browser for tests: headless Chromium (Debian's `chromium`) driven over the DevTools
 * protocol on a WebSocket, so a test can load a page, ask the rendered DOM what it shows, and
 * take a screenshot. No npm dependency: the protocol is JSON messages.
 */

/** The Chromium program, or why there is none (the test is skipped with that reason). */
export async function findChromium(): Promise<{ path?: string; missing?: string }> {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    try {
      const out = await new Deno.Command(name, {
        args: ["--version"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (out.success) return { path: name };
    } catch {
      // not this one
    }
  }
  return {
    missing: "no chromium (Debian: apt-get install chromium; scripts/test installs it when it can)",
  };
}

/** A page in the browser. */
export interface Page {
  /** Evaluates `expression` in the page; its value (JSON-serialisable) comes back. */
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG of the whole page. */
  screenshot(): Promise<Uint8Array>;
}

/** Opens `url` in a fresh headless Chromium, gives the page to `use`, and ends the browser. */
export async function withPage<T>(
  chromium: string,
  url: string,
  use: (page: Page) => Promise<T>,
  size = { width: 1200, height: 900 },
): Promise<T> {
  const profile = await Deno.makeTempDir({ prefix: "busmsg-chromium-" });
  const child = new Deno.Command(chromium, {
    args: [
      "--headless",
      // As root in a container Chromium's sandbox cannot start.
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--hide-scrollbars",
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      `--window-size=${size.width},${size.height}`,
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let socket: WebSocket | undefined;
  try {
    const endpoint = await devtoolsUrl(child.stderr);
    socket = new WebSocket(endpoint);
    const cdp = await connect(socket);
    const { targetId } = await cdp.send<{ targetId: string }>("Target.createTarget", {
      url: "about:blank",
    });
    const { sessionId } = await cdp.send<{ sessionId: string }>("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const session = (method: string, params: Record<string, unknown> = {}) =>
      cdp.send<Record<string, unknown>>(method, params, sessionId);
    await session("Page.enable");
    const loaded = cdp.once("Page.loadEventFired", sessionId);
    await session("Page.navigate", { url });
    await loaded;
    return await use({
      async evaluate<R>(expression: string): Promise<R> {
        const r = await session("Runtime.evaluate", { expression, returnByValue: true });
        if (r["exceptionDetails"]) {
          throw new Error(`in the page: ${JSON.stringify(r["exceptionDetails"])}`);
        }
        return (r["result"] as { value: R }).value;
      },
      async screenshot(): Promise<Uint8Array> {
        const r = await session("Page.captureScreenshot", {
          format: "png",
          captureBeyondViewport: true,
        });
        return Uint8Array.from(atob(r["data"] as string), (c) => c.charCodeAt(0));
      },
    });
  } finally {
    socket?.close();
    try {
      child.kill("SIGKILL");
    } catch {
      // gone already
    }
    await child.status;
    await child.stderr.cancel().catch(() => {});
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** The browser's WebSocket address, from the line Chromium prints when it listens. */
async function devtoolsUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const timer = setTimeout(() => reader.cancel("timed out"), 30_000);
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`chromium did not start its DevTools endpoint:\n${seen}`);
      seen += value;
      const m = seen.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) {
        // Keep draining stderr so the browser never blocks on a full pipe.
        (async () => {
          try {
            while (!(await reader.read()).done) { /* drain */ }
          } catch { /* closed */ }
        })();
        return m[1]!;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

interface Cdp {
  send<T>(method: string, params?: Record<string, unknown>, sessionId?: string): Promise<T>;
  once(event: string, sessionId?: string): Promise<unknown>;
}

async function connect(socket: WebSocket): Promise<Cdp> {
  await new Promise((ok, fail) => {
    socket.onopen = ok;
    socket.onerror = () => fail(new Error("cannot connect to chromium's DevTools endpoint"));
  });
  let next = 1;
  const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  const waiting: { event: string; sessionId?: string; ok: (v: unknown) => void }[] = [];
  socket.onmessage = (m) => {
    const msg = JSON.parse(m.data as string);
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.fail(new Error(`${msg.error.message} (${msg.error.code})`));
      else p?.ok(msg.result);
      return;
    }
    const i = waiting.findIndex((w) =>
      w.event === msg.method && (w.sessionId === undefined || w.sessionId === msg.sessionId)
    );
    if (i >= 0) waiting.splice(i, 1)[0]!.ok(msg.params);
  };
  const bounded = <T>(p: Promise<T>, what: string) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`chromium: no answer to ${what} in 30 s`)), 30_000);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  };
  return {
    send<T>(method: string, params: Record<string, unknown> = {}, sessionId?: string) {
      const id = next++;
      const answer = new Promise<T>((ok, fail) => {
        pending.set(id, { ok: ok as (v: unknown) => void, fail });
      });
      socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      return bounded(answer, method);
    },
    once(event: string, sessionId?: string) {
      const fired = new Promise<unknown>((ok) => {
        waiting.push(sessionId === undefined ? { event, ok } : { event, sessionId, ok });
      });
      return bounded(fired, event);
    },
  };
}
