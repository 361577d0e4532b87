/**
 * The broker connection, behind a narrow interface: open (TLS, SASL EXTERNAL), publish a batch
 * on a confirm channel, close. Every step shares one deadline. amqplib is loaded only here,
 * and only when a command really connects.
 */
import { Buffer } from "node:buffer";
import type { Channel, ChannelModel, ConfirmChannel, Options } from "amqplib";
import { type Config, configSource, redactUrl } from "../config.ts";
import { DeliveryError, EXIT } from "../errors.ts";
import { diagnoseTls, loadTls, type TlsMaterial } from "./tls.ts";
import { describeCertificate, expiryWarning } from "./certificate.ts";
import { type Tracer, traceSteps, verboseTracer } from "./trace.ts";
import { say } from "../io/output.ts";
import { refusedBy } from "./refusal.ts";
import type { Delivered, Publication } from "../message/wire.ts";
import { DECODED, decodeHeadersOurselves } from "./raw_frames.ts";
import type { DecodedProperties } from "./header_table.ts";
import { VERSION } from "../version.ts";

/**
 * Messages written and not yet confirmed, at most. A refusal closes the channel and loses the
 * confirms under way, and a signal's grace may end with some unconfirmed: only these can be
 * sent twice. Large enough that the broker's confirms keep the pipe full (see README).
 */
export const CONFIRM_WINDOW = 256;

/** What became of one message. */
export type Outcome = { ok: true } | { ok: false; error: DeliveryError };

const OK: Outcome = { ok: true };

/** The session's confirm channel and what became of it. */
interface ConfirmState {
  channel: ConfirmChannel;
  closed: boolean;
  /** Why the broker closed it (e.g. 403 on a topic), once it has. */
  error?: DeliveryError;
  /** Fails the messages still waiting, while a publish is under way. */
  fail?: (e: DeliveryError) => void;
}

/** Which queue a subscription reads and how. */
export interface QueueOptions {
  /** A durable named queue; a temporary exclusive one when absent. */
  name?: string;
  /** The queue must exist already (fedora-messaging's `passive_declares`). */
  passive?: boolean;
  /** Acknowledge each delivery explicitly (after it is kept), not on delivery. */
  ack?: boolean;
  /** Deliveries on their way at a time. */
  prefetch?: number;
  /** The broker ended the subscription (e.g. the queue was deleted). */
  onCancel?: () => void;
  /** Declaring a named queue: its x-arguments (x-queue-type, x-delivery-limit, ...). */
  arguments?: Record<string, unknown>;
  /** Declaring a named queue: fedora-messaging's queue settings (default durable, shared). */
  durable?: boolean;
  autoDelete?: boolean;
  exclusive?: boolean;
}

/** A point in time (ms since the epoch) that every network step must finish by. */
export type Deadline = number;

/** How {@link BrokerSession.publish} reports and bounds its progress. */
export interface PublishOptions {
  /** Called as each message is confirmed, with its index. */
  onConfirm?: (index: number) => void;
  /** Each confirm moves the deadline to at least this long after it (0: a fixed deadline). */
  idleMs?: number;
}

/** A deadline that progress moves later. */
interface Clock {
  until: Deadline;
  idleMs: number;
}

/** Rejects with a transient timeout error when the deadline passes first. */
export function withDeadline<T>(p: Promise<T>, deadline: Deadline, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeliveryError(`${what}: no answer within the timeout`, EXIT.CONNECT, true)),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function errorText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/\s+/g, " ").trim();
}

