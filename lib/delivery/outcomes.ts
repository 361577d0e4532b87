/**
 * What became of each message, printed on stdout for scripts: `ID ROUTING_KEY` per delivered
 * message (the default), one JSON object per message (`--json`), or nothing (`--quiet`). Every
 * sending command prints through here, so the formats are the same everywhere.
 */
import { type DeliveryError, EXIT, UsageError } from "../errors.ts";
import { beQuiet, out } from "../io/output.ts";
import type { Delivery } from "./session.ts";

/** A message's fate: confirmed; kept in the spool; refused by the broker; or none of these. */
export type Fate = "delivered" | "spooled" | "refused" | "failed";

/** One message and its fate, as scripts read it. */
export interface MessageOutcome {
  id: string;
  routingKey: string;
  outcome: Fate;
  /** Why it was not delivered. */
  reason?: string;
}

/** The fate of a message that was not delivered, and was or was not kept in the spool. */
export function undelivered(
  error: DeliveryError,
  spooled: boolean,
): Pick<MessageOutcome, "outcome" | "reason"> {
  const outcome = error.exitCode === EXIT.REFUSED ? "refused" : spooled ? "spooled" : "failed";
  return { outcome, reason: error.message };
}

/** What became of one message, for the command's output; `spooled`: whether it was kept. */
export function outcomeOf(d: Delivery, spooled: boolean): MessageOutcome {
  const message = { id: d.message.id, routingKey: d.routingKey };
  return d.outcome.ok
    ? { ...message, outcome: "delivered" }
    : { ...message, ...undelivered(d.outcome.error, spooled && d.outcome.error.transient) };
}

/** Prints one batch of outcomes (one write). */
export type Reporter = (outcomes: MessageOutcome[]) => void;

/** Extra keys a command adds to each `--json` object (e.g. sync-event's run_id). */
export type Extra = (o: MessageOutcome) => Record<string, string | number>;

/**
 * The reporter `--json` and `--quiet` ask for; `ids` is what the command prints without them
 * (`ID ROUTING_KEY` per delivered message, or nothing). `--quiet` also silences the notes on
 * stderr, so that only errors are said.
 */
export function reporterFor(
  values: { json?: boolean | undefined; quiet?: boolean | undefined },
  ids: boolean,
  extra?: Extra,
): Reporter {
  if (values.json && values.quiet) throw new UsageError("--json and --quiet do not go together");
  if (values.quiet) {
    beQuiet();
    return () => {};
  }
  if (values.json) {
    return (outcomes) =>
      out(outcomes.map((o) => JSON.stringify(jsonObject(o, extra)) + "\n").join(""));
  }
  if (!ids) return () => {};
  return (outcomes) =>
    out(
      outcomes.filter((o) => o.outcome === "delivered").map((o) => `${o.id} ${o.routingKey}\n`)
        .join(""),
    );
}

/** The stable `--json` object: snake_case keys, `reason` only when there is one. */
function jsonObject(o: MessageOutcome, extra?: Extra): Record<string, string | number> {
  return {
    id: o.id,
    routing_key: o.routingKey,
    outcome: o.outcome,
    ...(o.reason === undefined ? {} : { reason: o.reason }),
    ...extra?.(o),
  };
}
