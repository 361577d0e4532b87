/** A sandbox for the shell examples: the real entry point as `busmsg`, stub rsync and resolver. */
import { tlsConfig } from "./broker.ts";
import { ENTRY, ROOT } from "./run.ts";

export const PREFIX = "org.fedoraproject.prod";

/** A directory with `busmsg` (the real entry point, binary's flags), stub rsync and resolver. */
export async function sandbox(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-example-" });
  const write = async (name: string, text: string) => {
    await Deno.writeTextFile(`${dir}/bin/${name}`, text);
    await Deno.chmod(`${dir}/bin/${name}`, 0o755);
  };
  await Deno.mkdir(`${dir}/bin`);
  await Deno.mkdir(`${dir}/state`);
  await write(
    "busmsg",
    `#!/bin/sh\nexec ${ENTRY.map((w) => `'${w}'`).join(" ")} "$@"\n`,
  );
  // good: always works; flaky: fails once per date, then works; bad: always fails (exit 23).
  await write(
    "rsync",
    `#!/bin/sh
src=$2; host=\${src%%::*}; date=$(basename "$src")
case $host in
  good.*) exit 0 ;;
  flaky.*) if [ -e "${dir}/state/$host-$date" ]; then exit 0; fi; touch "${dir}/state/$host-$date"; exit 12 ;;
  *) exit 23 ;;
esac
`,
  );
  await write("resolve", `#!/bin/sh\n[ "$1" != "unknown.example.org" ]\n`);
  const conf = await tlsConfig("logging", [`topic_prefix = "${PREFIX}"`]);
  return {
    dir,
    env: {
      PATH: `${dir}/bin:/usr/bin:/bin`,
      FEDORA_MESSAGING_CONF: conf,
      BUSMSG_SPOOL_DIR: `${dir}/spool`,
      NO_COLOR: "1",
    },
  };
}

/** Runs a bash script; its exit code and stderr. */
export async function bash(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command("bash", {
    args: ["-c", script],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

/** Runs the example sync over good, flaky, bad and unknown proxies (36 events), TODAY=2026-11-28. */
export function runExampleSync(dir: string, env: Record<string, string>) {
  return bash(
    `${ROOT}scripts/examples/sync_logs_example.sh good.example.org flaky.example.org bad.example.org unknown.example.org`,
    {
      ...env,
      BUSMSG: "busmsg",
      RSYNC: "rsync",
      RESOLVE: "resolve",
      DEST: `${dir}/logs`,
      TODAY: "2026-11-28",
    },
  );
}
