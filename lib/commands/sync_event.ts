/** `busmsg sync-event EVENT`: one logging.stats.sync.* event from options. */
import {
  BROKER_HELP,
  BROKER_OPTIONS,
  configFrom,
  parseCommand,
  sendOptionsFrom,
  SPOOL_HELP,
  SPOOL_OPTIONS,
} from "../cli/options.ts";
import { UsageError } from "../errors.ts";
import { parseFields } from "../message/fields.ts";
import { localFqdn } from "../message/host.ts";
import { out } from "../cli/output.ts";
import type { JsonObject } from "../message/pyjson.ts";
import { flatSchema, ruleFor, SYNC_EVENTS, type TopicRule } from "../message/schemas.ts";
import { defaultsFor, messageFromFields, parseSeverity } from "../message/compose.ts";
import { deliverAndReport, dryRun } from "../bus/send.ts";

export const HELP = `Usage: busmsg sync-event EVENT [options] [KEY[:TYPE]=VALUE ...]

Sends logging.stats.sync.EVENT. EVENT is one of:
  ${SYNC_EVENTS.join(", ")}

Options (each checked before connecting; a missing or malformed one is exit 2):
  --run-id ID          the sync run (default $BUSMSG_RUN_ID; 'start' makes a new one)
  --synced-host NAME   the proxy whose logs are synced (host.* events)
  --log-date DATE      the date synced, YYYY-MM-DD (host.logdate.* events)
  --reason TEXT        why (host.skip, host.logdate.fail.*); use --reason=TEXT if it starts with -
  --host NAME          the sending host (default: this machine's FQDN)
  --severity N         override the event's severity (fail.final 40, fail.retry and skip 30, else 20)
${BROKER_HELP}
${SPOOL_HELP}

Extra KEY[:TYPE]=VALUE fields are added to the body (e.g. attempt:int=2).
'start' prints the run id alone on stdout, even when delivery fails, so a script can do:
  export BUSMSG_RUN_ID=$(busmsg sync-event start)
Other events print nothing on stdout.`;

const OPTIONS = {
  ...BROKER_OPTIONS,
  ...SPOOL_OPTIONS,
  "run-id": { type: "string" },
  "synced-host": { type: "string" },
  "log-date": { type: "string" },
  reason: { type: "string" },
  host: { type: "string" },
  severity: { type: "string" },
} as const;

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
    throw new UsageError(`sync-event: unknown event "${event}" (known: ${SYNC_EVENTS.join(", ")})`);
  }
  return rule;
}

/** Runs `busmsg sync-event`. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("sync-event", args, OPTIONS);
  const [event, ...fields] = positionals;
  if (event === undefined) {
    throw new UsageError("sync-event: give the EVENT (see busmsg sync-event --help)");
  }
  const rule = eventRule(event);
  const allowed = Object.keys((flatSchema(rule)["properties"] ?? {}) as object);
  const given: Record<string, string | undefined> = {
    run_id: values["run-id"] ?? (Deno.env.get("BUSMSG_RUN_ID") || undefined),
    synced_host: values["synced-host"],
    log_date: values["log-date"],
    reason: values.reason,
  };
  let newRunId: string | undefined;
  if (event === "start" && !given["run_id"]) given["run_id"] = newRunId = crypto.randomUUID();
  const body: JsonObject = { host: values.host ?? localFqdn() };
  for (const [field, option] of FIELD_OPTIONS) {
    const value = given[field];
    if (value === undefined) continue;
    if (!allowed.includes(field)) {
      throw new UsageError(`sync-event ${event}: ${option} does not belong to this event`);
    }
    body[field] = value;
  }
  for (const field of allowed) {
    if (!(field in body)) {
      const option = FIELD_OPTIONS.find(([f]) => f === field)?.[1] ?? field;
      const hint = field === "run_id" ? " (or set BUSMSG_RUN_ID)" : "";
      throw new UsageError(`sync-event ${event}: ${option} is required${hint}`);
    }
  }
  parseFields(fields, body);
  const config = await configFrom(values);
  const severity = parseSeverity(values.severity);
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
  // Printed first: the caller needs the run id whatever becomes of the message.
  if (newRunId) out(newRunId + "\n");
  return await deliverAndReport([[message]], config, sendOptionsFrom(values, false));
}