/** Maps an error of amqplib or of the socket to busmsg's exit codes and transience. */
function classify(e: unknown, where: string): DeliveryError {
  if (e instanceof DeliveryError) return e;
  const text = errorText(e);
  const code = (e as { code?: unknown })?.code;
  if (/ACCESS.REFUSED.*Login was refused|authentication mechanism/i.test(text)) {
    // Credentials an admin can fix; fedora-messaging leaves this unmapped (exit 1).
    return new DeliveryError(
      `${where}: login refused: ${text}`,
      EXIT.FAILURE,
      true,
      "the broker has no user for these credentials (under EXTERNAL: the client certificate's CN): " +
        "fix [tls] or amqp_url, or have the broker's admin add the user",
    );
  }
  if (/access to (vhost|topic|exchange|queue)|vhost .* not found|NOT_ALLOWED/i.test(text)) {
    return new DeliveryError(`${where}: refused by the broker: ${text}`, EXIT.REFUSED, false);
  }
  if (/Expected ConnectionOpenOk/.test(text)) {
    const vhost = decodeURIComponent(where.replace(/^.*?\/\/[^/]*\/?/, "")) || "/";
    return new DeliveryError(
      `${where}: the broker refused to open vhost "${vhost}" (it does not exist or this user has no access)`,
      EXIT.REFUSED,
      false,
    );
  }
  if (/PRECONDITION.FAILED/.test(text)) {
    // e.g. a message over the broker's max_message_size: sending it again cannot help.
    return new DeliveryError(`${where}: refused by the broker: ${text}`, EXIT.REFUSED, false);
  }
  if (/NOT_FOUND - no exchange/.test(text)) {
    return new DeliveryError(`${where}: ${text}`, EXIT.CONNECT, false);
  }
  if (/certificate|handshake|tls|ssl|alert|UnknownIssuer|NotValidForName/i.test(text)) {
    return new DeliveryError(`${where}: TLS failed: ${text}`, EXIT.CONNECT, true, tlsFix(text));
  }
  if (text === "connect ETIMEDOUT" || code === "ETIMEDOUT") {
    return new DeliveryError(`${where}: no answer within the timeout`, EXIT.CONNECT, true);
  }
  if (typeof code === "string" || /socket|connect|ECONN|EPIPE|closed/i.test(text)) {
    return new DeliveryError(`${where}: ${text}`, EXIT.CONNECT, true);
  }
  // Not foreseen: exit 1, but keep the message (transient) rather than lose it.
  return new DeliveryError(`${where}: ${text}`, EXIT.FAILURE, true);
}

/** amqplib's message as a {@link Delivered}, with busmsg's own decoding of its header. */
function delivered(
  m: { fields: object; properties: object; content: Uint8Array },
): Delivered {
  const fields = m.fields as Record<string, unknown>;
  const props = m.properties as Record<string | symbol, unknown>;
  const decoded = props[DECODED] as DecodedProperties | undefined;
  const { headers, ...others } = m.properties as Record<string, unknown>;
  return {
    routingKey: String(fields["routingKey"]),
    exchange: String(fields["exchange"]),
    redelivered: fields["redelivered"] === true,
    messageId: props["messageId"],
    priority: props["priority"],
    headers: headers as Record<string, unknown> | undefined,
    properties: decoded?.properties ?? others,
    ...(decoded ? { headerNotes: decoded.notes } : {}),
    ...(decoded?.problem !== undefined ? { headerProblem: decoded.problem } : {}),
    content: new Uint8Array(m.content),
  };
}

/** An open connection to the broker. */
export class BrokerSession {
  #closed: DeliveryError | undefined;
  #stalled: DeliveryError | undefined;
  /** Set by {@link stop}: nothing more is written; confirms are still awaited until `#grace`. */
  #stopping: DeliveryError | undefined;
  #grace: ReturnType<typeof setTimeout> | undefined;
  #confirm: ConfirmState | undefined;
  #onClose: Array<(e: DeliveryError) => void> = [];
  /** Consumer channels, closed before the connection so that their last acks go out first. */
  #consumers: Channel[] = [];

  private constructor(
    readonly connection: ChannelModel,
    readonly where: string,
    readonly trace?: Tracer,
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
  }

