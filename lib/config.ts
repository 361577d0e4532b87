/**
 * fedora-messaging's `config.toml`: where it is found, what busmsg reads from it, and how
 * flags and environment override it. Parsing is pure; only `loadConfig` reads a file.
 */
import { parseDuration } from "./text/duration.ts";
import { parse as parseToml, TomlError } from "smol-toml";
import { ioReason, UsageError } from "./errors.ts";
import { closest } from "./text/suggest.ts";
import { controlIn } from "./text/printable.ts";

/** The settings a broker command runs with. */
export interface Config {
  /** The file the settings came from, or null when none was found (defaults). */
  path: string | null;
  amqpUrl: string;
  exchange: string;
  topicPrefix: string;
  priority: number | undefined;
  tls: { caCert?: string; certfile?: string; keyfile?: string };
  app: string;
  /** fedora-messaging's `passive_declares`: queues must exist already; none is declared. */
  passiveDeclares: boolean;
  /** Bound on every network step together, in milliseconds. */
  timeoutMs: number;
  /** Warn when the client certificate expires within this many days (0: never). */
  expiryWarnDays: number;
  /** pika's URL parameters that were given but have no use here (each is warned about). */
  unusedUrlParameters: string[];
  /** A consumer's `[[bindings]]` (what `listen` binds when given no binding). */
  bindings: ConfigBinding[];
  /** A consumer's `[queues.NAME]` (how `listen --queue-name NAME` declares it). */
  queues: Record<string, ConfigQueue>;
}

/** One `[[bindings]]` entry of a consumer config. */
export interface ConfigBinding {
  queue?: string;
  exchange: string;
  routingKeys: string[];
}

/** One `[queues.NAME]` table of a consumer config. */
export interface ConfigQueue {
  durable?: boolean;
  autoDelete?: boolean;
  exclusive?: boolean;
  arguments?: Record<string, string | number | boolean>;
}

/** Command-line overrides (flags beat environment, which beats the file). */
export interface Overrides {
  conf?: string | undefined;
  url?: string | undefined;
  exchange?: string | undefined;
  topicPrefix?: string | undefined;
  timeout?: string | undefined;
}

const DEFAULT_CONFIG_PATH = "/etc/fedora-messaging/config.toml";
const DEFAULT_TIMEOUT_S = 10;

const DEFAULTS: Omit<Config, "path"> = {
  amqpUrl: "amqp://",
  exchange: "amq.topic",
  topicPrefix: "",
  priority: undefined,
  tls: {},
  app: "Unknown",
  passiveDeclares: false,
  timeoutMs: DEFAULT_TIMEOUT_S * 1000,
  expiryWarnDays: 14,
  unusedUrlParameters: [],
  bindings: [],
  queues: {},
};

/** Every top-level key fedora-messaging accepts (its `config.DEFAULTS`), consumer ones included. */
const KNOWN_KEYS = [
  "amqp_url",
  "client_properties",
  "publish_exchange",
  "topic_prefix",
  "publish_priority",
  "passive_declares",
  "exchanges",
  "queues",
  "bindings",
  "qos",
  "callback",
  "monitoring",
  "consumer_config",
  "tls",
  "log_config",
];
const TLS_KEYS = ["ca_cert", "certfile", "keyfile"];

/** A typo in a key must not fall back to a default: refuse it, naming the valid keys. */
function refuseUnknown(
  path: string,
  table: Record<string, unknown>,
  known: string[],
  section = "",
) {
  for (const key of Object.keys(table)) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    throw new UsageError(
      `${path}: unknown configuration key "${section}${key}"` +
        (guess ? ` (did you mean "${section}${guess}"?)` : "") +
        `; valid keys${section ? ` in [${section.slice(0, -1)}]` : ""}: ${known.join(", ")}`,
    );
  }
}

function fail(path: string, field: string, message: string): never {
  throw new UsageError(`${path}: ${field}: ${message}`);
}

function optionalString(path: string, table: Record<string, unknown>, key: string, prefix = "") {
  const v = table[key];
  if (v !== undefined && typeof v !== "string") fail(path, prefix + key, "must be a string");
  return v as string | undefined;
}

