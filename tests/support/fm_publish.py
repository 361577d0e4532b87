#!/usr/bin/env python3
"""A stand-in for `fedora-messaging publish -` where the Python client cannot be installed
(it is not packaged for Debian): reads dump lines from stdin and publishes each as the
client does, with Python's own json (the last of a duplicate key wins; a control character
in a string is invalid JSON, exit 2), the body serialized by json.dumps, the message
properties and headers the client sets, publisher confirms on. Written for the parity test
of the simple_message_to_bus drop-in; it shares no code with busmsg.

Usage: fm_publish.py AMQP_URL TOPIC_PREFIX < dump-lines
"""
import json
import sys

import pika


def main() -> int:
    url, prefix = sys.argv[1], sys.argv[2].rstrip(".")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError as e:
            print(f"Error: Unable to validate message: {e}", file=sys.stderr)
            return 2
        headers = dict(message.get("headers") or {})
        headers.setdefault("fedora_messaging_schema", "base.message")
        headers["fedora_messaging_schema_package"] = "fedora_messaging"
        headers.setdefault("fedora_messaging_severity", 20)
        headers["priority"] = 0
        topic = message["topic"]
        channel.basic_publish(
            exchange="amq.topic",
            routing_key=f"{prefix}.{topic}" if prefix else topic,
            body=json.dumps(message["body"]).encode("utf-8"),
            properties=pika.BasicProperties(
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=message.get("id"),
                priority=0,
                headers=headers,
            ),
        )
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
