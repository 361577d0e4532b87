/**
 * amqplib's and the socket's errors, in the words they really come in, and what busmsg makes of
 * each: the message, the exit code, whether the message may be spooled, and the fix.
 */
import { assertEquals } from "../../support/assert.ts";
import { DeliveryError } from "../../../lib/errors.ts";
import {
  classify,
  errorText,
  nackOrLoss,
  subscribeError,
  untrusted,
} from "../../../lib/bus/error_map.ts";

const WHERE = "amqp://logging@broker.example:5672/%2Fpubsub";

/** An Error with a Node-style `code`, as the socket layer throws them. */
function coded(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** What a test compares: the DeliveryError's words and flags. */
function seen(e: DeliveryError) {
  return { message: e.message, exit: e.exitCode, transient: e.transient, fix: e.fix };
}

const LOGIN_FIX =
  "the broker has no user for these credentials (under EXTERNAL: the client certificate's CN): " +
  "fix [tls] or amqp_url, or have the broker's admin add the user";

const CASES: Array<{
  name: string;
  error: unknown;
  where?: string;
  want: { message: string; exit: number; transient: boolean; fix?: string | undefined };
}> = [
  {
    name: "login refused (PLAIN)",
    error: new Error(
      'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN."',
    ),
    want: {
      message:
        `${WHERE}: login refused: Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN."`,
      exit: 1,
      transient: true,
      fix: LOGIN_FIX,
    },
  },
  {
    name: "EXTERNAL not offered",
    error: new Error("Unknown authentication mechanism: EXTERNAL"),
    want: {
      message: `${WHERE}: login refused: Unknown authentication mechanism: EXTERNAL`,
      exit: 1,
      transient: true,
      fix: LOGIN_FIX,
    },
  },
  {
    name: "a topic the user may not write",
    error: new Error(
      "Channel closed by server: 403 (ACCESS-REFUSED) with message \"ACCESS_REFUSED - access to topic 'x.y' in exchange 'amq.topic' in vhost '/pubsub' refused for user 'logging'\"",
    ),
    want: {
      message:
        `${WHERE}: refused by the broker: Channel closed by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - access to topic 'x.y' in exchange 'amq.topic' in vhost '/pubsub' refused for user 'logging'"`,
      exit: 121,
      transient: false,
      fix: undefined,
    },
  },
  {
    name: "a vhost that does not exist",
    error: new Error(
      'Connection closed: 530 (NOT-ALLOWED) with message "NOT_ALLOWED - vhost /nope not found"',
    ),
    want: {
      message:
        `${WHERE}: refused by the broker: Connection closed: 530 (NOT-ALLOWED) with message "NOT_ALLOWED - vhost /nope not found"`,
      exit: 121,
      transient: false,
      fix: undefined,
    },
  },
  {
    name: "amqplib's word for a vhost it could not open: the vhost named from `where`",
    error: new Error("Expected ConnectionOpenOk; got <ConnectionClose channel:0>"),
    where: "cannot connect to amqp://127.0.0.1:5672/%2Fsecret",
    want: {
      message:
        'cannot connect to amqp://127.0.0.1:5672/%2Fsecret: the broker refused to open vhost "/secret" (it does not exist or this user has no access)',
      exit: 121,
      transient: false,
      fix: undefined,
    },
  },
  {
    name: "the default vhost",
    error: new Error("Expected ConnectionOpenOk"),
    where: "amqp://127.0.0.1:5672",
    want: {
      message:
        'amqp://127.0.0.1:5672: the broker refused to open vhost "/" (it does not exist or this user has no access)',
      exit: 121,
      transient: false,
      fix: undefined,
    },
  },
  {
    name: "a message over max_message_size",
    error: new Error(
      'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - message size 4020 is larger than configured max size 2048"',
    ),
    want: {
      message:
        `${WHERE}: refused by the broker: Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - message size 4020 is larger than configured max size 2048"`,
      exit: 121,
      transient: false,
      fix: undefined,
    },
  },
  {
    name: "an exchange that does not exist: 111, not spooled",
    error: new Error(
      "Channel closed by server: 404 (NOT-FOUND) with message \"NOT_FOUND - no exchange 'nope' in vhost '/pubsub'\"",
    ),
    want: {
      message:
        `${WHERE}: Channel closed by server: 404 (NOT-FOUND) with message "NOT_FOUND - no exchange 'nope' in vhost '/pubsub'"`,
      exit: 111,
      transient: false,
      fix: undefined,
    },
  },
  {
    name: "the broker does not trust the client's CA",
    error: new Error("received fatal alert: UnknownCA"),
    want: {
      message: `${WHERE}: TLS failed: received fatal alert: UnknownCA`,
      exit: 111,
      transient: true,
      fix: "the broker does not trust the client certificate's CA: use a certificate its CA issued",
    },
  },
  {
    name: "a host name the broker's certificate does not hold",
    error: new Error("invalid peer certificate: NotValidForName"),
    want: {
      message: `${WHERE}: TLS failed: invalid peer certificate: NotValidForName`,
      exit: 111,
      transient: true,
      fix: "connect to a name the broker's certificate holds (amqp_url's host)",
    },
  },
  {
    name: "an expired client certificate",
    error: new Error("received fatal alert: CertificateExpired"),
    want: {
      message: `${WHERE}: TLS failed: received fatal alert: CertificateExpired`,
      exit: 111,
      transient: true,
      fix: "the broker refused the client certificate: renew it",
    },
  },
  {
    name: "a TLS failure with no known fix",
    error: new Error("tls handshake eof"),
    want: {
      message: `${WHERE}: TLS failed: tls handshake eof`,
      exit: 111,
      transient: true,
      fix: undefined,
    },
  },
  {
    name: "a connect timeout, by its text",
    error: new Error("connect ETIMEDOUT"),
    want: {
      message: `${WHERE}: no answer within the timeout`,
      exit: 111,
      transient: true,
      fix: undefined,
    },
  },
  {
    name: "a connect timeout, by its code",
    error: coded("connect ETIMEDOUT 10.0.0.1:5671", "ETIMEDOUT"),
    want: {
      message: `${WHERE}: no answer within the timeout`,
      exit: 111,
      transient: true,
      fix: undefined,
    },
  },
  {
    name: "a refused connection (any socket code), spaces folded",
    error: coded("connect ECONNREFUSED\n   127.0.0.1:1", "ECONNREFUSED"),
    want: {
      message: `${WHERE}: connect ECONNREFUSED 127.0.0.1:1`,
      exit: 111,
      transient: true,
      fix: undefined,
    },
  },
  {
    name: "the broker closing the connection (shut down)",
    error: new Error(
      "Connection closed: 320 (CONNECTION-FORCED) with message \"CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'\"",
    ),
    want: {
      message:
        `${WHERE}: Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'"`,
      exit: 111,
      transient: true,
      fix: undefined,
    },
  },
  {
    name: "anything unforeseen: exit 1, but the message is kept",
    error: "something odd",
    want: { message: `${WHERE}: something odd`, exit: 1, transient: true, fix: undefined },
  },
];

for (const c of CASES) {
  Deno.test(`classify: ${c.name}`, () => {
    assertEquals(seen(classify(c.error, c.where ?? WHERE)), c.want);
  });
}

Deno.test("classify: a DeliveryError is returned as it is", () => {
  const e = new DeliveryError("already said", 121, false);
  assertEquals(classify(e, WHERE) === e, true);
});

Deno.test("errorText: an error's message or a value, on one line", () => {
  assertEquals(errorText(new Error(" a\n\tb  c ")), "a b c");
  assertEquals(errorText(42), "42");
});

Deno.test("nackOrLoss: a nack is refused for good; anything else as classify", () => {
  assertEquals(seen(nackOrLoss(new Error("message nacked"), WHERE)), {
    message: `${WHERE}: the broker refused (nack) the message`,
    exit: 121,
    transient: false,
    fix: undefined,
  });
  assertEquals(seen(nackOrLoss(new Error("channel closed"), WHERE)), {
    message: `${WHERE}: channel closed`,
    exit: 111,
    transient: true,
    fix: undefined,
  });
});

Deno.test("untrusted: an unverified broker certificate names the trust used and the fix", () => {
  const failed = classify(new Error("self-signed certificate in certificate chain"), WHERE);
  const fix = "set tls.ca_cert to the CA that signed the broker's certificate";
  assertEquals(seen(untrusted(failed, "/etc/pki/ca.pem")), {
    message:
      `${WHERE}: TLS failed: self-signed certificate in certificate chain (the broker's certificate is not trusted by ca_cert /etc/pki/ca.pem)`,
    exit: 111,
    transient: true,
    fix,
  });
  assertEquals(
    untrusted(classify(new Error("invalid peer certificate: UnknownIssuer"), WHERE), undefined)
      .message,
    `${WHERE}: TLS failed: invalid peer certificate: UnknownIssuer (the broker's certificate is not trusted by the system trust store)`,
  );
  const other = classify(new Error("connect ECONNREFUSED"), WHERE);
  assertEquals(untrusted(other, undefined) === other, true);
});

Deno.test("subscribeError: publish-only users and missing passive queues in words to act on", () => {
  const denied = classify(
    new Error(
      "Channel closed by server: 403 (ACCESS-REFUSED) with message \"ACCESS_REFUSED - access to queue 'q' in vhost '/pubsub' refused for user 'logging'\"",
    ),
    WHERE,
  );
  assertEquals(seen(subscribeError(denied, WHERE, "q")), {
    message:
      `${denied.message}; this user may not declare or bind a queue (Fedora's publish-only users may not): ` +
      "give a consumer's config (test-message --listen-conf, listen --conf)",
    exit: 121,
    transient: false,
    fix: undefined,
  });
  const missing = classify(
    new Error(
      "Channel closed by server: 404 (NOT-FOUND) with message \"NOT_FOUND - no queue 'q' in vhost '/pubsub'\"",
    ),
    WHERE,
  );
  assertEquals(seen(subscribeError(missing, WHERE, "q")), {
    message:
      `${WHERE}: queue "q" does not exist (passive_declares = true: it must be declared beforehand)`,
    exit: 111,
    transient: false,
    fix: undefined,
  });
  const lost = classify(new Error("Socket closed"), WHERE);
  assertEquals(subscribeError(lost, WHERE, undefined) === lost, true);
});
