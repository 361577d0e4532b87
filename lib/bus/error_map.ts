/**
 * What amqplib's and the socket's errors mean to busmsg: each text (and Node error code) mapped
 * to a DeliveryError with its exit code, whether it may pass (transient: the message is
 * spooled) and, for a problem of configuration, the fix. One table, the first rule that
 * matches wins; anything unforeseen is exit 1 but transient. Pure.
 */
import { DeliveryError, EXIT } from "../errors.ts";

/** An error's text on one line. */
export function errorText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/\s+/g, " ").trim();
}

/** One mapping: when it applies (the error's text and code), and the error it makes. */
interface Rule {
  when(text: string, code: unknown): boolean;
  then(where: string, text: string): DeliveryError;
}

const RULES: Rule[] = [
  {
    when: (text) => /ACCESS.REFUSED.*Login was refused|authentication mechanism/i.test(text),
    // Credentials an admin can fix; fedora-messaging leaves this unmapped (exit 1).
    then: (where, text) =>
      new DeliveryError(
        `${where}: login refused: ${text}`,
        EXIT.FAILURE,
        true,
        "the broker has no user for these credentials (under EXTERNAL: the client certificate's CN): " +
          "fix [tls] or amqp_url, or have the broker's admin add the user",
      ),
  },
  {
    when: (text) =>
      /access to (vhost|topic|exchange|queue)|vhost .* not found|NOT_ALLOWED/i.test(text),
    then: (where, text) =>
      new DeliveryError(`${where}: refused by the broker: ${text}`, EXIT.REFUSED, false),
  },
  {
    when: (text) => /Expected ConnectionOpenOk/.test(text),
    then: (where) => {
      const vhost = decodeURIComponent(where.replace(/^.*?\/\/[^/]*\/?/, "")) || "/";
      return new DeliveryError(
        `${where}: the broker refused to open vhost "${vhost}" (it does not exist or this user has no access)`,
        EXIT.REFUSED,
        false,
      );
    },
  },
  {
    // e.g. a message over the broker's max_message_size: sending it again cannot help.
    when: (text) => /PRECONDITION.FAILED/.test(text),
    then: (where, text) =>
      new DeliveryError(`${where}: refused by the broker: ${text}`, EXIT.REFUSED, false),
  },
  {
    when: (text) => /NOT_FOUND - no exchange/.test(text),
    then: (where, text) => new DeliveryError(`${where}: ${text}`, EXIT.CONNECT, false),
  },
  {
    when: (text) => /certificate|handshake|tls|ssl|alert|UnknownIssuer|NotValidForName/i.test(text),
    then: (where, text) =>
      new DeliveryError(`${where}: TLS failed: ${text}`, EXIT.CONNECT, true, tlsFix(text)),
  },
  {
    when: (text, code) => text === "connect ETIMEDOUT" || code === "ETIMEDOUT",
    then: (where) =>
      new DeliveryError(`${where}: no answer within the timeout`, EXIT.CONNECT, true),
  },
  {
    when: (text, code) =>
      typeof code === "string" || /socket|connect|ECONN|EPIPE|closed/i.test(text),
    then: (where, text) => new DeliveryError(`${where}: ${text}`, EXIT.CONNECT, true),
  },
];

/**
 * Maps an error of amqplib or of the socket, met at `where` (a redacted URL and what was being
 * done), to busmsg's exit codes and transience. A DeliveryError is returned as it is.
 */
export function classify(e: unknown, where: string): DeliveryError {
  if (e instanceof DeliveryError) return e;
  const text = errorText(e);
  const code = (e as { code?: unknown })?.code;
  for (const rule of RULES) if (rule.when(text, code)) return rule.then(where, text);
  // Not foreseen: exit 1, but keep the message (transient) rather than lose it.
  return new DeliveryError(`${where}: ${text}`, EXIT.FAILURE, true);
}

/** The fix for a TLS failure that configuration causes, when the text tells which. */
function tlsFix(text: string): string | undefined {
  if (/UnknownCA|unknown.ca/i.test(text)) {
    return "the broker does not trust the client certificate's CA: use a certificate its CA issued";
  }
  if (/NotValidForName|altnames|host ?name/i.test(text)) {
    return "connect to a name the broker's certificate holds (amqp_url's host)";
  }
  if (/certificate.*(expired|revoked)|CertExpired|CertRevoked/i.test(text)) {
    return "the broker refused the client certificate: renew it";
  }
  return undefined;
}

/** A publish that was not confirmed: a nack (refused for good), else as {@link classify}. */
export function nackOrLoss(err: unknown, where: string): DeliveryError {
  const text = errorText(err);
  if (/nack/i.test(text)) {
    return new DeliveryError(
      `${where}: the broker refused (nack) the message`,
      EXIT.REFUSED,
      false,
    );
  }
  return classify(err, where);
}

/**
 * A failed connection whose broker certificate is not trusted, said with the trust that was
 * used (`caCert`, else the system's) and the fix; any other error as it is.
 */
export function untrusted(error: DeliveryError, caCert: string | undefined): DeliveryError {
  if (!/self.signed|unable to verify|UnknownIssuer|certificate chain/i.test(error.message)) {
    return error;
  }
  const trust = caCert ? `ca_cert ${caCert}` : "the system trust store";
  return new DeliveryError(
    `${error.message} (the broker's certificate is not trusted by ${trust})`,
    error.exitCode,
    true,
    "set tls.ca_cert to the CA that signed the broker's certificate",
  );
}

/**
 * A failed subscription (already {@link classify}'d) in words a user can act on: a user that
 * may not declare queues, or a queue that must exist and does not; any other error as it is.
 */
export function subscribeError(
  error: DeliveryError,
  where: string,
  queue: string | undefined,
): DeliveryError {
  if (/access to (queue|exchange)/.test(error.message)) {
    return new DeliveryError(
      `${error.message}; this user may not declare or bind a queue (Fedora's publish-only users may not): ` +
        "give a consumer's config (test-message --listen-conf, listen --conf)",
      EXIT.REFUSED,
      false,
    );
  }
  if (/NOT_FOUND - no queue/.test(error.message)) {
    return new DeliveryError(
      `${where}: queue "${queue}" does not exist (passive_declares = true: ` +
        "it must be declared beforehand)",
      EXIT.CONNECT,
      false,
    );
  }
  return error;
}
