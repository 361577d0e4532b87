/**
 * The logging.stats topic family, read from `schemas/logging.stats.schema.json` (the only place
 * a field is defined): which schema a topic has, its default severity, and body checks.
 */
import { type Schema, Validator } from "@cfworker/json-schema";
import catalogue from "./schemas/logging.stats.schema.json" with { type: "json" };
import type { Problem } from "./message.ts";
import { type JsonObject, type JsonValue, PyFloat } from "./pyjson.ts";
import { closest, editDistance } from "../text/suggest.ts";

/** What the catalogue says of one topic (or topic pattern ending in `.*`). */
export interface TopicRule {
  topic: string;
  schema: string;
  severity: number;
  description: string;
}

type Defs = Record<
  string,
  Schema & { allOf?: Schema[]; required?: string[]; properties?: Record<string, Schema> }
>;
const DEFS = catalogue.$defs as unknown as Defs;
const RULES: TopicRule[] = Object.entries(catalogue["x-busmsg-topics"]).map(([topic, r]) => ({
  topic,
  ...r,
}));

export const ROOT = "logging.stats";
const SYNC = "logging.stats.sync.";

/**
 * The topic from `logging.stats` on when the family is in it behind any deployment prefix
 * (`org.fedoraproject.prod.logging.stats.sync.start`, as `fedora-messaging record` writes
 * topics), else the topic as given.
 */
export function familyTopic(topic: string): string {
  if (topic === ROOT || topic.startsWith(ROOT + ".")) return topic;
  const at = topic.indexOf(`.${ROOT}.`);
  return at < 0 ? topic : topic.slice(at + 1);
}

/** The events `sync-event` knows: topic suffixes after `logging.stats.sync.`. */
export const SYNC_EVENTS: string[] = RULES.filter((r) => r.topic.startsWith(SYNC))
  .map((r) => r.topic.slice(SYNC.length));

/** Every rule, for `busmsg schema` and the README table. */
export function allRules(): TopicRule[] {
  return RULES;
}

/**
 * The rule of a topic (without prefix): an exact entry, else the longest matching `X.*`
 * pattern. Undefined outside logging.stats; "unknown" for a topic no entry covers (an error
 * under logging.stats.sync or when misspelt, else sent unchecked: see {@link checkBody}).
 */
export function ruleFor(topic: string): TopicRule | "unknown" | undefined {
  if (topic !== ROOT && !topic.startsWith(ROOT + ".")) return undefined;
  let rule = ruleCache.get(topic);
  if (rule === undefined) {
    rule = findRule(topic);
    // Bounded: a file with endless distinct topics must not grow memory.
    if (ruleCache.size < 4096) ruleCache.set(topic, rule);
  }
  return rule;
}

/** Under logging.stats.sync, where every event is listed: the report counts them. */
const inSync = (topic: string) => topic.startsWith(SYNC) || topic === SYNC.slice(0, -1);

const ruleCache = new Map<string, TopicRule | "unknown">();

function findRule(topic: string): TopicRule | "unknown" {
  const exact = RULES.find((r) => r.topic === topic);
  if (exact) return exact;
  if (inSync(topic)) return "unknown";
  let best: TopicRule | undefined;
  for (const r of RULES) {
    if (r.topic.endsWith(".*") && topic.startsWith(r.topic.slice(0, -1))) {
      if (!best || r.topic.length > best.topic.length) best = r;
    }
  }
  return best ?? "unknown";
}

function resolveRef(s: Schema): Schema {
  const ref = s.$ref;
  if (typeof ref !== "string") return s;
  const def = DEFS[ref.replace("#/$defs/", "")];
  if (!def) throw new Error(`schema reference ${ref} is not in the catalogue`);
  return def;
}

/**
 * One self-contained schema for a rule: the inherited fields flattened, references resolved.
 * A choice of fields (`reason` or `failure`) stays a JSON Schema `anyOf` of `required` lists.
 */
export function flatSchema(rule: TopicRule): Record<string, unknown> {
  const required: string[] = [];
  const properties: Record<string, Schema> = {};
  const choices: Schema[][] = [];
  const walk = (name: string) => {
    const def = DEFS[name]!;
    for (const parent of def.allOf ?? []) walk(String(parent.$ref).replace("#/$defs/", ""));
    for (const r of def.required ?? []) if (!required.includes(r)) required.push(r);
    for (const [k, v] of Object.entries(def.properties ?? {})) {
      properties[k] = resolveRef(v as Schema);
    }
    if (Array.isArray(def.anyOf)) choices.push(def.anyOf as Schema[]);
  };
  walk(rule.schema);
  return {
    $schema: catalogue.$schema,
    $id: `${catalogue.$id}#${rule.topic}`,
    title: rule.topic,
    description: rule.description,
    type: "object",
    required,
    ...(choices.length === 1 ? { anyOf: choices[0] } : {}),
    ...(choices.length > 1 ? { allOf: choices.map((anyOf) => ({ anyOf })) } : {}),
    properties,
    additionalProperties: true,
    "x-busmsg-severity": rule.severity,
  };
}