  /**
   * Connects, authenticates and opens the vhost, all before `deadline`. Errors name the config
   * the settings came from: a wrong host is often a wrong (or missing) file. `trace` (default:
   * the verbose output, when on) hears each step with its time.
   */
  static async open(
    config: Config,
    deadline: Deadline,
    trace: Tracer | undefined = verboseTracer(),
  ): Promise<BrokerSession> {
    try {
      return await BrokerSession.#open(config, deadline, trace);
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
    trace: Tracer | undefined,
  ): Promise<BrokerSession> {
    const where = redactUrl(config.amqpUrl);
    const url = new URL(config.amqpUrl);
    const options: Options.Connect & Record<string, unknown> = {
      noDelay: true,
      timeout: Math.max(1, deadline - Date.now()),
      clientProperties: { app: config.app, product: "busmsg", version: VERSION },
    };
    trace?.({ name: "config", detail: `${config.path ?? "no config file"}; ${where}` });
    const amqp = await import("amqplib");
    let tls: TlsMaterial = {};
    if (url.protocol === "amqps:") {
      tls = await loadTls(config.tls);
      Object.assign(options, { minVersion: "TLSv1.2", rejectUnauthorized: true });
      if (tls.ca) options["ca"] = [tls.ca];
      if (tls.cert && tls.key) {
        Object.assign(options, { cert: tls.cert, key: tls.key });
        options["credentials"] = amqp.credentials.external();
        warnOnce(expiryWarning(tls.cert, config.tls.certfile!, config.expiryWarnDays, new Date()));
      }
    }
    const steps = trace ? await traceSteps(options, url, trace) : undefined;
    const connecting = amqp.connect(config.amqpUrl, options);
    try {
      const connection = await withDeadline(connecting, deadline, `cannot connect to ${where}`);
      if (steps) await steps.opened(connection, () => saslUser(url, tls));
      return new BrokerSession(connection, where, trace);
    } catch (e) {
      // A connection that completes after we gave up must not linger.
      connecting.then((c) => c.close()).catch(() => {});
      const diagnosis = await diagnoseTls(tls, config.tls, new Date());
      if (diagnosis) throw diagnosis;
      const error = classify(e, `cannot connect to ${where}`);
      if (/self.signed|unable to verify|UnknownIssuer|certificate chain/i.test(error.message)) {
        const trust = config.tls.caCert ? `ca_cert ${config.tls.caCert}` : "the system trust store";
        throw new DeliveryError(
          `${error.message} (the broker's certificate is not trusted by ${trust})`,
          error.exitCode,
          true,
          "set tls.ca_cert to the CA that signed the broker's certificate",
        );
      }
      throw error;
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
  async subscribe(
    exchange: string,
    keys: string[],
    deadline: Deadline,
    onMessage: (d: Delivered, ack: () => void) => void,
    queue: QueueOptions = {},
  ): Promise<void> {
    try {
      const channel = await withDeadline(this.connection.createChannel(), deadline, this.where);
      channel.on("error", () => {/* reported through the failed call */});
      this.#consumers.push(channel);
      // Before any delivery: content headers are read by busmsg's bounded, exact decoder.
      decodeHeadersOurselves(this.connection);
      const name = queue.name ?? "";
      const declared = queue.passive ? channel.checkQueue(name) : channel.assertQueue(
        name,
        queue.name === undefined ? { exclusive: true, autoDelete: true } : {
          durable: queue.durable ?? true,
          autoDelete: queue.autoDelete ?? false,
          exclusive: queue.exclusive ?? false,
          ...(queue.arguments ? { arguments: queue.arguments } : {}),
        },
      );
      const what = `${this.where}: ${queue.passive ? "checking" : "declaring"} queue ${
        name ? `"${name}"` : ""
      }`;
      const bound = (await withDeadline(declared, deadline, what)).queue;
      for (const key of keys) {
        await withDeadline(
          channel.bindQueue(bound, exchange, key),
          deadline,
          `${this.where}: binding ${key}`,
        );
      }
      if (queue.prefetch !== undefined) {
        await withDeadline(channel.prefetch(queue.prefetch), deadline, this.where);
      }
      const consuming = channel.consume(bound, (m) => {
        if (!m) return queue.onCancel?.();
        onMessage(delivered(m), () => channel.ack(m));
      }, { noAck: !queue.ack });
      await withDeadline(consuming, deadline, `${this.where}: consuming`);
    } catch (e) {
      const error = classify(e, this.where);
      if (/access to (queue|exchange)/.test(error.message)) {
        throw new DeliveryError(
          `${error.message}; this user may not declare or bind a queue (Fedora's publish-only users may not): ` +
            "give a consumer's config (test-message --listen-conf, listen --conf)",
          EXIT.REFUSED,
          false,
        );
      }
      const inequivalent = /inequivalent arg '([^']+)'.*?received (.*?) but current is ([^"]*)/
        .exec(error.message);
      if (inequivalent && queue.name !== undefined) {
        throw await this.#otherQueue(queue, inequivalent, deadline);
      }
      if (/NOT_FOUND - no queue/.test(error.message)) {
        throw new DeliveryError(
          `${this.where}: queue "${queue.name}" does not exist (passive_declares = true: ` +
            "it must be declared beforehand)",
          EXIT.CONNECT,
          false,
        );
      }
      throw error;
    }
  }

  /**
   * The one line for a named queue that exists with other arguments than asked (a queue's type
   * and arguments cannot change in place): a classic queue where a quorum one is asked for is
   * told apart by declaring it once more as classic, which is harmless for a queue that exists.
   */
  async #otherQueue(
    queue: QueueOptions,
    [, arg, wanted, current]: RegExpExecArray,
    deadline: Deadline,
  ): Promise<DeliveryError> {
    const name = queue.name!;
    let classic = false;
    if (queue.arguments?.["x-queue-type"] === "quorum") {
      try {
        const probe = await withDeadline(this.connection.createChannel(), deadline, this.where);
        probe.on("error", () => {});
        await withDeadline(
          probe.assertQueue(name, {
            durable: queue.durable ?? true,
            autoDelete: queue.autoDelete ?? false,
            exclusive: queue.exclusive ?? false,
            arguments: { "x-queue-type": "classic" },
          }),
          deadline,
          this.where,
        );
        classic = true;
        await probe.close().catch(() => {});
      } catch { /* not a plain classic queue: said by its first differing argument */ }
    }
    const what = classic
      ? "is a classic queue, not a quorum queue"
      : `exists with ${arg} ${current!.trim()}, not ${wanted}`;
    return new DeliveryError(
      `${this.where}: queue "${name}" ${what} (a queue's type and arguments cannot change ` +
        `in place): drain it and delete it (rabbitmqctl delete_queue ${name}) to have it ` +
        `declared anew, or ${
          classic ? "keep it with --queue-type classic" : "declare it as it is ([queues.NAME])"
        }`,
      EXIT.USAGE,
      false,
    );
  }