/** Parses the text of a config file; errors name the file, line and key. */
export function parseConfig(text: string, path: string): Config {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      // Only the first line of the message: the rest quotes the file, which may hold a password.
      const reason = e.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
      throw new UsageError(`${path}:${e.line}: invalid TOML at column ${e.column}: ${reason}`);
    }
    throw e;
  }
  // Top-level keys are case-insensitive, as fedora-messaging reads them: two spellings of one
  // key would otherwise leave one silently unused.
  const spelled = new Map<string, string>();
  for (const key of Object.keys(doc)) {
    const first = spelled.get(key.toLowerCase());
    if (first !== undefined) {
      throw new UsageError(
        `${path}: duplicate key: "${first}" and "${key}" are the same key ` +
          "(top-level keys are case-insensitive); keep one",
      );
    }
    spelled.set(key.toLowerCase(), key);
  }
  doc = Object.fromEntries(Object.entries(doc).map(([k, v]) => [k.toLowerCase(), v]));
  refuseUnknown(path, doc, KNOWN_KEYS);
  const config: Config = { ...DEFAULTS, tls: {}, path };
  const url = optionalString(path, doc, "amqp_url");
  if (url !== undefined) {
    config.amqpUrl = checkUrl(url, `${path}: amqp_url`);
    config.unusedUrlParameters = unusedUrlParameters(url);
  }
  config.exchange = routingWord(
    optionalString(path, doc, "publish_exchange") ?? config.exchange,
    `${path}: publish_exchange`,
  );
  config.topicPrefix = routingWord(
    optionalString(path, doc, "topic_prefix") ?? config.topicPrefix,
    `${path}: topic_prefix`,
  );
  const priority = doc["publish_priority"];
  if (priority !== undefined) {
    if (
      typeof priority !== "number" || !Number.isInteger(priority) || priority < 0 || priority > 255
    ) {
      fail(path, "publish_priority", "must be an integer 0..255");
    }
    config.priority = priority;
  }
  const passive = doc["passive_declares"];
  if (passive !== undefined && typeof passive !== "boolean") {
    fail(path, "passive_declares", "must be true or false");
  }
  config.passiveDeclares = passive ?? false;
  for (const section of ["tls", "client_properties"] as const) {
    const t = doc[section];
    if (t !== undefined && (typeof t !== "object" || t === null || Array.isArray(t))) {
      fail(path, section, "must be a table");
    }
  }
  const tls = (doc["tls"] ?? {}) as Record<string, unknown>;
  refuseUnknown(path, tls, TLS_KEYS, "tls.");
  for (
    const [key, name] of [["ca_cert", "caCert"], ["certfile", "certfile"], [
      "keyfile",
      "keyfile",
    ]] as const
  ) {
    const v = optionalString(path, tls, key, "tls.");
    if (v) config.tls[name] = v;
  }
  const props = (doc["client_properties"] ?? {}) as Record<string, unknown>;
  config.app = optionalString(path, props, "app", "client_properties.") ?? config.app;
  config.bindings = parseBindings(path, doc["bindings"]);
  config.queues = parseQueues(path, doc["queues"]);
  return config;
}

const isTable = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** `[[bindings]]`: queue, exchange, routing_keys (as fedora-messaging's consume reads them). */
function parseBindings(path: string, v: unknown): ConfigBinding[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(path, "bindings", "must be an array of tables ([[bindings]])");
  return v.map((b, i) => {
    const where = `bindings[${i}]`;
    if (!isTable(b)) fail(path, where, "must be a table");
    refuseUnknown(path, b, ["queue", "exchange", "routing_keys"], `${where}.`);
    const keys = b["routing_keys"] ?? [];
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== "string")) {
      fail(path, `${where}.routing_keys`, "must be an array of strings");
    }
    const queue = optionalString(path, b, "queue", `${where}.`);
    return {
      ...(queue !== undefined ? { queue } : {}),
      exchange: optionalString(path, b, "exchange", `${where}.`) ?? "amq.topic",
      routingKeys: keys as string[],
    };
  });
}

/** `[queues.NAME]`: durable, auto_delete, exclusive, arguments. */
function parseQueues(path: string, v: unknown): Record<string, ConfigQueue> {
  if (v === undefined) return {};
  if (!isTable(v)) fail(path, "queues", "must be a table of tables ([queues.NAME])");
  const out: Record<string, ConfigQueue> = {};
  for (const [name, q] of Object.entries(v)) {
    const where = `queues.${name}`;
    if (!isTable(q)) fail(path, where, "must be a table");
    refuseUnknown(path, q, ["durable", "auto_delete", "exclusive", "arguments"], `${where}.`);
    const settings: ConfigQueue = {};
    for (
      const [key, as] of [["durable", "durable"], ["auto_delete", "autoDelete"], [
        "exclusive",
        "exclusive",
      ]] as const
    ) {
      const flag = q[key];
      if (flag === undefined) continue;
      if (typeof flag !== "boolean") fail(path, `${where}.${key}`, "must be true or false");
      settings[as] = flag;
    }
    const args = q["arguments"];
    if (args !== undefined) {
      if (!isTable(args)) fail(path, `${where}.arguments`, "must be a table");
      for (const [k, a] of Object.entries(args)) {
        if (!["string", "number", "boolean"].includes(typeof a)) {
          fail(path, `${where}.arguments.${k}`, "must be a string, number or boolean");
        }
      }
      settings.arguments = args as Record<string, string | number | boolean>;
    }
    out[name] = settings;
  }
  return out;
}