/** The `anyOf` choices of a flat schema, each as its lists of required fields. */
function choicesOf(schema: Record<string, unknown>): string[][][] {
  const groups = schema["anyOf"] !== undefined
    ? [schema["anyOf"]]
    : ((schema["allOf"] ?? []) as { anyOf: unknown }[]).map((g) => g.anyOf);
  return groups.map((g) => (g as { required?: string[] }[]).map((a) => a.required ?? []));
}

/**
 * The fields a rule requires, each as its alternatives: `[["host"], ..., ["reason",
 * "failure"]]` (the first alternative is the field's own name, the one `sync-event` writes).
 */
export function requiredFields(rule: TopicRule): string[][] {
  const schema = flatSchema(rule);
  const alone = (schema["required"] as string[]).map((f) => [f]);
  const either = choicesOf(schema).map((alternatives) => alternatives.flat());
  return [...alone, ...either];
}

/** The whole catalogue, as shipped. */
export function catalogueSchema(): unknown {
  return catalogue;
}

const validators = new Map<string, Validator>();

/** The value with bigints and PyFloats as plain numbers (the validator knows no others). */
function plain(v: JsonValue): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}
const ERROR_TEXT: Record<string, string> = {
  type: "must be a string",
  minLength: "must not be empty",
  pattern: "must be a calendar date YYYY-MM-DD",
  format: "must be a calendar date YYYY-MM-DD",
};

type Check = (body: Record<string, unknown>) => boolean;
const fastChecks = new Map<string, Check | null>();
const FAST_KEYWORDS = new Set(["description", "type", "minLength", "pattern", "format"]);

/**
 * A quick yes/no for schemas that use only `required` and string properties with
 * `minLength`, `pattern` and `format: date` (all of ours): valid bodies need not go through
 * the general validator. Null when a schema uses anything else. A failing body always goes
 * to the validator, which names the problems; tests check both agree.
 */
