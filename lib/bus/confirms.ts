/**
 * Publishing with publisher confirms: every message of a batch pipelined on the session's
 * confirm channel (at most {@link CONFIRM_WINDOW} unconfirmed), each with its own outcome, the
 * bound on progress rather than on the whole batch, and a refusal (which closes the channel)
 * failing only the messages it is about.
 */
import type { ChannelModel, ConfirmChannel, Options } from "amqplib";
import { DeliveryError, EXIT } from "../errors.ts";
import type { Publication } from "../message/wire.ts";
import { classify, nackOrLoss } from "./error_map.ts";
import { type Deadline, withDeadline } from "./deadline.ts";
import { refusedBy } from "./refusal.ts";
import type { BusReporter } from "./reporter.ts";

/**
 * Messages written and not yet confirmed, at most. A refusal closes the channel and loses the
 * confirms under way, and a signal's grace may end with some unconfirmed: only these can be
 * sent twice. Large enough that the broker's confirms keep the pipe full (see README).
 */
export const CONFIRM_WINDOW = 256;

/** What became of one message. */
export type Outcome = { ok: true } | { ok: false; error: DeliveryError };

const OK: Outcome = { ok: true };

/** How {@link ConfirmPublisher.publish} reports and bounds its progress. */
export interface PublishOptions {
  /** Called as each message is confirmed, with its index. */
  onConfirm?: (index: number) => void;
  /** Each confirm moves the deadline to at least this long after it (0: a fixed deadline). */
  idleMs?: number;
}

/** What the publisher needs of the session it publishes on. */
export interface Link {
  readonly connection: ChannelModel;
  /** The redacted URL, to name the broker in errors. */
  readonly where: string;
  readonly reporter: BusReporter | undefined;
  /** Why the connection is gone, once it is. */
  closed(): DeliveryError | undefined;
  /** Why nothing more may be written (a signal), once so. */
  stopping(): DeliveryError | undefined;
  /** Calls `f` when the connection ends; returns what stops that. */
  onClose(f: (e: DeliveryError) => void): () => void;
  /** A publish saw no progress within the timeout: the session ends there. */
  stall(e: DeliveryError): void;
}

/** The session's confirm channel and what became of it. */
interface ConfirmState {
  channel: ConfirmChannel;
  closed: boolean;
  /** Why the broker closed it (e.g. 403 on a topic), once it has. */
  error?: DeliveryError;
  /** Fails the messages still waiting, while a publish is under way. */
  fail?: (e: DeliveryError) => void;
}

/** A deadline that progress moves later. */
interface Clock {
  until: Deadline;
  idleMs: number;
}

/** Publishes on a session's confirm channel, opened on first use and again after a refusal. */
export class ConfirmPublisher {
  #confirm: ConfirmState | undefined;

  constructor(readonly link: Link) {}

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
    this.link.reporter?.step?.({
      name: "publish",
      detail: `${pubs.length} message(s) published, ${
        outcomes.filter((o) => o.ok).length
      } confirmed`,
      ms: performance.now() - started,
    });
    return outcomes;
  }

  /** The confirm channel, opened on first use and again after the broker closed it. */
  async #confirmChannel(deadline: Deadline): Promise<ConfirmState> {
    if (this.#confirm && !this.#confirm.closed) return this.#confirm;
    const { connection, where } = this.link;
    const started = performance.now();
    const channel = await withDeadline(connection.createConfirmChannel(), deadline, where);
    const state: ConfirmState = { channel, closed: false };
    this.link.reporter?.step?.({
      name: "channel",
      detail: "channel open, publisher confirms on",
      ms: performance.now() - started,
    });
    channel.on("error", (e) => {
      state.error ??= classify(e, where);
    });
    channel.on("close", () => {
      state.closed = true;
      state.fail?.(state.error ?? this.#closedError());
    });
    this.#confirm = state;
    return state;
  }

  /** One pipelined pass on the confirm channel; says whether a refusal closed the channel. */
  async #publishOnce(
    pubs: Publication[],
    clock: Clock,
    onConfirm: (index: number) => void,
  ): Promise<{ outcomes: Outcome[]; unsure: boolean[]; refusal?: DeliveryError }> {
    const link = this.link;
    // Loaded here, with amqplib: a static node: import would start Node compatibility for
    // every command that merely can publish, even with --dry-run.
    const { Buffer } = await import("node:buffer");
    const outcomes: (Outcome | undefined)[] = new Array(pubs.length);
    // Not confirmed and not nacked: it may or may not have been the refused message.
    const unsure = pubs.map(() => true);
    const failAll = (error: DeliveryError) => ({
      outcomes: outcomes.fill({ ok: false, error }) as Outcome[],
      unsure,
    });
    const ended = link.closed() ?? link.stopping();
    if (ended) return failAll(ended);
    let state: ConfirmState;
    try {
      state = await this.#confirmChannel(clock.until);
    } catch (e) {
      return failAll(link.closed() ?? classify(e, link.where));
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
      `${link.where}: no confirm from the broker within the timeout`,
      EXIT.CONNECT,
      true,
    );
    state.fail = failRest;
    const unhear = link.onClose(failRest);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      if (Date.now() < clock.until) {
        timer = setTimeout(watch, clock.until - Date.now());
        return;
      }
      link.stall(timeout);
      failRest(timeout);
    };
    watch();
    let sent = 0;
    for (; sent < pubs.length; sent++) {
      if (open >= CONFIRM_WINDOW) {
        await Promise.race([new Promise<void>((r) => room = r), finished]);
        room = undefined;
      }
      if (state.closed || link.closed() || link.stopping() || Date.now() >= clock.until) break;
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
            const error = state.error ?? nackOrLoss(err, link.where);
            if (error.exitCode === EXIT.REFUSED && /nack/.test(error.message)) unsure[i] = false;
            settle(i, { ok: false, error });
          },
        );
      } catch (e) {
        settle(i, { ok: false, error: state.error ?? classify(e, link.where) });
      }
      // amqplib's buffer is full: let the socket drain before writing more.
      if (!more) await waitForDrain(channel, link.connection, clock.until);
    }
    writing = false;
    for (let i = sent; i < pubs.length; i++) {
      outcomes[i] ??= {
        ok: false,
        error: state.error ?? link.closed() ?? link.stopping() ?? timeout,
      };
    }
    if (open === 0) done();
    await finished;
    clearTimeout(timer);
    delete state.fail;
    unhear();
    const refused = state.closed && state.error && !state.error.transient && !link.closed();
    return refused
      ? { outcomes: outcomes as Outcome[], unsure, refusal: state.error! }
      : { outcomes: outcomes as Outcome[], unsure };
  }

  #closedError(): DeliveryError {
    return this.link.closed() ??
      new DeliveryError(
        `${this.link.where}: channel closed before the broker confirmed`,
        EXIT.CONNECT,
        true,
      );
  }
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