/** Checks an AMQP URL (scheme and syntax) and returns it; the message never shows a password. */
function checkUrl(url: string, where: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${where}: not a valid URL`);
  }
  if (parsed.protocol !== "amqp:" && parsed.protocol !== "amqps:") {
    throw new UsageError(`${where}: must start with amqp:// or amqps://, got ${parsed.protocol}//`);
  }
  // `amqps:/host` parses, as a path on no host: it would connect to localhost on the wrong port.
  if (!/^amqps?:\/\//i.test(url)) {
    throw new UsageError(`${where}: needs two slashes after the scheme (${parsed.protocol}//HOST)`);
  }
  const kept = new URLSearchParams();
  for (const [name, value] of parsed.searchParams) {
    const rule = QUERY[name];
    if (!rule) {
      throw new UsageError(
        `${where}: unknown query parameter "${name}" (known: ${Object.keys(QUERY).join(", ")})`,
      );
    }
    if (!rule.valid(value)) {
      throw new UsageError(
        `${where}: query parameter "${name}" must be ${rule.what}, got ${JSON.stringify(value)}`,
      );
    }
    if (rule.as !== null) kept.append(rule.as ?? name, value);
  }
  if (parsed.search === "") return url;
  // pika's names become amqplib's; pika-only settings (retries, socket timeouts) have no
  // meaning here: --timeout bounds every step. The URL amqplib sees holds only what it reads.
  const query = kept.toString();
  return url.slice(0, url.indexOf("?")) + (query ? `?${query}` : "");
}

/** The query parameters of `url` that busmsg accepts but does not use (pika-only ones). */
function unusedUrlParameters(url: string): string[] {
  try {
    return [...new URL(url).searchParams.keys()].filter((name) => QUERY[name]?.as === null);
  } catch {
    return [];
  }
}

const UINT = /^\d+$/;
const uintUpTo = (max: number) => (v: string) => UINT.test(v) && Number(v) <= max;
// A frame size is 0 (no limit) or at least AMQP's 4096 bytes (a broker refuses less).
const frameSize = (v: string) =>
  UINT.test(v) && (Number(v) === 0 || (Number(v) >= 4096 && Number(v) <= 0xffffffff));

const number = (min: number) => (v: string) => /^\d+(\.\d+)?$/.test(v) && Number(v) >= min;
const anything = () => true;
const FRAME = { valid: frameSize, what: "0 or an integer 4096..4294967295" };
const CHANNELS = { valid: uintUpTo(0xffff), what: "an integer 0..65535" };
const LOCALE = {
  valid: (v: string) => new TextEncoder().encode(v).length <= 255,
  what: "at most 255 bytes",
};

/**
 * The URL query parameters busmsg accepts, each with what it must look like: those amqplib reads
 * (its connect.js), and pika's (a fedora-messaging `amqp_url` may hold them). `as` is the amqplib
 * name a pika parameter becomes, or null for a pika setting busmsg has no use for.
 */
const QUERY: Record<string, { valid: (v: string) => boolean; what: string; as?: string | null }> = {
  channelMax: CHANNELS,
  frameMax: FRAME,
  heartbeat: { valid: uintUpTo(0xffff), what: "a number of seconds 0..65535" },
  locale: LOCALE,
  maxFrameSize: FRAME,
  channel_max: { ...CHANNELS, as: "channelMax" },
  frame_max: { ...FRAME, as: "frameMax" },
  connection_attempts: { valid: number(1), what: "a number from 1", as: null },
  retry_delay: { valid: number(0), what: "a number of seconds", as: null },
  socket_timeout: { valid: number(0), what: "a number of seconds", as: null },
  stack_timeout: { valid: number(0), what: "a number of seconds", as: null },
  blocked_connection_timeout: { valid: number(0), what: "a number of seconds", as: null },
  backpressure_detection: { valid: anything, what: "t or f", as: null },
  ssl_options: { valid: anything, what: "pika's SSL options", as: null },
  tcp_options: { valid: anything, what: "pika's TCP options", as: null },
  client_properties: { valid: anything, what: "pika's client properties", as: null },
};

