/**
 * The Deno-native floor of one TLS publish, for scripts/bench: the least any Deno program pays
 * to do what `busmsg sync-event --conf <TLS config>` does. Deno's own TLS with the client
 * certificate, AMQP 0-9-1 by hand (SASL EXTERNAL, a confirm channel), one persistent JSON
 * message to amq.topic, its ack awaited, the connection closed. No library, no Node
 * compatibility, no checks: a floor, not a client.
 *
 *   deno run --allow-net --allow-read scripts/bench_native.ts HOST PORT VHOST CA CERT KEY TOPIC
 * @module
 */

const [host, port, vhost, ca, cert, key, topic] = Deno.args as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const enc = new TextEncoder();

const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
};
const num = (bytes: number, n: number | bigint) => {
  const b = new Uint8Array(bytes);
  const v = new DataView(b.buffer);
  if (bytes === 1) v.setUint8(0, Number(n));
  else if (bytes === 2) v.setUint16(0, Number(n));
  else if (bytes === 4) v.setUint32(0, Number(n));
  else v.setBigUint64(0, BigInt(n));
  return b;
};
const short = (s: string) => cat(num(1, enc.encode(s).length), enc.encode(s));
const long = (s: string) => cat(num(4, enc.encode(s).length), enc.encode(s));
const frame = (type: number, channel: number, payload: Uint8Array) =>
  cat(num(1, type), num(2, channel), num(4, payload.length), payload, num(1, 0xce));
const method = (channel: number, cls: number, id: number, ...args: Uint8Array[]) =>
  frame(1, channel, cat(num(2, cls), num(2, id), ...args));

const conn = await Deno.connectTls({
  hostname: host,
  port: Number(port),
  caCerts: [await Deno.readTextFile(ca)],
  cert: await Deno.readTextFile(cert),
  key: await Deno.readTextFile(key),
});
let buffered = new Uint8Array(0);
/** The next method frame's class, id and arguments (other frames are skipped). */
async function next(): Promise<[number, number, DataView]> {
  for (;;) {
    if (buffered.length >= 7) {
      const size = new DataView(buffered.buffer, buffered.byteOffset).getUint32(3);
      if (buffered.length >= size + 8) {
        const payload = buffered.subarray(7, 7 + size);
        const type = buffered[0];
        buffered = buffered.subarray(size + 8);
        const v = new DataView(payload.buffer, payload.byteOffset, payload.length);
        if (type === 1) return [v.getUint16(0), v.getUint16(2), v];
        continue;
      }
    }
    const chunk = new Uint8Array(65536);
    const n = await conn.read(chunk);
    if (n === null) throw new Error("the broker closed the connection");
    buffered = cat(buffered, chunk.subarray(0, n));
  }
}
async function expect(cls: number, id: number): Promise<DataView> {
  const [c, i, v] = await next();
  if (c !== cls || i !== id) throw new Error(`expected ${cls}.${id}, got ${c}.${i}`);
  return v;
}
const write = async (bytes: Uint8Array) => {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
};

await write(enc.encode("AMQP\x00\x00\x09\x01"));
await expect(10, 10);
await write(method(0, 10, 11, num(4, 0), short("EXTERNAL"), long(""), short("en_US")));
const tune = await expect(10, 30);
await write(method(0, 10, 31, num(2, tune.getUint16(4)), num(4, tune.getUint32(6)), num(2, 0)));
await write(method(0, 10, 40, short(vhost), short(""), num(1, 0)));
await expect(10, 41);
await write(method(1, 20, 10, short("")));
await expect(20, 11);
await write(method(1, 85, 10, num(1, 0)));
await expect(85, 11);
const body = enc.encode(JSON.stringify({ host: "log01", run_id: "bench", synced_host: "p01" }));
// Properties: content type, headers (empty), delivery mode 2, message id.
const props = cat(
  num(2, (1 << 15) | (1 << 13) | (1 << 12) | (1 << 7)),
  short("application/json"),
  num(4, 0),
  num(1, 2),
  short(crypto.randomUUID()),
);
await write(cat(
  method(1, 60, 40, num(2, 0), short("amq.topic"), short(topic), num(1, 0)),
  frame(2, 1, cat(num(2, 60), num(2, 0), num(8, body.length), props)),
  frame(3, 1, body),
));
await expect(60, 80);
await write(method(0, 10, 50, num(2, 200), short(""), num(2, 0), num(2, 0)));
await expect(10, 51);
conn.close();
