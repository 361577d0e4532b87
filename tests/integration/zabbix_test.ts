/**
 * The Zabbix template in a real, private Zabbix 6.0 (PostgreSQL, zabbix_server, zabbix_agentd,
 * the frontend's API under `php -S`): imported through the API, linked to a host with an agent
 * interface, fed by `busmsg status --update` from recorded nights with a lost proxy-date. Then,
 * through the API: the items get values, discovery creates that proxy's items, a problem names
 * the proxy, and it clears once the file says all is well. Last, nights with a log date no run
 * tried, an unverified one and a failed merge: every proxy they hit counts them, and a problem
 * names each.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { busmsg, ROOT } from "../support/run.ts";
import { gapNights, type Night, PROXIES, sixNights, writeDayFiles } from "../support/nights.ts";
import { PrivateZabbix, zabbixMissing } from "../support/zabbix.ts";

const missing = zabbixMissing();
if (missing) console.log(`zabbix: the real-Zabbix test is skipped: ${missing}`);

const TEMPLATE = `${ROOT}zabbix/zabbix_template_busmsg.yaml`;
const LOST = "proxy04.fedoraproject.org";

/** Writes day files for `nights` and the status file from them, as root's timer does. */
async function statusFrom(dir: string, nights: Night[], file: string): Promise<void> {
  await Deno.remove(`${dir}/log`, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${dir}/log`);
  await writeDayFiles(`${dir}/log`, nights);
  const run = await busmsg([
    "status",
    "--update",
    "--file",
    file,
    "--log-dir",
    `${dir}/log`,
    "--since",
    "3650d",
    "--spool-dir",
    `${dir}/spool`,
    "--publisher-conf",
    `${dir}/none.toml`,
    "--recorder-conf",
    `${dir}/none.toml`,
    "--queue-name",
    "",
  ]);
  assertEquals(run.code, 0, run.stderr);
}

interface Item {
  key_: string;
  lastvalue: string;
  lastclock: string;
}

Deno.test({
  name:
    "zabbix: the template in a real Zabbix 6.0: items, discovery of the lost proxy, a problem naming it, cleared when all is well; untried, unverified and unmerged dates per proxy",
  ignore: missing !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const started = performance.now();
    const scratch = await Deno.makeTempDir({ prefix: "busmsg-zabbix-status-" });
    await Deno.chmod(scratch, 0o755);
    const file = `${scratch}/status.json`;
    await statusFrom(scratch, sixNights(), file);
    const z = await PrivateZabbix.start().catch(async (e) => {
      await Deno.remove(scratch, { recursive: true }).catch(() => {});
      throw e;
    });
    try {
      const up = performance.now();
      await z.call("configuration.import", {
        format: "yaml",
        rules: {
          groups: { createMissing: true },
          templates: { createMissing: true, updateExisting: true },
          items: { createMissing: true, updateExisting: true },
          discoveryRules: { createMissing: true, updateExisting: true },
          triggers: { createMissing: true, updateExisting: true },
        },
        source: await Deno.readTextFile(TEMPLATE),
      });
      const [template] = await z.call("template.get", {
        filter: { host: "busmsg by Zabbix agent" },
        output: ["templateid"],
      }) as { templateid: string }[];
      assert(template, "the template was imported");
      const { groupids: [groupid] } = await z.call("hostgroup.create", {
        name: "busmsg tests",
      }) as { groupids: string[] };
      const { hostids: [hostid] } = await z.call("host.create", {
        host: "busmsg-test",
        interfaces: [{
          type: 1,
          main: 1,
          useip: 1,
          ip: "127.0.0.1",
          dns: "",
          port: String(z.agentPort),
        }],
        groups: [{ groupid }],
        templates: [{ templateid: template.templateid }],
        macros: [
          { macro: "{$BUSMSG.STATUS.FILE}", value: file },
          { macro: "{$BUSMSG.INTERVAL}", value: "5s" },
        ],
      }) as { hostids: string[] };
      await z.reload();

      const items = async () =>
        await z.call("item.get", {
          hostids: hostid,
          output: ["key_", "lastvalue", "lastclock"],
        }) as Item[];
      const value = (list: Item[], key: string) => list.find((i) => i.key_ === key);
      // The master item and its dependent items get values.
      const first = await z.until("the items' first values", 60_000, async () => {
        const list = await items();
        const lost = value(list, "busmsg.coverage.lost");
        const time = value(list, "vfs.file.time[{$BUSMSG.STATUS.FILE},modify]");
        return lost && lost.lastclock !== "0" && time && time.lastclock !== "0" ? list : undefined;
      });
      assertEquals(value(first, "busmsg.coverage.lost")?.lastvalue, "1");
      assertEquals(value(first, "busmsg.code")?.lastvalue, "2");
      assertEquals(value(first, "busmsg.spool.oldest")?.lastvalue, "0");
      const modified = Number(
        value(first, "vfs.file.time[{$BUSMSG.STATUS.FILE},modify]")?.lastvalue,
      );
      assertEquals(modified, Math.floor((await Deno.stat(file)).mtime!.getTime() / 1000));
      // Discovery creates the lost proxy's items, and they get values.
      const lostKey = `busmsg.proxy.lost[${LOST}]`;
      const discovered = await z.until("the discovered proxy's items", 90_000, async () => {
        await z.reload();
        const list = await items();
        const lost = value(list, lostKey);
        return lost && lost.lastclock !== "0" ? list : undefined;
      });
      assertEquals(value(discovered, lostKey)?.lastvalue, "1");
      assertEquals(
        value(discovered, "busmsg.proxy.pending[proxy06.fedoraproject.org]")?.lastvalue,
        "1",
      );
      // Its other pending date's merge has run without it: counted where 0 raises a problem.
      assertEquals(
        value(discovered, "busmsg.proxy.unmerged[proxy06.fedoraproject.org]")?.lastvalue,
        "1",
      );
      assertEquals(
        value(discovered, "busmsg.proxy.late[proxy05.fedoraproject.org]")?.lastvalue,
        "1",
      );
      // A problem is raised, and its name names the proxy.
      const problems = () =>
        z.call("problem.get", { hostids: hostid, output: ["name", "eventid"] }) as Promise<
          { name: string; eventid: string }[]
        >;
      const raised = await z.until("a problem naming the lost proxy", 60_000, async () => {
        const found = (await problems()).find((p) => p.name.includes(LOST));
        return found;
      });
      assertIncludes(raised.name, `busmsg: ${LOST}: 1 log dates lost`);
      const raisedAt = performance.now();

      // All is well: every date fetched. The problem clears.
      await statusFrom(scratch, goodNights(), file);
      await z.until("the problem cleared", 60_000, async () => {
        const open = (await problems()).filter((p) => p.name.includes(`${LOST}: `));
        return open.length === 0 ? true : undefined;
      });
      const list = await items();
      assertEquals(value(list, "busmsg.coverage.lost")?.lastvalue, "0");
      assertEquals(value(list, "busmsg.code")?.lastvalue, "0");

      // Nothing lost, late or missing, yet dates not in DNF Counting: each proxy counts them.
      await statusFrom(scratch, gapNights(), file);
      const [a, b] = [PROXIES[0]!, PROXIES[1]!];
      const gaps = await z.until(
        "the untried, unverified and unmerged counts",
        60_000,
        async () => {
          const list = await items();
          return value(list, `busmsg.proxy.untried[${b}]`)?.lastvalue === "1" ? list : undefined;
        },
      );
      for (const [proxy, unverified] of [[a, "1"], [b, "0"]]) {
        assertEquals(value(gaps, `busmsg.proxy.untried[${proxy}]`)?.lastvalue, "1", proxy);
        assertEquals(value(gaps, `busmsg.proxy.unverified[${proxy}]`)?.lastvalue, unverified);
        assertEquals(value(gaps, `busmsg.proxy.unmerged[${proxy}]`)?.lastvalue, "3", proxy);
        assertEquals(value(gaps, `busmsg.proxy.lost[${proxy}]`)?.lastvalue, "0", proxy);
      }
      const named = await z.until(
        "problems naming the untried and unverified dates",
        60_000,
        async () => {
          const names = (await problems()).map((p) => p.name);
          const want = [
            `busmsg: ${a}: 1 log dates no run tried`,
            `busmsg: ${b}: 1 log dates no run tried`,
            `busmsg: ${a}: 1 log dates unverified`,
            `busmsg: ${b}: 3 log dates fetched but left out of DNF Counting`,
          ];
          return want.every((w) => names.some((n) => n.startsWith(w))) ? names : undefined;
        },
      );
      assert(!named.some((n) => n.startsWith(`busmsg: ${b}: 1 log dates unverified`)));
      console.log(
        `zabbix: up in ${((up - started) / 1000).toFixed(1)} s, problem raised after ${
          ((raisedAt - up) / 1000).toFixed(1)
        } s, cleared after ${((performance.now() - raisedAt) / 1000).toFixed(1)} s`,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await z.logs()}`);
    } finally {
      await z.stop();
      await Deno.remove(scratch, { recursive: true }).catch(() => {});
      console.log(
        `zabbix: the whole test took ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  },
});

/** Nights where every date is fetched. */
function goodNights(): Night[] {
  return sixNights().slice(0, 2).map((n) => ({ ...n, fails: {} }));
}
