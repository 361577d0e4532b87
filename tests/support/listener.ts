/** A `busmsg listen` (or `report --live`) running in the background for the integration tests. */
import { assertEquals } from "./assert.ts";
import { busmsg, publishedIds, spawnBusmsg } from "./run.ts";
import { drainQueue, tlsConfig } from "./broker.ts";
import { PREFIX } from "./example_sandbox.ts";

/** A background busmsg whose stderr is read as it comes. */
export interface Background {
  child: Deno.ChildProcess;
  /** Resolves once stderr holds `text` (rejects when the process ends first or after `ms`). */
  said(text: string, ms?: number): Promise<void>;
  /** Waits for the end: exit code, all of stdout and stderr. */
  done(): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Starts `busmsg ARGS` in the background and resolves once it says it is listening. */
export async function background(
  args: string[],
  env: Record<string, string> = {},
): Promise<Background> {
  const child = spawnBusmsg(args, env);
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  let ended = false;
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        return stderr;
      }
      stderr += value;
    }
  })();
  const stdout = new Response(child.stdout).text();
  const said = async (text: string, ms = 15_000) => {
    const end = Date.now() + ms;
    while (!stderr.includes(text)) {
      if (ended) throw new Error(`ended before saying "${text}": ${stderr}`);
      if (Date.now() > end) throw new Error(`did not say "${text}" within ${ms} ms: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await said("listening on");
  return {
    child,
    said,
    done: async () => ({
      code: (await child.status).code,
      stdout: await stdout,
      stderr: await rest,
    }),
  };
}

/** The recorder as its unit runs it: `listen` on a named queue into `output` (EXTRA before it). */
export function recorderInBackground(
  conf: string,
  queue: string,
  output: string,
  ...extra: string[]
): Promise<Background> {
  return background([
    "listen",
    "--conf",
    conf,
    "--queue-name",
    queue,
    ...extra,
    "--output",
    output,
  ]);
}

/** The lines of a file once it has at least `n` (waits up to `ms`; fewer if they never come). */
export async function linesOf(path: string, n: number, ms = 10_000): Promise<string[]> {
  const end = Date.now() + ms;
  for (;;) {
    let lines: string[] = [];
    try {
      lines = (await Deno.readTextFile(path)).split("\n").filter(Boolean);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    if (lines.length >= n || Date.now() > end) return lines;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Publishes `n` logging.stats.debug.recorder messages tagged `tag` with config `conf`; their ids. */
export async function publishDebug(conf: string, n: number, tag: string): Promise<string[]> {
  const lines = Array.from(
    { length: n },
    (_, i) =>
      JSON.stringify({ topic: "logging.stats.debug.recorder", body: { host: "log01", tag, i } }),
  );
  const sent = await busmsg(["publish", "--conf", conf, "-"], { stdin: lines.join("\n") });
  assertEquals(sent.code, 0, sent.stderr);
  return publishedIds(sent.stdout);
}

/**
 * Runs the recorder (`listen --queue-name … --output DIR/sync-%Y-%m-%d.jsonl`, a consumer's TLS
 * config with `prefix`) while `publish` runs; returns today's day file once it holds `expected`
 * lines, after a SIGTERM that must end the recorder with exit 0.
 */
export async function recordedWhile(
  dir: string,
  expected: number,
  publish: () => Promise<void>,
  prefix = PREFIX,
): Promise<string> {
  const consumer = await tlsConfig("consumer", [`topic_prefix = "${prefix}"`]);
  const queue = `busmsg-test-recorder-${crypto.randomUUID().slice(0, 8)}`;
  const day = `${dir}/sync-${new Date().toISOString().slice(0, 10)}.jsonl`;
  try {
    const recorder = await recorderInBackground(consumer, queue, `${dir}/sync-%Y-%m-%d.jsonl`);
    await publish();
    const lines = await linesOf(day, expected, 60_000);
    recorder.child.kill("SIGTERM");
    assertEquals((await recorder.done()).code, 0);
    assertEquals(lines.length, expected, "every event was delivered and recorded");
    return day;
  } finally {
    await drainQueue(queue).catch(() => {});
  }
}
