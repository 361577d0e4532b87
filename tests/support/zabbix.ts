/**
 * A private, real Zabbix 6.0 on loopback for one test: its own PostgreSQL cluster (initdb and
 * pg_ctl as postgres), zabbix_server and zabbix_agentd with their own conf, PID and log files,
 * and the frontend's API served by `php -S` from a scratch copy of the frontend. Every port is
 * free when picked; only the processes started here are stopped. See
 * /work/shared/spec/zabbix-private-server.md for the facts this follows.
 */

/** The newest PostgreSQL's programs (Debian 12: 15). */
const PG_BIN = (() => {
  try {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")].map((e) => Number(e.name))
      .filter((n) => n > 0).sort((a, b) => b - a);
    return `/usr/lib/postgresql/${versions[0] ?? 15}/bin`;
  } catch {
    return "/usr/lib/postgresql/15/bin";
  }
})();
const SCHEMA = "/usr/share/zabbix-server-pgsql";
const FRONTEND = "/usr/share/zabbix";
const NEEDED = [
  `${PG_BIN}/initdb`,
  `${PG_BIN}/pg_ctl`,
  "/usr/bin/psql",
  "/usr/sbin/zabbix_server",
  "/usr/sbin/zabbix_agentd",
  "/usr/bin/php",
  `${SCHEMA}/schema.sql.gz`,
  `${FRONTEND}/api_jsonrpc.php`,
];

/** Why a private Zabbix cannot run here, or undefined when it can. */
export function zabbixMissing(): string | undefined {
  if (Deno.uid() !== 0) return "not root (initdb runs as postgres through runuser)";
  for (const path of NEEDED) {
    try {
      Deno.statSync(path);
    } catch {
      return `${path} is missing (Debian: zabbix-server-pgsql zabbix-frontend-php zabbix-agent ` +
        "postgresql php8.2-cli php-pgsql; scripts/test installs them)";
    }
  }
  return undefined;
}

/** A port nobody listens on now, under 32768 (Zabbix takes no higher ListenPort). */
function freePort(): number {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch {
      // Taken: another.
    }
  }
}

