"""Emit dossier status events to the Cổng DVC portal the way an agency's one-stop system does.

Only needs confluent-kafka (`pip install confluent-kafka`, librdkafka bundled) and the standard library.
Sends two CloudEvents to the `agency-status-reported` topic, keyed by the dossier code:

  1. sequence 0, status "received"   - structured content mode (the whole envelope as JSON in the value)
  2. sequence 1, status "processing" - binary content mode (ce_* headers, the payload as the value)

Either mode is accepted; pick one for your system. See contracts/README.md for every field and rule.

    python emit_status_confluent.py --bootstrap 127.0.0.1:9092 --agency HNI-CSGT --procedure 1.001234
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import datetime, timedelta, timezone

from confluent_kafka import KafkaError, Message, Producer

TOPIC = "agency-status-reported"
VIETNAM = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh, no DST
Headers = list[tuple[str, str | bytes | None]]


def status_data(args: argparse.Namespace, sequence: int, status: str, note: str) -> dict[str, object]:
    """The CloudEvent `data`: an AgencyStatusReportedV1 payload."""
    return {
        "dossier_code": args.dossier,
        "procedure_code": args.procedure,
        "agency_code": args.agency,
        "province_code": args.province,
        "sequence": sequence,  # per dossier: 0, 1, 2, … in the order things happened
        "status": status,
        "occurred_at": datetime.now(VIETNAM).isoformat(timespec="seconds"),  # always with an offset
        "due_date": "2024-12-31",
        "note": note,
        "citizen_phone": args.phone,
    }


def structured_record(args: argparse.Namespace, data: dict[str, object]) -> tuple[bytes, Headers]:
    envelope = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),  # unique per event; a resend of the same event reuses its id
        "source": f"urn:agency:{args.agency}",
        "type": "agency-status-reported",
        "subject": args.dossier,
        "time": datetime.now(VIETNAM).isoformat(timespec="seconds"),
        "datacontenttype": "application/json",
        "data": data,
    }
    value = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
    return value, [("content-type", b"application/cloudevents+json; charset=utf-8")]


def binary_record(args: argparse.Namespace, data: dict[str, object]) -> tuple[bytes, Headers]:
    headers: Headers = [
        ("content-type", b"application/json"),
        ("ce_specversion", b"1.0"),
        ("ce_id", str(uuid.uuid4()).encode()),
        ("ce_source", f"urn:agency:{args.agency}".encode()),
        ("ce_type", b"agency-status-reported"),
        ("ce_subject", args.dossier.encode("utf-8")),
        ("ce_time", datetime.now(VIETNAM).isoformat(timespec="seconds").encode()),
    ]
    return json.dumps(data, ensure_ascii=False).encode("utf-8"), headers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092", help="Kafka bootstrap servers")
    parser.add_argument("--topic", default=TOPIC)
    parser.add_argument("--agency", default="HNI-CSGT", help="your agency code")
    parser.add_argument("--procedure", default="1.001234", help="procedure code from the national catalog")
    parser.add_argument("--province", default="01", help="province code (01 = Hà Nội)")
    parser.add_argument("--dossier", default=f"HNI-CSGT-{uuid.uuid4().hex[:8].upper()}", help="dossier code")
    parser.add_argument("--phone", default=None, help="citizen's phone for SMS (optional)")
    args = parser.parse_args()

    producer = Producer(
        {
            "bootstrap.servers": args.bootstrap,
            "client.id": f"agency-{args.agency}",
            "acks": "all",  # the portal counts an event only once the broker has it safely
            "linger.ms": 5,
        }
    )
    failures: list[str] = []

    def delivered(err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            failures.append(str(err))
            print(f"FAILED: {err}", file=sys.stderr)
        else:
            print(f"sent {msg.topic()}[{msg.partition()}]@{msg.offset()} key={msg.key()!r}")

    events = [
        structured_record(args, status_data(args, 0, "received", "Đã tiếp nhận hồ sơ tại Bộ phận một cửa")),
        binary_record(args, status_data(args, 1, "processing", "Đang thẩm định hồ sơ")),
    ]
    for value, headers in events:
        # Key = dossier code: all events of one dossier go to one partition, in order.
        producer.produce(
            args.topic, key=args.dossier.encode(), value=value, headers=headers, on_delivery=delivered
        )
    remaining = producer.flush(30)
    if remaining or failures:
        print(f"{remaining} undelivered, {len(failures)} failed", file=sys.stderr)
        return 1
    print(f"dossier {args.dossier}: 2 events sent (structured, then binary)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
