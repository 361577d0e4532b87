/**
 * A live progress line on stderr for long work (done / total, rate, elapsed), only when
 * stderr is a terminal and nobody asked for plain output (NO_COLOR, TERM=dumb): cron mail
 * and logs stay clean.
 */
const encoder = new TextEncoder();
const CLEAR = encoder.encode("\r\x1b[K");

/** The line on screen now, if any: anything else written to the terminal clears it first. */
let shown: Progress | undefined;

/**
 * Clears the progress line before other output (a diagnostic, data on the same terminal),
 * so that nothing is written into the middle of it; the next update draws it again.
 */
export function clearProgressLine(): void {
  if (shown === undefined) return;
  shown = undefined;
  Deno.stderr.writeSync(CLEAR);
}

/** A progress line, redrawn at most ten times a second and cleared at the end. */
export class Progress {
  #last = performance.now();
  readonly #started = performance.now();

  private constructor(readonly label: string, readonly total: number | undefined) {}

  /** A progress line, or undefined where none should be drawn. */
  static start(label: string, total?: number): Progress | undefined {
    const env = (n: string) => Deno.env.get(n);
    if (!Deno.stderr.isTerminal() || env("NO_COLOR") !== undefined || env("TERM") === "dumb") {
      return undefined;
    }
    return new Progress(label, total);
  }

  /** Shows `done` items so far (throttled). */
  update(done: number): void {
    const now = performance.now();
    if (now - this.#last < 100) return;
    this.#last = now;
    const seconds = (now - this.#started) / 1000;
    const of = this.total ? `/${this.total}` : "";
    const line = `${this.label}: ${done}${of}, ${Math.round(done / Math.max(seconds, 0.001))}/s, ${
      seconds.toFixed(1)
    } s`;
    Deno.stderr.writeSync(encoder.encode(`\r\x1b[K${line}`));
    shown = this;
  }

  /** Removes the line. */
  clear(): void {
    if (shown === this) clearProgressLine();
  }
}
