import { assertEquals } from "../../support/assert.ts";
import { fqdnFromHosts } from "../../../lib/message/host.ts";

Deno.test("host: the FQDN comes from the kernel name or /etc/hosts, like hostname --fqdn", () => {
  const hosts =
    "127.0.0.1 localhost\n# 10.0.0.9 log01.wrong.org log01\n10.3.163.74 log01.iad2.fedoraproject.org log01\n";
  assertEquals(fqdnFromHosts("log01", hosts), "log01.iad2.fedoraproject.org");
  assertEquals(fqdnFromHosts("proxy01.fedoraproject.org", hosts), "proxy01.fedoraproject.org");
  assertEquals(fqdnFromHosts("other", hosts), "other");
});
