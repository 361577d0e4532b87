import { assertEquals } from "../../support/assert.ts";
import { redactCredentials } from "../../../lib/io/output.ts";

Deno.test("diagnostics hide the password of any URL in them, and nothing else", () => {
  const cases: [string, string][] = [
    ["amqp://u:pw@h:5672/%2Fpubsub: cannot open", "amqp://u:***@h:5672/%2Fpubsub: cannot open"],
    [
      "at amqps://logging:p@ss:w@h/x, again AMQP://a:b@c",
      "at amqps://logging:***@h/x, again AMQP://a:***@c",
    ],
    ["amqp://user@h/ and amqp://h/?x=1 have none", "amqp://user@h/ and amqp://h/?x=1 have none"],
    ['the body {"user": "guest"} of guest:guest', 'the body {"user": "guest"} of guest:guest'],
    ["a@b and x://y/z@w are no credentials", "a@b and x://y/z@w are no credentials"],
  ];
  for (const [text, want] of cases) assertEquals(redactCredentials(text), want, text);
});