  /** The session's confirm channel, opened on first use and again after the broker closed it. */
  async #confirmChannel(deadline: Deadline): Promise<ConfirmState> {
    if (this.#confirm && !this.#confirm.closed) return this.#confirm;
    const started = performance.now();
    const channel = await withDeadline(
      this.connection.createConfirmChannel(),
      deadline,
      this.where,
    );
    const state: ConfirmState = { channel, closed: false };
    this.trace?.({
      name: "channel",
      detail: "channel open, publisher confirms on",
      ms: performance.now() - started,
    });
    channel.on("error", (e) => {
      state.error ??= classify(e, this.where);
    });
    channel.on("close", () => {
      state.closed = true;
      state.fail?.(state.error ?? this.#closedError());
    });
    this.#confirm = state;
    return state;
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

  /**
   * Publishes every message pipelined on the confirm channel (at most {@link CONFIRM_WINDOW}
   * unconfirmed) and waits for all confirms. The bound is on progress: it ends at `deadline`,
   * or `idleMs` after the last confirm if later.
   * Never throws: each message gets its own outcome (confirmed, a nack, a refusal, a lost
   * connection, a timeout). A refusal that closes the channel fails only the messages it is
   * about: the channel is opened again and the others are sent again.
   */
  async publish(
    pubs: Publication[],
    deadline: Deadline,
    options: PublishOptions = {},
  ): Promise<Outcome[]> {
    const started = performance.now();
    const outcomes: Outcome[] = new Array(pubs.length);
    const clock: Clock = { until: deadline, idleMs: options.idleMs ?? 0 };
    let pending = pubs.map((_, i) => i);
    let probing = false;
    while (pending.length > 0) {
      const round = probing ? pending.slice(0, 1) : pending;
      const attempt = await this.#publishOnce(
        round.map((i) => pubs[i]!),
        clock,
        (k) => options.onConfirm?.(round[k]!),
      );
      const unsure: number[] = [];
      round.forEach((index, k) => {
        if (attempt.refusal && attempt.unsure[k]) unsure.push(index);
        else outcomes[index] = attempt.outcomes[k]!;
      });
      pending = pending.slice(round.length);
      if (!attempt.refusal || unsure.length === 0) continue;
      const refusal = attempt.refusal;
      const test = refusedBy(refusal.message);
      let guilty = new Set(
        test ? unsure.filter((i) => test({ ...pubs[i]!, size: pubs[i]!.body.byteLength })) : [],
      );
      if (guilty.size === 0 && unsure.length === 1) guilty = new Set(unsure);
      for (const i of guilty) outcomes[i] = { ok: false, error: refusal };
      // The innocent ones went down with the channel: sent again (at least once). When the
      // broker's words do not say which message it refused, one at a time until it is found.
      probing = guilty.size === 0;
      pending = [...unsure.filter((i) => !guilty.has(i)), ...pending];
    }
    this.trace?.({
      name: "publish",
      detail: `${pubs.length} message(s) published, ${
        outcomes.filter((o) => o.ok).length
      } confirmed`,
      ms: performance.now() - started,
    });
    return outcomes;
  }

  /** One pipelined pass on the confirm channel; says whether a refusal closed the channel. */
  async #publishOnce(
    pubs: Publication[],
    clock: Clock,
    onConfirm: (index: number) => void,
  ): Promise<{ outcomes: Outcome[]; unsure: boolean[]; refusal?: DeliveryError }> {
    const outcomes: (Outcome | undefined)[] = new Array(pubs.length);
    // Not confirmed and not nacked: it may or may not have been the refused message.
    const unsure = pubs.map(() => true);
    const failAll = (error: DeliveryError) => ({
      outcomes: outcomes.fill({ ok: false, error }) as Outcome[],
      unsure,
    });
    const ended = this.#closed ?? this.#stopping;
    if (ended) return failAll(ended);
    let state: ConfirmState;
    try {
      state = await this.#confirmChannel(clock.until);
    } catch (e) {
      return failAll(this.#closed ?? classify(e, this.where));
    }
    const channel = state.channel;
    let open = 0;
    let writing = true;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => done = resolve);
    /** Wakes the writer waiting for room in the confirm window. */
    let room: (() => void) | undefined;
    const settle = (i: number, outcome: Outcome) => {
      if (outcomes[i] !== undefined) return;
      outcomes[i] = outcome;
      if (outcome.ok) {
        unsure[i] = false;
        clock.until = Math.max(clock.until, Date.now() + clock.idleMs);
        onConfirm(i);
      }
      if (--open === 0 && !writing) done();
      room?.();
    };
    // The rest fail with one reason: the channel or connection closed, or time ran out.
    const failRest = (error: DeliveryError) => {
      for (let i = 0; i < outcomes.length; i++) outcomes[i] ??= { ok: false, error };
      done();
    };
    const timeout = new DeliveryError(
      `${this.where}: no confirm from the broker within the timeout`,
      EXIT.CONNECT,
      true,
    );
    state.fail = failRest;
    this.#onClose.push(failRest);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      if (Date.now() < clock.until) {
        timer = setTimeout(watch, clock.until - Date.now());
        return;
      }
      this.#stalled ??= timeout;
      failRest(timeout);
    };
    watch();
    let sent = 0;
    for (; sent < pubs.length; sent++) {
      if (open >= CONFIRM_WINDOW) {
        await Promise.race([new Promise<void>((r) => room = r), finished]);
        room = undefined;
      }
      if (state.closed || this.#closed || this.#stopping || Date.now() >= clock.until) break;
      const i = sent;
      const p = pubs[i]!;
      open++;
      let more = true;
      try {
        more = channel.publish(
          p.exchange,
          p.routingKey,
          Buffer.from(p.body.buffer, p.body.byteOffset, p.body.byteLength),
          p.properties as Options.Publish,
          (err: unknown) => {
            if (!err) return settle(i, OK);
            const error = state.error ?? nackOrLoss(err, this.where);
            if (error.exitCode === EXIT.REFUSED && /nack/.test(error.message)) unsure[i] = false;
            settle(i, { ok: false, error });
          },
        );
      } catch (e) {
        settle(i, { ok: false, error: state.error ?? classify(e, this.where) });
      }
      // amqplib's buffer is full: let the socket drain before writing more.
      if (!more) await waitForDrain(channel, this.connection, clock.until);
    }
    writing = false;
    for (let i = sent; i < pubs.length; i++) {
      outcomes[i] ??= {
        ok: false,
        error: state.error ?? this.#closed ?? this.#stopping ?? timeout,
      };
    }
    if (open === 0) done();
    await finished;
    clearTimeout(timer);
    delete state.fail;
    this.#onClose = this.#onClose.filter((f) => f !== failRest);
    const refused = state.closed && state.error && !state.error.transient && !this.#closed;
    return refused
      ? { outcomes: outcomes as Outcome[], unsure, refusal: state.error! }
      : { outcomes: outcomes as Outcome[], unsure };
  }

  #closedError(): DeliveryError {
    return this.#closed ??
      new DeliveryError(
        `${this.where}: channel closed before the broker confirmed`,
        EXIT.CONNECT,
        true,
      );
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
      this.trace?.({ name: "close", detail: "connection closed", ms: performance.now() - started });
    } catch {
      // Everything that mattered was confirmed already.
    }
  }
}