function fastCheck(rule: TopicRule): Check | null {
  const schema = flatSchema(rule);
  const required = schema["required"] as string[];
  const props = Object.entries(schema["properties"] as Record<string, Record<string, unknown>>);
  const checks: ((v: unknown) => boolean)[] = [];
  const names: string[] = [];
  for (const [name, p] of props) {
    if (Object.keys(p).some((k) => !FAST_KEYWORDS.has(k)) || p["type"] !== "string") return null;
    if (p["format"] !== undefined && p["format"] !== "date") return null;
    const min = typeof p["minLength"] === "number" ? p["minLength"] : 0;
    const pattern = typeof p["pattern"] === "string" ? new RegExp(p["pattern"], "u") : undefined;
    const date = p["format"] === "date";
    names.push(name);
    checks.push((v) =>
      typeof v === "string" && (min <= 1 ? v.length >= min : [...v].length >= min) &&
      (!pattern || pattern.test(v)) &&
      (!date || isCalendarDate(v))
    );
  }
  const choices = choicesOf(schema);
  if (((schema["anyOf"] ?? []) as object[]).some((a) => Object.keys(a).join() !== "required")) {
    return null;
  }
  return (body) => {
    for (const r of required) if (!Object.hasOwn(body, r)) return false;
    for (const alternatives of choices) {
      if (!alternatives.some((names) => names.every((n) => Object.hasOwn(body, n)))) return false;
    }
    for (let i = 0; i < names.length; i++) {
      if (Object.hasOwn(body, names[i]!) && !checks[i]!(body[names[i]!])) return false;
    }
    return true;
  };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** RFC 3339 full-date: a real day of a real month (2024-02-29 yes, 2026-02-30 no). */
export function isCalendarDate(s: string): boolean {
  // Log files repeat the same few dates: remember the last answer.
  if (s === lastDate) return lastDateValid;
  const m = DATE.exec(s);
  let valid = false;
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
    valid = mo >= 1 && mo <= 12 && d >= 1 && d <= (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!);
  }
  lastDate = s;
  lastDateValid = valid;
  return valid;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
let lastDate = "";
let lastDateValid = false;

const KNOWN = RULES.filter((r) => !r.topic.endsWith(".*")).map((r) => r.topic);

/**
 * The listed topic that `topic` (one no entry covers) is likely a misspelling of: at most two
 * edits away in what follows `logging.stats.`, and at most one per five letters of it
 * (`combinehttplog.start`, `countme-update.command.sart`; not `merge.start`).
 */
export function misspeltTopic(topic: string): string | undefined {
  if (guesses.has(topic)) return guesses.get(topic);
  const guess = guessTopic(topic);
  // Bounded, as the rules' cache: a file of endless distinct topics must not grow memory.
  if (guesses.size < 4096) guesses.set(topic, guess);
  return guess;
}

const guesses = new Map<string, string | undefined>();

function guessTopic(topic: string): string | undefined {
  const tail = (t: string) => t.slice(ROOT.length + 1).toLowerCase();
  const given = tail(topic);
  const allowed = Math.min(2, Math.max(1, Math.floor(given.length / 5)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const known of KNOWN) {
    const distance = editDistance(given, tail(known));
    if (distance < bestDistance) [best, bestDistance] = [known, distance];
  }
  return bestDistance <= allowed ? best : undefined;
}

/**
 * Whether a topic is sent without a schema check: a logging.stats topic no entry covers, not
 * under logging.stats.sync and not a likely misspelling. Senders say so once per topic;
 * `validate` warns, and `validate --strict` refuses it.
 */
export function uncheckedTopic(topic: string): boolean {
  return ruleFor(topic) === "unknown" && unknownTopicProblem(topic) === undefined;
}

/** Why a topic no entry covers is refused, or undefined when it is sent unchecked. */
function unknownTopicProblem(topic: string): Problem | undefined {
  const guess = misspeltTopic(topic);
  const hint = guess ? `; did you mean "${guess}"?` : "";
  if (inSync(topic)) {
    return {
      field: "topic",
      message: `unknown sync event "${topic}"${hint} (known: ${SYNC_EVENTS.join(", ")})`,
    };
  }
  return guess ? { field: "topic", message: `unknown topic "${topic}"${hint}` } : undefined;
}

/**
 * Checks a body against its topic's schema; every problem, named `body.FIELD`. A topic no
 * entry covers is a problem under logging.stats.sync or when misspelt; otherwise it has no
 * schema to check (see {@link uncheckedTopic}).
 */
export function checkBody(topic: string, body: JsonObject): Problem[] {
  const rule = ruleFor(topic);
  if (rule === undefined) return [];
  if (rule === "unknown") {
    const problem = unknownTopicProblem(topic);
    return problem ? [problem] : [];
  }
  let fast = fastChecks.get(rule.topic);
  if (fast === undefined) fastChecks.set(rule.topic, fast = fastCheck(rule));
  if (fast?.(body)) return [];
  return validatorProblems(rule, topic, body);
}

/** The general validator's verdict, as problems named by field. */
export function validatorProblems(rule: TopicRule, topic: string, body: JsonObject): Problem[] {
  let validator = validators.get(rule.topic);
  if (!validator) {
    validator = new Validator(flatSchema(rule) as Schema, "2020-12", false);
    validators.set(rule.topic, validator);
  }
  const result = validator.validate(plain(body));
  if (result.valid) return [];
  const problems = new Map<string, Problem>();
  const choices = choicesOf(flatSchema(rule));
  const known = new Set(Object.keys(flatSchema(rule)["properties"] as object));
  const chosen = new Set(choices.flat(2));
  for (const e of result.errors) {
    if (e.keyword === "required" && chosen.has(/"([^"]+)"/.exec(e.error)?.[1] ?? "")) continue;
    if (e.keyword === "required") {
      const field = /"([^"]+)"/.exec(e.error)?.[1] ?? "?";
      // A key the schema does not know that is close to the missing one: likely misspelt.
      const near = closest(field, Object.keys(body).filter((k) => !known.has(k)));
      const hint = near === undefined ? "" : ` (the body has "${near}": misspelt?)`;
      problems.set(field, { field: `body.${field}`, message: `is required for ${topic}${hint}` });
    } else if (ERROR_TEXT[e.keyword] && e.instanceLocation.startsWith("#/")) {
      const field = decodeURIComponent(e.instanceLocation.slice(2));
      if (!problems.has(field)) {
        problems.set(field, { field: `body.${field}`, message: ERROR_TEXT[e.keyword]! });
      }
    }
  }
  // A missing choice (reason or failure) is one problem, named by its first field.
  for (const alternatives of choices) {
    if (!alternatives.some((names) => names.every((n) => Object.hasOwn(body, n)))) {
      const [first, ...others] = alternatives.map((names) => names.join(" and "));
      problems.set(first!, {
        field: `body.${first}`,
        message: `is required for ${topic} (or ${others.map((o) => `body.${o}`).join(", or ")})`,
      });
    }
  }
  return [...problems.values()];
}
