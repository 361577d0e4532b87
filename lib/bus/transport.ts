/**
 * The broker connection, behind a narrow interface: open (TLS, SASL EXTERNAL), publish a batch
 * on a confirm channel (confirms.ts), consume (consume.ts), close. Every step shares one
 * deadline. amqplib is loaded only here, and only when a command really connects. Nothing is
 * printed: what a person must hear goes to the {@link BusReporter} the caller passes.
 */
import type { Channel, ChannelModel, Options } from "amqplib";
import { type Config, configSource, redactUrl } from "../config.ts";
import { DeliveryError, EXIT } from "../errors.ts";
import { diagnoseTls, loadTls, type TlsMaterial } from "./tls.ts";
import { describeCertificate, expiryWarning } from "./certificate.ts";
import { type Tracer, traceSteps } from "./trace.ts";
import type { Delivered, Publication } from "../message/wire.ts";
import { VERSION } from "../version.ts";
import { classify, untrusted } from "./error_map.ts";
import { type Deadline, withDeadline } from "./deadline.ts";
import { ConfirmPublisher, type Outcome, type PublishOptions } from "./confirms.ts";
import { type QueueOptions, subscribe } from "./consume.ts";
import type { BusReporter } from "./reporter.ts";

export { type Deadline, withDeadline } from "./deadline.ts";
export { CONFIRM_WINDOW, type Outcome, type PublishOptions } from "./confirms.ts";
export type { QueueOptions } from "./consume.ts";
export type { BusReporter } from "./reporter.ts";

/** An open connection to the broker. */
export class BrokerSession {
  #closed: DeliveryError | undefined;
  #stalled: DeliveryError | undefined;
  /** Set by {@link stop}: nothing more is written; confirms are still awaited until `#grace`. */
  #stopping: DeliveryError | undefined;
  #grace: ReturnType<typeof setTimeout> | undefined;
  #onClose: Array<(e: DeliveryError) => void> = [];
  /** Consumer channels, closed before the connection so that their last acks go out first. */
  #consumers: Channel[] = [];
  readonly #publisher: ConfirmPublisher;