const warned = new Set<string>();

/** Says a warning once per process (a command may open several connections). */
function warnOnce(warning: string | undefined): void {
  // Said even with --quiet: an expiring certificate is what must not go unnoticed.
  if (warning && !warned.has(warning)) say(warning);
  if (warning) warned.add(warning);
}

/** The user the broker will see: the certificate's CN under EXTERNAL, else the URL's. */
async function saslUser(url: URL, tls: TlsMaterial): Promise<string> {
  if (tls.cert && tls.key) {
    return (await describeCertificate(tls.cert).catch(() => undefined))?.commonName ?? "?";
  }
  return decodeURIComponent(url.username) || "guest";
}

/** The fix for a TLS failure that configuration causes, when the text tells which. */
function tlsFix(text: string): string | undefined {
  if (/UnknownCA|unknown.ca/i.test(text)) {
    return "the broker does not trust the client certificate's CA: use a certificate its CA issued";
  }
  if (/NotValidForName|altnames|host ?name/i.test(text)) {
    return "connect to a name the broker's certificate holds (amqp_url's host)";
  }
  if (/certificate.*(expired|revoked)|CertExpired|CertRevoked/i.test(text)) {
    return "the broker refused the client certificate: renew it";
  }
  return undefined;
}

function nackOrLoss(err: unknown, where: string): DeliveryError {
  const text = errorText(err);
  if (/nack/i.test(text)) {
    return new DeliveryError(
      `${where}: the broker refused (nack) the message`,
      EXIT.REFUSED,
      false,
    );
  }
  return classify(err, where);
}

function waitForDrain(
  channel: ConfirmChannel,
  connection: ChannelModel,
  deadline: Deadline,
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      channel.off("drain", done);
      channel.off("close", done);
      connection.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
    channel.once("drain", done);
    channel.once("close", done);
    connection.once("close", done);
  });
}
