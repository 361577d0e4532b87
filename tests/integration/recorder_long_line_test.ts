/**
 * The recorder and `report` share one line limit (1 MiB): a `fail.final` whose failure text is
 * megabytes long is recorded as a line report reads, its text cut with a note, so its date is
 * FAILED (CRITICAL), never "fetched" because report skipped the line.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { PLAIN_URL, rabbitmqctl, tlsConfig } from "../support/broker.ts";
import { busmsg } from "../support/run.ts";
import { linesOf, recorderInBackground } from "../support/listener.ts";
import { PREFIX } from "../support/example_sandbox.ts";
import amqp from "amqplib";
import { Buffer } from "node:buffer";

const enc = new TextEncoder();

/** Published with amqplib, which splits a large body into frames as any client does. */
async function event(topic: string, extra: Record<string, string>, id: string, at: string) {
  const conn = await amqp.connect(PLAIN_URL);
  try {
    const ch = await conn.createConfirmChannel();
    const body = JSON.stringify({ host: "log01", run_id: "r-long", ...extra });
    ch.publish("amq.topic", `${PREFIX}.logging.stats.sync.${topic}`, Buffer.from(body), {
      messageId: id,
      contentType: "application/json",
      headers: { fedora_messaging_schema: "base.message", "sent-at": at },
    });
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
}

Deno.test("recorder: a fail.final with a 2 MiB reason is recorded within the line limit and report counts it FAILED", async () => {
  const dir = await Deno.makeTempDir({ prefix: "busmsg-long-" });
  const queue = `busmsg-test-long-${crypto.randomUUID().slice(0, 8)}`;
  const consumer = await tlsConfig("consumer", [`topic_prefix = "${PREFIX}"`]);
  const file = `${dir}/sync.jsonl`;
  const recorder = await recorderInBackground(consumer, queue, file);
  try {
    const D = { synced_host: "p1.example.org", log_date: "2026-12-05" };
    const reason = "Error code: 23 " + "x".repeat(2 * 1024 * 1024);
    await event("start", {}, "1", "2026-12-06T03:00:00+00:00");
    await event("host.start", { synced_host: D.synced_host }, "2", "2026-12-06T03:00:01+00:00");
    await event("host.logdate.start", D, "3", "2026-12-06T03:00:02+00:00");
    await event("host.logdate.fail.final", { ...D, reason }, "4", "2026-12-06T03:00:03+00:00");
    await event("host.logdate.finish", D, "5", "2026-12-06T03:00:04+00:00");
    await event("host.finish", { synced_host: D.synced_host }, "6", "2026-12-06T03:00:05+00:00");
    await event("finish", {}, "7", "2026-12-06T03:00:06+00:00");
    const lines = await linesOf(file, 7, 30_000);
    recorder.child.kill("SIGTERM");
    const got = await recorder.done();
    assertEquals(got.code, 0, got.stderr);
    assertEquals(lines.length, 7, got.stderr);
    const long = lines[3]!;
    assert(enc.encode(long).length <= 1024 * 1024, `${enc.encode(long).length} bytes`);
    const parsed = JSON.parse(long);
    assert(parsed.body.reason.startsWith("Error code: 23 xxx"));
    assert(parsed.body.reason.endsWith(" [cut]"));
    assertEquals(parsed.header_notes, {
      "body.reason": `string of ${reason.length} bytes cut to fit a line of 1048576 bytes`,
    });
    const report = await busmsg(["report", "--nagios", file]);
    assertEquals(report.stderr, "");
    assertEquals(report.code, 2, report.stdout.slice(0, 300));
    assertIncludes(report.stdout.split("\n")[0]!, "SYNC CRITICAL - 1 date failed: p1.example.org");
  } finally {
    try {
      recorder.child.kill("SIGTERM");
    } catch { /* ended already */ }
    for (const q of [queue, `${queue}.dead-letters`]) {
      await rabbitmqctl("delete_queue", "-p", "/pubsub", q).catch(() => {});
    }
    await Deno.remove(dir, { recursive: true });
  }
});
