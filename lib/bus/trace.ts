/**
 * The steps of a connection as they happen (DNS, TLS, AMQP login, channel, confirms, close),
 * each with its time, handed to a BusReporter's `step`: printed by `--verbose` / `BUSMSG_DEBUG=1`
 * (lib/delivery/console.ts), collected by `doctor`. Details never hold a secret: URLs are
 * redacted, keys and passwords are never looked at.
 */
import type { PeerCertificate } from "node:tls";

/** One step of a connection. */
export interface Step {
  name: "config" | "dns" | "tls" | "amqp" | "channel" | "publish" | "close";
  detail: string;
  /** How long the step took, when it is a timed step. */
  ms?: number;
}

/** Receives each step as it completes. */
export type Tracer = (step: Step) => void;

/** `name: detail (12.3 ms)`. */
export function formatStep(step: Step): string {
  return `${step.name}: ${step.detail}` + (step.ms === undefined ? "" : ` (${ms(step.ms)})`);
}

/** A duration in ms with one decimal. */
export function ms(duration: number): string {
  return `${duration.toFixed(1)} ms`;
}

const dn = (name: object | undefined) =>
  Object.entries(name ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");

/**
 * Adds hooks to amqplib's socket options that report DNS and the TLS handshake (without
 * changing them: the host name check is node:tls's own), and returns what reports the rest
 * once the connection is open. Loaded only when someone listens.
 */
export async function traceSteps(
  options: Record<string, unknown>,
  url: URL,
  trace: Tracer,
): Promise<{ opened(connection: unknown, user: () => Promise<string>): Promise<void> }> {
  const dns = await import("node:dns");
  const net = await import("node:net");
  const tls = await import("node:tls");
  let mark = performance.now();
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (net.isIP(host)) trace({ name: "dns", detail: `${host} is an address: no lookup` });
  options["lookup"] = (
    name: string,
    how: object,
    done: (err: Error | null, address: unknown, family?: number) => void,
  ) => {
    const started = performance.now();
    dns.lookup(name, how, (err: Error | null, address: unknown, family?: number) => {
      const list = Array.isArray(address)
        ? address.map((a: { address: string }) => a.address).join(", ")
        : String(address);
      trace({
        name: "dns",
        detail: err ? `${name}: ${err.message}` : `${name} is ${list}`,
        ms: performance.now() - started,
      });
      mark = performance.now();
      done(err, address, family);
    });
  };
  if (url.protocol === "amqps:") {
    options["checkServerIdentity"] = (name: string, cert: PeerCertificate) => {
      const wrong = tls.checkServerIdentity(name, cert);
      const expires = cert.valid_to ? new Date(cert.valid_to).toISOString().slice(0, 10) : "?";
      trace({
        name: "tls",
        detail: `TCP connected and handshake done; broker certificate ${dn(cert.subject)}, ` +
          `issued by ${dn(cert.issuer)}, expires ${expires}` +
          (wrong ? `; host name check failed: ${wrong.message}` : ""),
        ms: performance.now() - mark,
      });
      mark = performance.now();
      return wrong;
    };
  }
  return {
    async opened(connection, user) {
      const socket = (connection as {
        connection?: { stream?: { getProtocol?(): string; getCipher?(): { name: string } } };
      }).connection?.stream;
      const took = performance.now() - mark;
      if (socket?.getProtocol) {
        trace({
          name: "tls",
          detail: `${socket.getProtocol()}, cipher ${socket.getCipher?.().name}`,
        });
      }
      const mechanism = options["credentials"] ? "EXTERNAL" : "PLAIN";
      const vhost = decodeURIComponent(url.pathname.slice(1)) || "/";
      trace({
        name: "amqp",
        detail: `${url.protocol === "amqps:" ? "" : "TCP connected; "}SASL ${mechanism} as ` +
          `${await user()}, vhost "${vhost}" open`,
        ms: took,
      });
    },
  };
}
