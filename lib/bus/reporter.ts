/**
 * What bus/ has to tell a person, handed to whoever prints it: bus/ itself prints nothing
 * and answers with results and errors (as fedora-messaging's api raises typed exceptions and
 * only its cli prints; as amqp-client.js takes the logger it is given). The commands pass the
 * implementation that prints (lib/delivery/console.ts).
 */
import type { Step } from "./trace.ts";

/** Hears what a connection has to say. */
export interface BusReporter {
  /**
   * Each step of a connection as it completes, with its time (`--verbose`, `doctor`). Absent:
   * nobody listens, and the steps are not even measured (the DNS and TLS hooks cost start-up).
   */
  step?(step: Step): void;
  /**
   * A line for the person running busmsg, whatever `--quiet` says: a client certificate close
   * to its expiry, a listener that lost its connection and opened it again.
   */
  say(line: string): void;
}
