/**
 * SIGINT and SIGTERM (cron's `timeout`, systemd, Ctrl-C) while delivering: instead of dying
 * with messages in flight, the run is told, so it can stop sending, wait briefly for the
 * confirms of what it sent, spool the rest and exit. A second signal cuts that wait short.
 */
import { DeliveryError, EXIT } from "../errors.ts";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** Signals turned into one transient delivery error, from the first one on. */
export class Interruption {
  /** Set once a signal came. */
  error: DeliveryError | undefined;
  /** Resolves with the error when a signal comes. */
  readonly signalled: Promise<DeliveryError>;
  #listeners: Array<[Deno.Signal, () => void]> = [];
  #onSignal: Array<(e: DeliveryError) => void> = [];
  #onRepeat: Array<(e: DeliveryError) => void> = [];

  constructor() {
    let resolve!: (e: DeliveryError) => void;
    this.signalled = new Promise((r) => resolve = r);
    for (const signal of SIGNALS) {
      const listener = () => {
        if (this.error) {
          for (const f of this.#onRepeat) f(this.error);
          return;
        }
        this.error = new DeliveryError(`interrupted by ${signal}`, EXIT.CONNECT, true);
        resolve(this.error);
        for (const f of this.#onSignal) f(this.error);
      };
      Deno.addSignalListener(signal, listener);
      this.#listeners.push([signal, listener]);
    }
  }

  /** Calls `f` when a signal comes (at once if one came already). */
  onSignal(f: (e: DeliveryError) => void): void {
    if (this.error) f(this.error);
    else this.#onSignal.push(f);
  }

  /** Calls `f` at every signal after the first (the first started a wait: this one ends it). */
  onRepeat(f: (e: DeliveryError) => void): void {
    this.#onRepeat.push(f);
  }

  /** Gives the signals back their default meaning. */
  dispose(): void {
    for (const [signal, listener] of this.#listeners) Deno.removeSignalListener(signal, listener);
    this.#listeners = [];
  }
}
