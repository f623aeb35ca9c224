"""Read the portal's rejections of your agency's status events (topic `agency-status-rejected`).

Only needs confluent-kafka and the standard library. Each rejection is a CloudEvent (binary mode) whose data says
why (`reason`, a machine-readable code; `message`, naming the first bad field) and carries your original record
(`original_value_b64`, `original_headers`, `original_key`), so you can fix and resend it. See contracts/README.md.

    python consume_rejections_confluent.py --bootstrap 127.0.0.1:9092 --agency HNI-CSGT
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError

TOPIC = "agency-status-rejected"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--agency", default="HNI-CSGT", help="show rejections of this agency's events only")
    parser.add_argument("--seconds", type=float, default=30.0, help="stop after this long without a message")
    args = parser.parse_args()

    consumer = Consumer(
        {
            "bootstrap.servers": args.bootstrap,
            "group.id": f"agency-{args.agency}-rejections",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": True,
            "session.timeout.ms": 6000,
        }
    )
    consumer.subscribe([TOPIC])
    seen = 0
    idle_since = time.monotonic()
    try:
        while time.monotonic() - idle_since < args.seconds:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            err = msg.error()
            if err is not None:
                if err.code() != KafkaError._PARTITION_EOF:
                    print(f"error: {err}", file=sys.stderr)
                continue
            idle_since = time.monotonic()
            rejection = json.loads(msg.value() or b"null")
            if not isinstance(rejection, dict) or rejection.get("agency_code") not in (args.agency, None):
                continue
            seen += 1
            original = base64.b64decode(rejection.get("original_value_b64", ""))
            print(
                f"[{rejection['reason']}] dossier={rejection.get('dossier_code')} {rejection['message']}\n"
                f"    original {rejection['original_topic']}[{rejection['original_partition']}]"
                f"@{rejection['original_offset']}: {original[:200].decode('utf-8', 'replace')}"
            )
    finally:
        consumer.close()
    print(f"{seen} rejection(s) for {args.agency}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