async function run(cmd: string, args: string[], what: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${what} failed (exit ${out.code}): ${text}`);
  return text;
}

const asPostgres = (cmd: string, args: string[], what: string) =>
  run("runuser", ["-u", "postgres", "--", cmd, ...args], what);

async function waitFor<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const got = await probe();
      if (got !== undefined) return got;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `${what}: not within ${ms / 1000} s${last ? ` (${(last as Error).message})` : ""}`,
  );
}

/** A running private Zabbix. */
export class PrivateZabbix {
  #php?: Deno.ChildProcess;
  #token = "";
  #id = 0;
  readonly agentPort = freePort();
  readonly serverPort = freePort();
  readonly apiPort = freePort();
  readonly pgPort = freePort();

  private constructor(readonly dir: string) {}

  /** Starts PostgreSQL, the schema, the server, the agent and the API, then logs in. */
  static async start(): Promise<PrivateZabbix> {
    const dir = await Deno.makeTempDir({ prefix: "busmsg-zabbix-" });
    await Deno.chmod(dir, 0o755);
    const z = new PrivateZabbix(dir);
    try {
      await z.#database();
      await z.#daemons();
      await z.#frontend();
      const token = await z.call("user.login", { username: "Admin", password: "zabbix" });
      z.#token = token as string;
    } catch (e) {
      await z.stop();
      throw e;
    }
    return z;
  }

  async #database(): Promise<void> {
    const pg = `${this.dir}/pg`;
    await Deno.mkdir(pg);
    await run("chown", ["postgres:postgres", pg], "chown");
    await asPostgres(
      `${PG_BIN}/initdb`,
      ["-D", `${pg}/data`, "-A", "trust", "-U", "postgres"],
      "initdb",
    );
    await asPostgres(`${PG_BIN}/pg_ctl`, [
      "-D",
      `${pg}/data`,
      "-l",
      `${pg}/log`,
      "-w",
      "-o",
      `-p ${this.pgPort} -k ${pg} -c listen_addresses=127.0.0.1`,
      "start",
    ], "pg_ctl start");
    const psql = ["-h", "127.0.0.1", "-p", String(this.pgPort), "-q", "-v", "ON_ERROR_STOP=1"];
    await run("psql", [...psql, "-U", "postgres", "-c", "CREATE ROLE zabbix LOGIN"], "role");
    await run(
      "psql",
      [...psql, "-U", "postgres", "-c", "CREATE DATABASE zabbix OWNER zabbix"],
      "db",
    );
    for (const part of ["schema", "images", "data"]) {
      await run("sh", [
        "-c",
        `zcat ${SCHEMA}/${part}.sql.gz | psql ${psql.join(" ")} -U zabbix -d zabbix >/dev/null`,
      ], `loading ${part}.sql`);
    }
  }

  async #daemons(): Promise<void> {
    const d = this.dir;
    await Deno.writeTextFile(
      `${d}/server.conf`,
      [
        "ListenIP=127.0.0.1",
        `ListenPort=${this.serverPort}`,
        "DBHost=127.0.0.1",
        `DBPort=${this.pgPort}`,
        "DBName=zabbix",
        "DBUser=zabbix",
        `PidFile=${d}/server.pid`,
        `LogFile=${d}/server.log`,
        `SocketDir=${d}`,
        "AllowRoot=1",
        "CacheUpdateFrequency=5",
        "StartPollers=2",
        "StartPollersUnreachable=1",
        "StartPingers=0",
        "StartDiscoverers=0",
        "StartHTTPPollers=0",
        "StartTrappers=2",
        "Timeout=3",
      ].join("\n") + "\n",
    );
    await Deno.writeTextFile(
      `${d}/agent.conf`,
      [
        "ListenIP=127.0.0.1",
        `ListenPort=${this.agentPort}`,
        "Server=127.0.0.1",
        "Hostname=busmsg-test",
        `PidFile=${d}/agent.pid`,
        `LogFile=${d}/agent.log`,
        "AllowRoot=1",
        "StartAgents=2",
        "Timeout=3",
      ].join("\n") + "\n",
    );
    await run("/usr/sbin/zabbix_server", ["-c", `${d}/server.conf`], "zabbix_server");
    await run("/usr/sbin/zabbix_agentd", ["-c", `${d}/agent.conf`], "zabbix_agentd");
  }

  async #frontend(): Promise<void> {
    const web = `${this.dir}/web`;
    await run("cp", ["-rL", FRONTEND, web], "copying the frontend");
    const conf = `${this.dir}/zabbix.conf.php`;
    const cls = `${web}/include/classes/core/CConfigFile.php`;
    const text = await Deno.readTextFile(cls);
    const patched = text.replace(/'\/etc\/zabbix\/zabbix\.conf\.php'/, `'${conf}'`);
    if (patched === text) throw new Error(`${cls}: the config file constant was not found`);
    await Deno.writeTextFile(cls, patched);
    await Deno.writeTextFile(
      conf,
      `<?php
$DB['TYPE'] = 'POSTGRESQL';
$DB['SERVER'] = '127.0.0.1';
$DB['PORT'] = '${this.pgPort}';
$DB['DATABASE'] = 'zabbix';
$DB['USER'] = 'zabbix';
$DB['PASSWORD'] = '';
$DB['SCHEMA'] = '';
$DB['ENCRYPTION'] = false;
$DB['KEY_FILE'] = '';
$DB['CERT_FILE'] = '';
$DB['CA_FILE'] = '';
$DB['VERIFY_HOST'] = false;
$DB['CIPHER_LIST'] = '';
$DB['VAULT_URL'] = '';
$DB['VAULT_DB_PATH'] = '';
$DB['VAULT_TOKEN'] = '';
$DB['DOUBLE_IEEE754'] = true;
$ZBX_SERVER = '127.0.0.1';
$ZBX_SERVER_PORT = '${this.serverPort}';
$ZBX_SERVER_NAME = 'busmsg-test';
$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
`,
    );
    this.#php = new Deno.Command("php", {
      args: ["-S", `127.0.0.1:${this.apiPort}`, "-t", web],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitFor("the API answering", 30_000, async () => {
      const v = await this.call("apiinfo.version", {}, false);
      return typeof v === "string" ? v : undefined;
    });
  }

  /** One API call; its result, or an error with the API's message. */
  async call(method: string, params: unknown, auth = true): Promise<unknown> {
    const body: Record<string, unknown> = { jsonrpc: "2.0", method, params, id: ++this.#id };
    if (auth && this.#token) body["auth"] = this.#token;
    const res = await fetch(`http://127.0.0.1:${this.apiPort}/api_jsonrpc.php`, {
      method: "POST",
      headers: { "content-type": "application/json-rpc" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const json = await res.json();
    if (json.error) {
      throw new Error(`${method}: ${json.error.message} ${json.error.data ?? ""}`);
    }
    return json.result;
  }

  /** Makes the server read its configuration now (a new host, new items). */
  async reload(): Promise<void> {
    await run("/usr/sbin/zabbix_server", [
      "-c",
      `${this.dir}/server.conf`,
      "-R",
      "config_cache_reload",
    ], "config_cache_reload");
  }

  /** Waits until `probe` gives a value. */
  until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
    return waitFor(what, ms, probe);
  }

  /** Stops what was started here (by PID), and removes the scratch directory. */
  async stop(): Promise<void> {
    try {
      this.#php?.kill("SIGTERM");
      await this.#php?.status;
    } catch {
      // Already gone.
    }
    for (const name of ["agent", "server"]) {
      try {
        const pid = Number((await Deno.readTextFile(`${this.dir}/${name}.pid`)).trim());
        if (pid > 1) {
          Deno.kill(pid, "SIGTERM");
          // Gone once a signal can no longer reach it.
          const gone = () => {
            try {
              Deno.kill(pid, "SIGCONT");
              return undefined;
            } catch {
              return true;
            }
          };
          await waitFor(`${name} ending`, 15_000, () => Promise.resolve(gone())).catch(() => {});
        }
      } catch {
        // Never started.
      }
    }
    await asPostgres(`${PG_BIN}/pg_ctl`, ["-D", `${this.dir}/pg/data`, "-m", "fast", "stop"], "pg")
      .catch(() => {});
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  /** The logs, for a failed test's message. */
  async logs(): Promise<string> {
    const tail = async (f: string) =>
      (await Deno.readTextFile(`${this.dir}/${f}`).catch(() => "")).split("\n").slice(-15).join(
        "\n",
      );
    return `--- server.log\n${await tail("server.log")}\n--- agent.log\n${await tail("agent.log")}`;
  }
}
