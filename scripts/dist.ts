/**
 * Part of `deno task dist` (scripts/dist): writes OUTDIR/man/busmsg.1 and OUTDIR/completions/
 * (bash, zsh, fish) from the command table and the commands' --help texts, and OUTDIR/systemd/
 * from the units of systemd/ (or $BUSMSG_UNITS_DIR), running /usr/bin/busmsg, with its
 * sysusers.d/busmsg.conf and tmpfiles.d/busmsg.conf.
 *
 *   deno run --allow-read --allow-write --allow-env --allow-run=git scripts/dist.ts OUTDIR
 */
import { COMMANDS, HELP } from "../main.ts";
import { SHARED_OPTIONS } from "../lib/cli/option_table.ts";
import { VERSION } from "../lib/version.ts";
import { allRules, SYNC_EVENTS } from "../lib/message/schemas.ts";
import { SEVERITIES, SEVERITY_LEVELS } from "../lib/message/message.ts";
import { eventOptions, OPTIONS as SYNC_EVENT_OPTIONS } from "../lib/commands/sync_event.ts";
import { type Docs, exclusionsOf } from "../lib/cli/docs.ts";
import { bashCompletion, fishCompletion, zshCompletion } from "../lib/cli/completions.ts";
import { manPage } from "../lib/cli/man_page.ts";
import { copyUnits } from "./units.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const out = Deno.args[0] ?? `${ROOT}dist`;

/** The date the page shows: SOURCE_DATE_EPOCH, else the last commit's, else today. */
async function pageDate(): Promise<string> {
  const epoch = Deno.env.get("SOURCE_DATE_EPOCH");
  if (epoch) return new Date(Number(epoch) * 1000).toISOString().slice(0, 10);
  try {
    const git = await new Deno.Command("git", {
      args: ["-C", ROOT, "log", "-1", "--format=%cs"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const date = new TextDecoder().decode(git.stdout).trim();
    if (git.success && date) return date;
  } catch { /* no git: today */ }
  return new Date().toISOString().slice(0, 10);
}

const docs: Docs = {
  version: VERSION,
  date: await pageDate(),
  help: HELP,
  commands: await Promise.all(
    Object.entries(COMMANDS).map(async ([name, c]) => {
      const { HELP, OPTIONS } = await c.load();
      // sync-event's field options belong to some events only: completed only after those.
      const excludedAfter = name === "sync-event"
        ? {
          excludedAfter: exclusionsOf(
            Object.keys(SYNC_EVENT_OPTIONS).map((o) => `--${o}`),
            Object.fromEntries(SYNC_EVENTS.map((e) => [e, eventOptions(e)])),
          ),
        }
        : {};
      return { name, summary: c.summary, help: HELP, options: OPTIONS, ...excludedAfter };
    }),
  ),
  shared: SHARED_OPTIONS,
  values: {
    EVENT: SYNC_EVENTS,
    TOPIC: allRules().map((r) => r.topic).filter((t) => !t.endsWith("*")),
    LEVEL: [...Object.keys(SEVERITY_LEVELS), ...SEVERITIES.map(String)],
  },
};

const files: Record<string, string> = {
  "man/busmsg.1": manPage(docs),
  "completions/busmsg.bash": bashCompletion(docs),
  "completions/_busmsg": zshCompletion(docs),
  "completions/busmsg.fish": fishCompletion(docs),
};
for (const dir of ["man", "completions", "systemd"]) {
  await Deno.remove(`${out}/${dir}`, { recursive: true }).catch(() => {});
}
for (const [path, text] of Object.entries(files)) {
  await Deno.mkdir(`${out}/${path.replace(/\/[^/]*$/, "")}`, { recursive: true });
  await Deno.writeTextFile(`${out}/${path}`, text);
}
const units = await copyUnits(
  Deno.env.get("BUSMSG_UNITS_DIR") ?? `${ROOT}systemd`,
  `${out}/systemd`,
  "/usr/bin/busmsg",
);
// The recorder's user and the directories with their modes: sysusers.d and tmpfiles.d.
const confs: string[] = [];
for (const kind of ["sysusers.d", "tmpfiles.d"]) {
  const from = `${ROOT}systemd/${kind}/busmsg.conf`;
  try {
    const text = await Deno.readTextFile(from);
    await Deno.mkdir(`${out}/systemd/${kind}`, { recursive: true });
    await Deno.writeTextFile(`${out}/systemd/${kind}/busmsg.conf`, text);
    confs.push(`systemd/${kind}/busmsg.conf`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
console.error(
  `dist: ${
    [...Object.keys(files), ...units.map((u) => `systemd/${u}`), ...confs].join(", ")
  } in ${out}`,
);
