/** `busmsg sync-event EVENT`: one logging.stats.sync.* event from options. */
import { configFrom, parseCommand, sendOptionsFrom } from "../cli/options.ts";
import {
  BROKER_OPTIONS,
  formatOptions,
  HELP_OPTION,
  OUTPUT_OPTIONS,
  SPOOL_OPTIONS,
} from "../cli/option_table.ts";
import { reporterFor } from "../delivery/outcomes.ts";
import { closest } from "../text/suggest.ts";
import { UsageError } from "../errors.ts";
import { parseFields } from "../message/fields.ts";
import { localFqdn } from "../message/host.ts";
import { out } from "../io/output.ts";
import type { JsonObject } from "../message/pyjson.ts";
import {
  flatSchema,
  requiredFields,
  ruleFor,
  SYNC_EVENTS,
  type TopicRule,
} from "../message/schemas.ts";
import { defaultsFor, messageFromFields, parseSeverity } from "../message/compose.ts";
import { deliverAndReport, dryRun } from "../delivery/send.ts";

/** The options of `busmsg sync-event`. */
export const OPTIONS = {
  "run-id": {
    type: "string",
    arg: "ID",
    help: "the sync run (default $BUSMSG_RUN_ID; 'start' makes a new one and\n" +
      "ignores $BUSMSG_RUN_ID: --run-id is the only way to choose it)",
  },
  "synced-host": {
    type: "string",
    arg: "NAME",
    help: "the proxy whose logs are synced (host.* events)",
  },
  "log-date": {
    type: "string",
    arg: "DATE",
    help: "the date synced, YYYY-MM-DD (host.logdate.* events)",
  },
  reason: {
    type: "string",
    arg: "TEXT",
    help: "why (host.skip, host.logdate.fail.*); written as the body's reason\n" +
      "(the schema also takes failure, the deployed bash script's name for it)",
  },
  host: {
    type: "string",
    arg: "NAME",
    help: "the sending host (default: this machine's FQDN)",
  },
  severity: {
    type: "string",
    arg: "LEVEL",
    help: "override the event's severity: debug, info, warning, error or 10..40\n" +
      "(default fail.final error, fail.retry and skip warning, else info)",
  },
  ...BROKER_OPTIONS,
  ...SPOOL_OPTIONS,
  ...OUTPUT_OPTIONS,
  ...HELP_OPTION,
} as const;

export const HELP = `Usage: busmsg sync-event EVENT [options] [KEY[:TYPE]=VALUE ...]

Sends logging.stats.sync.EVENT. EVENT is one of:
  ${SYNC_EVENTS.join(", ")}
Each option is checked before connecting; a missing or malformed one is exit 2. An option
that takes a value takes the next argument, even one starting with "-".

${formatOptions(OPTIONS)}

Extra KEY[:TYPE]=VALUE fields are added to the body (e.g. attempt:int=2).
'start' prints the run id alone on stdout, even when delivery fails or the config cannot
be read (and with --quiet); only a mistake on its command line (exit 2) comes before the
id. Other events print nothing on stdout. --json objects also hold "run_id".

Examples:
  export BUSMSG_RUN_ID=$(busmsg sync-event start)
  busmsg sync-event host.logdate.fail.retry --synced-host proxy01 --log-date 2026-11-27 \\
      --reason "$err" attempt:int=1
  busmsg sync-event finish

Exit status: as 'busmsg publish'.`;

const FIELD_OPTIONS = [["run_id", "--run-id"], ["synced_host", "--synced-host"], [
  "log_date",
  "--log-date",
], [
  "reason",
  "--reason",
]] as const;

/** The event's rule; an unknown event is a usage error listing the known ones. */
function eventRule(event: string): TopicRule {
  const rule = ruleFor(`logging.stats.sync.${event}`);
  if (typeof rule !== "object" || !SYNC_EVENTS.includes(event)) {
    const guess = closest(event, SYNC_EVENTS);
    throw new UsageError(
      `sync-event: unknown event "${event}"${guess ? `; did you mean "${guess}"?` : ""} ` +
        `(known: ${SYNC_EVENTS.join(", ")})`,
    );
  }
  return rule;
}

/** The body fields an event takes: its schema's properties. */
function fieldsOf(rule: TopicRule): string[] {
  return Object.keys((flatSchema(rule)["properties"] ?? {}) as object);
}

/**
 * The options `sync-event EVENT` accepts, as `--name`: all but the fields of other events (the
 * completions offer these after the event).
 */
export function eventOptions(event: string): string[] {
  const fields = fieldsOf(eventRule(event));
  const foreign: string[] = FIELD_OPTIONS.filter(([f]) => !fields.includes(f)).map(([, o]) => o);
  return Object.keys(OPTIONS).map((o) => `--${o}`).filter((o) => !foreign.includes(o));
}

/** Runs `busmsg sync-event`. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("sync-event", args, OPTIONS);
  const [event, ...fields] = positionals;
  if (event === undefined) {
    throw new UsageError("sync-event: give the EVENT (see busmsg sync-event --help)");
  }
  const rule = eventRule(event);
  const allowed = fieldsOf(rule);
  const given: Record<string, string | undefined> = {
    // `start` begins a run: an id left in the environment by an earlier run is not this one's.
    run_id: values["run-id"] ??
      (event === "start" ? crypto.randomUUID() : Deno.env.get("BUSMSG_RUN_ID") || undefined),
    synced_host: values["synced-host"],
    log_date: values["log-date"],
    reason: values.reason,
  };
  const runId = given["run_id"] ?? "";
  // --json objects carry the run id, so that `start --json` needs no second line.
  const report = reporterFor(values, false, () => ({ run_id: runId }));
  const body: JsonObject = { host: values.host ?? localFqdn() };
  for (const [field, option] of FIELD_OPTIONS) {
    const value = given[field];
    if (value === undefined) continue;
    if (!allowed.includes(field)) {
      throw new UsageError(`sync-event ${event}: ${option} does not belong to this event`);
    }
    body[field] = value;
  }
  // A choice (reason or failure) is written under its first name: sync-event writes reason.
  for (const [field] of requiredFields(rule)) {
    if (field !== undefined && !(field in body)) {
      const option = FIELD_OPTIONS.find(([f]) => f === field)?.[1] ?? field;
      const hint = field === "run_id" ? " (or set BUSMSG_RUN_ID)" : "";
      throw new UsageError(`sync-event ${event}: ${option} is required${hint}`);
    }
  }
  parseFields(fields, body);
  const severity = parseSeverity(values.severity);
  // Printed once the command line is known good, before the config is read: the caller
  // needs the run id whatever becomes of the message, even when the config is broken.
  if (event === "start" && !values.json && !values["dry-run"]) out(given["run_id"] + "\n");
  const config = await configFrom(values);
  const message = messageFromFields(
    {
      topic: rule.topic,
      body,
      headers: severity === undefined ? undefined : { fedora_messaging_severity: severity },
    },
    defaultsFor(config),
    undefined,
  );
  if (values["dry-run"]) return await dryRun([[message]], config);
  return await deliverAndReport([[message]], config, sendOptionsFrom(values, report));
}
