/** `busmsg schema`: print the logging.stats JSON Schemas. */
import { parseCommand } from "../cli/options.ts";
import { formatOptions, HELP_OPTION } from "../cli/option_table.ts";
import { EXIT, UsageError } from "../errors.ts";
import { out } from "../io/output.ts";
import {
  allRules,
  catalogueSchema,
  flatSchema,
  requiredFields,
  ruleFor,
} from "../message/schemas.ts";

/** The options of `busmsg schema`. */
export const OPTIONS = {
  list: {
    type: "boolean",
    help: "one line per topic: topic, severity, required fields (a|b: either one)",
  },
  ...HELP_OPTION,
} as const;

/** One line per listed topic: topic, severity, required fields (what --list prints). */
function topicRows(): string[] {
  const width = Math.max(...allRules().map((r) => r.topic.length));
  return allRules().map((r) => {
    const required = requiredFields(r).map((alternatives) => alternatives.join("|")).join(", ");
    return `${r.topic.padEnd(width)} ${String(r.severity).padEnd(3)} ${required}`;
  });
}

export const HELP = `Usage: busmsg schema [--list] [TOPIC]

Without TOPIC: prints the whole catalogue (JSON Schema 2020-12), the one file every
command checks logging.stats bodies against.
With TOPIC (e.g. logging.stats.sync.host.skip): prints that topic's schema, inherited
fields flattened, as one self-contained JSON Schema.
The text of host.skip and host.logdate.fail.* is reason or failure (the name Fedora's
deployed bash sync script uses), at least one, each given a non-empty string: an anyOf
in the schema, reason|failure in --list.
The shell jobs that publish through simple_message_to_bus (combinehttplogs.*,
condense-mirrorlogs.*, countme-update.*, countme-centos-update.*) send loghost and
run_id, not host; a word without "=" is its own key and value ("--rawdb"), an extra
field like any other. A logging.stats topic listed nowhere is sent unchecked, with a
warning (validate --strict refuses it); under logging.stats.sync every event is listed.

${formatOptions(OPTIONS)}

Topics (topic, severity, required fields):
${topicRows().map((row) => `  ${row}`).join("\n")}

Examples:
  busmsg schema --list
  busmsg schema logging.stats.sync.host.logdate.fail.final

Exit status: 0, or 2 for a topic that has no schema.`;

/** Runs `busmsg schema`. */
export function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("schema", args, OPTIONS);
  if (values.list) {
    const width = Math.max(...allRules().map((r) => r.topic.length));
    out(`${"TOPIC".padEnd(width)} SEV REQUIRED\n${topicRows().map((r) => `${r}\n`).join("")}`);
    return Promise.resolve(EXIT.OK);
  }
  if (positionals.length > 1) throw new UsageError("schema: give at most one TOPIC");
  const topic = positionals[0];
  if (topic === undefined) {
    out(JSON.stringify(catalogueSchema(), null, 2) + "\n");
    return Promise.resolve(EXIT.OK);
  }
  const rule = ruleFor(topic);
  if (rule === undefined) {
    throw new UsageError(`schema: "${topic}" is not a logging.stats topic (it has no schema)`);
  }
  if (rule === "unknown") {
    throw new UsageError(`schema: "${topic}" has no schema (busmsg schema --list)`);
  }
  out(JSON.stringify(flatSchema(rule), null, 2) + "\n");
  return Promise.resolve(EXIT.OK);
}
