/** Seeded fuzzing of dump lines: whatever the input, a problem list or a message, never a throw. */
import { assert, assertEquals, assertNotIncludes } from "../../support/assert.ts";
import { parseAndCheck } from "../../../lib/message/lines.ts";
import { busmsg } from "../../support/run.ts";

const SEEDS = [
  `{"body": {"test_key1": "test_value1"}, "headers": {"fedora_messaging_schema": "base.message", "fedora_messaging_severity": 20, "sent-at": "2021-07-21T12:23:12+00:00"}, "id": "6f4dfec9-80d7-49e6-80e0-f2357b63422c", "queue": "q", "topic": "test"}`,
  `{"topic": "logging.stats.sync.host.logdate.fail.final", "body": {"host": "h", "run_id": "r", "synced_host": "p", "log_date": "2026-11-27", "reason": "x"}, "priority": 3}`,
  `{"topic": "a.b", "body": {"n": 1.5, "big": 123456789012345678901, "l": [1, {"x": null}], "t": true}, "headers": {"x": [1, "y"]}}`,
];
const ALPHABET = [
  '"',
  "{",
  "}",
  "[",
  "]",
  ":",
  ",",
  "\\",
  "0",
  "9",
  "-",
  ".",
  "e",
  "é",
  "😀",
  "\u0000",
  "\n",
  " ",
  "n",
  "t",
];
const VALUES = [
  "null",
  "1.0",
  "-0",
  "1e400",
  "[]",
  "{}",
  '"x"',
  "true",
  "99999999999999999999999",
  '"\\ud800"',
];

function mulberry32(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The same lines on every run: seed 20261128. */
export function mutatedLines(count: number, seed = 20261128): string[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = pick(SEEDS);
    for (let m = 1 + Math.floor(rand() * 4); m > 0; m--) {
      const at = Math.floor(rand() * s.length);
      switch (Math.floor(rand() * 5)) {
        case 0:
          s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 5));
          break;
        case 1:
          s = s.slice(0, at) + pick(ALPHABET) + s.slice(at);
          break;
        case 2: {
          // Replace the value after a colon with another JSON value.
          const colon = s.indexOf(": ", at);
          if (colon > 0) {
            const end = s.slice(colon + 2).search(/[,}]/);
            s = s.slice(0, colon + 2) + pick(VALUES) + s.slice(colon + 2 + Math.max(end, 0));
          }
          break;
        }
        case 3:
          s = s.slice(0, at) + s.slice(at, at + 12) + s.slice(at);
          break;
        default:
          s = s.replace(
            /"[a-z_-]+"/,
            '"' + pick(["topic", "body", "headers", "id", "priority", "queue", "sent-at"]) + '"',
          );
      }
    }
    lines.push(s.replaceAll("\n", " "));
  }
  return lines;
}

const defaults = () => ({
  sentAt: "2026-11-28T00:00:00+00:00",
  newId: () => crypto.randomUUID(),
  topicPrefix: "",
});

Deno.test("fuzz: 5,000 mutated dump lines never throw in the model", () => {
  const lines = mutatedLines(5000);
  let valid = 0;
  for (const line of lines) {
    const parsed = parseAndCheck(line, defaults());
    if (parsed.message) valid++;
    else assert(parsed.problems.length > 0, `a bad line has problems: ${line}`);
  }
  // The mutations must produce both kinds, or the test exercises nothing.
  assert(valid > 50 && valid < 4950, `valid: ${valid}`);
});

Deno.test("fuzz: the same lines through the CLI end in exit 0 or 2 and plain lines, never a stack trace", async () => {
  const file = `${await Deno.makeTempDir()}/fuzz.jsonl`;
  await Deno.writeTextFile(file, mutatedLines(5000).join("\n") + "\n");
  for (const args of [["validate", file], ["publish", "--dry-run", file]]) {
    const run = await busmsg(args);
    assertEquals(run.code, 2, run.stderr.slice(-500));
    assertNotIncludes(run.stderr, "    at ");
    assertNotIncludes(run.stderr, "Uncaught");
    for (const line of run.stderr.trim().split("\n")) assert(line.startsWith("busmsg: "), line);
  }
  const bytes = new Uint8Array(200_000).map((_, i) => (i * 2654435761) % 251);
  const raw = `${await Deno.makeTempDir()}/raw.bin`;
  await Deno.writeFile(raw, bytes);
  const run = await busmsg(["validate", raw]);
  assertEquals(run.code, 2);
  assertNotIncludes(run.stderr, "    at ");
});