/** An exchange or topic prefix: part of every routing key, so no control character (as topics). */
function routingWord(value: string, where: string): string {
  const control = controlIn(value);
  if (control) throw new UsageError(`${where}: contains the control character ${control}`);
  return value;
}

/** Where the settings came from, for connection errors: the file, or the defaults. */
export function configSource(config: Config): string {
  return config.path === null
    ? "config: built-in defaults: no config file found"
    : `config: ${config.path}`;
}

/** Settings that cannot be what was meant but are not errors: one line each. */
export function configWarnings(config: Config): string[] {
  const where = config.path ?? "config";
  const warnings = config.unusedUrlParameters.map((name) =>
    `warning: ${where}: amqp_url parameter "${name}" is pika's and not used by busmsg (--timeout bounds every step)`
  );
  const tls = config.tls.caCert ?? config.tls.certfile ?? config.tls.keyfile;
  if (tls !== undefined && /^amqp:/i.test(config.amqpUrl)) {
    warnings.push(`warning: ${where}: [tls] is not used with an amqp:// URL (amqps:// uses it)`);
  }
  return warnings;
}

/**
 * Parses a `--timeout`/`BUSMSG_TIMEOUT` duration into milliseconds: seconds (`6`, `0.5`) or with a
 * unit like every duration (`30s`, `2m`), from a millisecond to an hour.
 */
export function parseTimeout(text: string, where: string): number {
  let ms: number | undefined;
  try {
    ms = parseDuration(text.trim(), where);
  } catch {
    ms = undefined;
  }
  // Below a millisecond would round to "no time at all".
  if (ms === undefined || ms < 1 || ms > 3_600_000) {
    throw new UsageError(
      `${where}: must be a duration from 0.001 to 3600 seconds (e.g. 10, 0.5, 30s, 2m), got "${text}"`,
    );
  }
  return ms;
}

/** The URL with any password replaced by `***`, for messages and dry runs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.href;
  } catch {
    return "(unparsable URL)";
  }
}

/** Applies flags and environment on top of a config (flags win). */
export function applyOverrides(
  config: Config,
  o: Overrides,
  env: (name: string) => string | undefined,
): Config {
  const out: Config = { ...config, tls: { ...config.tls } };
  if (o.url !== undefined) {
    out.amqpUrl = checkUrl(o.url, "--url");
    out.unusedUrlParameters = unusedUrlParameters(o.url);
  }
  if (o.exchange !== undefined) out.exchange = routingWord(o.exchange, "--exchange");
  if (o.topicPrefix !== undefined) out.topicPrefix = routingWord(o.topicPrefix, "--topic-prefix");
  const envTimeout = env("BUSMSG_TIMEOUT");
  if (o.timeout !== undefined) out.timeoutMs = parseTimeout(o.timeout, "--timeout");
  else if (envTimeout) out.timeoutMs = parseTimeout(envTimeout, "BUSMSG_TIMEOUT");
  const warnDays = env("BUSMSG_EXPIRY_WARN_DAYS");
  if (warnDays) {
    if (!/^\d{1,5}$/.test(warnDays.trim())) {
      throw new UsageError(
        `BUSMSG_EXPIRY_WARN_DAYS: must be a whole number of days (0 turns the warning off), got "${warnDays}"`,
      );
    }
    out.expiryWarnDays = Number(warnDays);
  }
  return out;
}

/** Finds, reads and parses the config file, then applies overrides. */
export async function loadConfig(
  o: Overrides,
  env: (name: string) => string | undefined,
): Promise<Config> {
  if (o.conf === "") throw new UsageError("--conf: needs a path");
  // An empty variable is an unset one (`FEDORA_MESSAGING_CONF= busmsg ...`), as in Python.
  const explicit = o.conf ?? (env("FEDORA_MESSAGING_CONF") || undefined);
  const path = explicit ?? DEFAULT_CONFIG_PATH;
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    // A missing default file means defaults, as in fedora-messaging; a named one must exist.
    if (!(e instanceof Deno.errors.NotFound) || explicit !== undefined) {
      throw new UsageError(`${path}: cannot read config: ${ioReason(e)}`);
    }
  }
  const base = text === undefined ? { ...DEFAULTS, tls: {}, path: null } : parseConfig(text, path);
  return applyOverrides(base, o, env);
}