  private constructor(
    readonly connection: ChannelModel,
    readonly where: string,
    readonly reporter?: BusReporter,
  ) {
    const lost = (e?: unknown) => {
      this.#closed ??= e ? classify(e, where) : new DeliveryError(
        `${where}: connection closed before the broker confirmed`,
        EXIT.CONNECT,
        true,
      );
      for (const f of this.#onClose.splice(0)) f(this.#closed);
    };
    connection.on("error", lost);
    connection.on("close", lost);
    this.#publisher = new ConfirmPublisher({
      connection,
      where,
      reporter,
      closed: () => this.#closed,
      stopping: () => this.#stopping,
      onClose: (f) => {
        this.#onClose.push(f);
        return () => this.#onClose = this.#onClose.filter((g) => g !== f);
      },
      stall: (e) => this.#stalled ??= e,
    });
  }

  /**
   * Connects, authenticates and opens the vhost, all before `deadline`. Errors name the config
   * the settings came from: a wrong host is often a wrong (or missing) file. `reporter` hears
   * each step with its time (when it has `step`) and what a person must be told.
   */
  static async open(
    config: Config,
    deadline: Deadline,
    reporter: BusReporter,
  ): Promise<BrokerSession> {
    try {
      return await BrokerSession.#open(config, deadline, reporter);
    } catch (e) {
      if (!(e instanceof DeliveryError)) throw e;
      throw new DeliveryError(
        `${e.message} (${configSource(config)})`,
        e.exitCode,
        e.transient,
        e.fix,
      );
    }
  }

  static async #open(
    config: Config,
    deadline: Deadline,
    reporter: BusReporter,
  ): Promise<BrokerSession> {
    const where = redactUrl(config.amqpUrl);
    const url = new URL(config.amqpUrl);
    const trace: Tracer | undefined = reporter.step && ((step) => reporter.step!(step));
    const options: Options.Connect & Record<string, unknown> = {
      noDelay: true,
      timeout: Math.max(1, deadline - Date.now()),
      clientProperties: { app: config.app, product: "busmsg", version: VERSION },
    };
    trace?.({ name: "config", detail: `${config.path ?? "no config file"}; ${where}` });
    // A CommonJS library: in a chunk of its own (the split bundle), only its default export.
    const amqp = (await import("amqplib")).default;
    let tls: TlsMaterial = {};
    if (url.protocol === "amqps:") {
      tls = await loadTls(config.tls);
      Object.assign(options, { minVersion: "TLSv1.2", rejectUnauthorized: true });
      if (tls.ca) options["ca"] = [tls.ca];
      if (tls.cert && tls.key) {
        Object.assign(options, { cert: tls.cert, key: tls.key });
        options["credentials"] = amqp.credentials.external();
        const warning = expiryWarning(
          tls.cert,
          config.tls.certfile!,
          config.expiryWarnDays,
          new Date(),
        );
        if (warning) warnOnce(warning, reporter);
      }
    }
    const steps = trace ? await traceSteps(options, url, trace) : undefined;
    const connecting = amqp.connect(config.amqpUrl, options);
    try {
      const connection = await withDeadline(connecting, deadline, `cannot connect to ${where}`);
      if (steps) await steps.opened(connection, () => saslUser(url, tls));
      return new BrokerSession(connection, where, reporter);
    } catch (e) {
      // A connection that completes after we gave up must not linger.
      connecting.then((c) => c.close()).catch(() => {});
      const diagnosis = await diagnoseTls(tls, config.tls, new Date());
      if (diagnosis) throw diagnosis;
      throw untrusted(classify(e, `cannot connect to ${where}`), config.tls.caCert);
    }
  }

  /**
   * Binds a queue to `exchange` with each key and calls `onMessage` for every delivery.
   * Resolves once bound. Without `queue.name` the queue is temporary and exclusive; with it,
   * durable and shared, so messages wait there while nobody listens (`passive`: it must exist
   * already). With `queue.ack`, a delivery stays the broker's until `ack` is called; `onCancel`
   * hears when the broker ends the subscription (queue deleted). A user that may not declare
   * queues (Fedora's publish-only users) gets one line saying so, not a timeout.
   */
  subscribe(
    exchange: string,
    keys: string[],
    deadline: Deadline,
    onMessage: (d: Delivered, ack: () => void) => void,
    queue: QueueOptions = {},
  ): Promise<void> {
    const opened = (channel: Channel) => this.#consumers.push(channel);
    return subscribe(
      this.connection,
      this.where,
      opened,
      exchange,
      keys,
      deadline,
      onMessage,
      queue,
    );
  }

  /** Set when the connection is gone: later publishes fail at once with this reason. */
  get broken(): DeliveryError | undefined {
    return this.#closed;
  }

  /** Set when a publish saw no progress within the timeout: the run ends there. */
  get stalled(): DeliveryError | undefined {
    return this.#stalled;
  }

  /**
   * Stops sending now (a signal) but not listening: no further message is written (those not
   * written fail with `error`, transient), the confirms of those already written still count
   * for `graceMs`, then the session ends as by {@link interrupt}. Bounded also by the publish's
   * own deadline, whichever comes first.
   */
  stop(error: DeliveryError, graceMs: number): void {
    if (this.#closed || this.#stopping) return;
    this.#stopping = error;
    this.#grace = setTimeout(() => this.interrupt(error), graceMs);
  }

  /**
   * Ends the session now (a signal): publishes under way fail with `error` (transient, so
   * what was not confirmed is spooled), later ones at once; the connection is closed.
   */
  interrupt(error: DeliveryError): void {
    clearTimeout(this.#grace);
    this.#closed ??= error;
    for (const f of this.#onClose.splice(0)) f(this.#closed);
    this.connection.close().catch(() => {});
  }

  /** Publishes the batch with confirms; see {@link ConfirmPublisher.publish}. Never throws. */
  publish(
    pubs: Publication[],
    deadline: Deadline,
    options: PublishOptions = {},
  ): Promise<Outcome[]> {
    return this.#publisher.publish(pubs, deadline, options);
  }

  /** Messages waiting in a queue that must exist (a passive declare, nothing changed). */
  async queueDepth(name: string, deadline: Deadline): Promise<number> {
    const where = `${this.where}: checking queue "${name}"`;
    const channel = await withDeadline(this.connection.createChannel(), deadline, where);
    channel.on("error", () => {/* reported through the failed call */});
    try {
      return (await withDeadline(channel.checkQueue(name), deadline, where)).messageCount;
    } catch (e) {
      throw classify(e, where);
    } finally {
      channel.close().catch(() => {/* closed by the broker already */});
    }
  }

  /** Closes the connection politely, giving up at the deadline. */
  async close(deadline: Deadline): Promise<void> {
    clearTimeout(this.#grace);
    if (this.#closed) return;
    const started = performance.now();
    try {
      // amqplib writes each channel's frames apart from the connection's: a connection
      // close could overtake a channel's last acknowledgements, which then never count.
      for (const c of this.#consumers.splice(0)) {
        await withDeadline(c.close(), deadline, this.where).catch(() => {});
      }
      await withDeadline(this.connection.close(), deadline, this.where);
      this.reporter?.step?.({
        name: "close",
        detail: "connection closed",
        ms: performance.now() - started,
      });
    } catch {
      // Everything that mattered was confirmed already.
    }
  }
}

const warned = new Set<string>();

/** Reports a warning once per process (a command may open several connections). */
function warnOnce(warning: string, reporter: BusReporter): void {
  // Said even with --quiet: an expiring certificate is what must not go unnoticed.
  if (!warned.has(warning)) reporter.say(warning);
  warned.add(warning);
}

/** The user the broker will see: the certificate's CN under EXTERNAL, else the URL's. */
async function saslUser(url: URL, tls: TlsMaterial): Promise<string> {
  if (tls.cert && tls.key) {
    return (await describeCertificate(tls.cert).catch(() => undefined))?.commonName ?? "?";
  }
  return decodeURIComponent(url.username) || "guest";
}
