/**
 * Which message a broker refusal is about. RabbitMQ refuses a publish (a topic the user may
 * not write, an exchange that is missing or forbidden, a message over `max_message_size`) by
 * closing the channel, and every unconfirmed message on it fails with it; its words name what
 * it refused, so the guilty messages can be told from the innocent ones. Pure.
 */

/** What a refusal can be matched against. */
export interface Target {
  exchange: string;
  routingKey: string;
  size: number;
}

const RULES: Array<(text: string) => ((t: Target) => boolean) | undefined> = [
  (text) => {
    const m = /access to topic '(.*)' in exchange '(.*)' in vhost '/.exec(text);
    return m ? (t) => t.routingKey === m[1] && t.exchange === m[2] : undefined;
  },
  (text) => {
    const m = /(?:access to exchange|no exchange) '(.*)' in vhost '/.exec(text);
    return m ? (t) => t.exchange === m[1] : undefined;
  },
  (text) => {
    const m = /message size \d+ is larger than (?:configured )?max size (\d+)/.exec(text);
    return m ? (t) => t.size > Number(m[1]) : undefined;
  },
];

/**
 * A test for the messages the refusal `text` is about, or undefined when its words do not
 * say (then the caller must find the message by sending one at a time).
 */
export function refusedBy(text: string): ((t: Target) => boolean) | undefined {
  for (const rule of RULES) {
    const test = rule(text);
    if (test) return test;
  }
  return undefined;
}
