"""Cổng DVC agency starter kit (Python): send dossier status reports to the portal, read your rejections.

Needs only confluent-kafka (`pip install confluent-kafka==2.*`, librdkafka bundled) and the standard library.
Three commands (your one-stop system's id from --system or the AGENCY_SYSTEM environment variable):

    python agency_kit.py emit --bootstrap 127.0.0.1:9092 --system ha-noi --agency SO-GTVT --province 01 \\
        --procedure 1.001234 --dossier 01-261204-7KQ2MX --phone 0912345678
    python agency_kit.py rejections --bootstrap 127.0.0.1:9092 --system ha-noi --agency SO-GTVT
    python agency_kit.py vectors ../vectors/status-reported.json   # the records this kit builds, as JSON

Each system has its own topics and its own Kafka principal `agency-<system>`, which may only write
`agency-status-reported.<system>` and read `agency-status-rejected.<system>` (consumer groups: `agency-<system>…`).
`emit` sends two CloudEvents to `agency-status-reported.<system>`, keyed by the dossier code: sequence 0
"received" in structured content mode (the whole envelope as JSON in the value) and sequence 1 "processing" in
binary content mode (ce_* headers, the payload as the value). Either mode is accepted; pick one for your system.
The portal refuses (reason `agency_mismatch`) a report whose agency_code or province_code your system does not
cover. The producer is idempotent with acks=all. SASL/TLS come from KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM,
KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SSL_CAFILE. See README.md here and contracts/README.md for every
field and rule.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from confluent_kafka import Consumer, KafkaError, Message, Producer

REPORTED = "agency-status-reported"  # the events' CloudEvent type; your ingress topic is REPORTED.<system>
REJECTED = "agency-status-rejected"  # the rejections' type; yours arrive on REJECTED.<system>
SYSTEM_ENV = "AGENCY_SYSTEM"  # your system's id when --system is not given
SYSTEM_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # lowercase words joined by "-", e.g. ha-noi, bhxh
VIETNAM = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh, no DST
Headers = list[tuple[str, bytes]]


def security() -> dict[str, str]:
    """librdkafka settings for SASL/TLS from the environment (PLAINTEXT when none is set)."""
    env = {
        "security.protocol": os.environ.get("KAFKA_SECURITY_PROTOCOL", ""),
        "sasl.mechanism": os.environ.get("KAFKA_SASL_MECHANISM", ""),
        "sasl.username": os.environ.get("KAFKA_SASL_USERNAME", ""),
        "sasl.password": os.environ.get("KAFKA_SASL_PASSWORD", ""),
        "ssl.ca.location": os.environ.get("KAFKA_SSL_CAFILE", ""),
    }
    return {k: v for k, v in env.items() if v}


def event_input(args: argparse.Namespace, sequence: int, status: str, note: str) -> dict[str, Any]:
    """One status report: the CloudEvent attributes and its `data` (an AgencyStatusReportedV1 payload)."""
    now = datetime.now(VIETNAM).isoformat(timespec="seconds")  # always with an offset
    data = {
        "dossier_code": args.dossier,
        "procedure_code": args.procedure,
        "agency_code": args.agency,
        "province_code": args.province,
        "sequence": sequence,  # per dossier: 0, 1, 2, … in the order things happened
        "status": status,
        "occurred_at": now,
        "due_date": None,
        "result": None,
        "note": note,
        "citizen_phone": args.phone,
    }
    return {
        "id": str(uuid.uuid4()),  # unique per event; a resend of the same event reuses its id
        "source": f"urn:agency:{args.agency}",
        "type": REPORTED,
        "subject": args.dossier,
        "time": now,
        "data": data,
    }


def structured_record(e: dict[str, Any]) -> tuple[Headers, bytes]:
    """Structured content mode: the whole envelope as JSON in the value."""
    envelope = {
        "specversion": "1.0",
        "id": e["id"],
        "source": e["source"],
        "type": e["type"],
        "time": e["time"],
        "subject": e["subject"],
        "datacontenttype": "application/json",
        "data": e["data"],
    }
    value = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
    return [("content-type", b"application/cloudevents+json")], value


def binary_record(e: dict[str, Any]) -> tuple[Headers, bytes]:
    """Binary content mode: the attributes as ce_* headers, the data as the value."""
    headers = [
        ("content-type", b"application/json"),
        ("ce_specversion", b"1.0"),
        ("ce_id", e["id"].encode()),
        ("ce_source", e["source"].encode()),
        ("ce_type", e["type"].encode()),
        ("ce_time", e["time"].encode()),
        ("ce_subject", e["subject"].encode("utf-8")),
    ]
    return headers, json.dumps(e["data"], ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def emit(args: argparse.Namespace) -> int:
    producer = Producer(
        {
            "bootstrap.servers": args.bootstrap,
            "client.id": f"agency-{args.system}" if args.system else f"agency-{args.agency}",
            "acks": "all",  # the portal counts an event only once the broker has it safely
            "enable.idempotence": True,  # a retried send is written once, in order
            "linger.ms": 5,
            **security(),
        }
    )
    failures: list[str] = []

    def delivered(err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            failures.append(str(err))
            print(f"FAILED: {err}", file=sys.stderr)
        else:
            print(f"sent {msg.topic()}[{msg.partition()}]@{msg.offset()} key={msg.key()!r}")

    records = [
        structured_record(event_input(args, 0, "received", "Đã tiếp nhận hồ sơ tại Bộ phận một cửa")),
        binary_record(event_input(args, 1, "processing", "Đang thẩm định hồ sơ")),
    ]
    for headers, value in records:
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


def rejections(args: argparse.Namespace) -> int:
    """One JSON line per rejection of your system's events: why, and the original record to fix and resend."""
    consumer = Consumer(
        {
            "bootstrap.servers": args.bootstrap,
            "group.id": args.group,  # must start with your principal's name, agency-<system>
            "auto.offset.reset": "earliest",
            "enable.auto.commit": True,
            "session.timeout.ms": 6000,
            **security(),
        }
    )
    consumer.subscribe([args.topic])
    seen, idle_since = 0, time.monotonic()
    try:
        while time.monotonic() - idle_since < args.seconds and seen < args.max:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            err = msg.error()
            if err is not None:
                if err.code() != KafkaError._PARTITION_EOF:
                    print(f"error: {err}", file=sys.stderr)
                continue
            idle_since = time.monotonic()
            rejection = json.loads(msg.value() or b"null")  # binary mode: the value is the data
            if not isinstance(rejection, dict):
                continue
            if args.agency is not None and rejection.get("agency_code") not in (args.agency, None):
                continue  # another agency code of your system
            seen += 1
            original = base64.b64decode(rejection.get("original_value_b64", ""))
            line = {k: rejection.get(k) for k in ("reason", "message", "dossier_code", "original_topic",
                                                 "original_partition", "original_offset")}  # fmt: skip
            line["original_value"] = original[:500].decode("utf-8", "replace")
            print(json.dumps(line, ensure_ascii=False), flush=True)
    finally:
        consumer.close()
    print(f"{seen} rejection(s) on {args.topic}", file=sys.stderr)
    return 0


def vectors(args: argparse.Namespace) -> int:
    """The records this kit builds from the shared vectors' inputs (compared byte for byte in the tests)."""
    with open(args.path, encoding="utf-8") as f:
        doc = json.load(f)
    out = {}
    for v in doc["vectors"]:
        built = {}
        for mode, build in (("binary", binary_record), ("structured", structured_record)):
            headers, value = build(v["input"])
            built[mode] = {"headers": [[k, h.decode()] for k, h in headers], "value": value.decode()}
        out[v["name"]] = built
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def with_system(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """Your system's id (--system, else AGENCY_SYSTEM) and the topic and group that follow from it."""
    if args.command == "vectors":
        return args
    args.system = args.system or os.environ.get(SYSTEM_ENV) or None
    if args.system is not None and not SYSTEM_ID.match(args.system):
        parser.error(
            f"system {args.system!r}: your system's id, lowercase letters, digits and '-' (e.g. ha-noi)"
        )
    if args.topic is None:
        if args.system is None:
            parser.error(
                f"give your one-stop system's id: --system ID (or {SYSTEM_ENV}=ID), e.g. --system ha-noi"
            )
        args.topic = f"{REPORTED if args.command == 'emit' else REJECTED}.{args.system}"
    if args.command == "rejections" and args.group is None:
        if args.system is None:
            parser.error("--group is required with --topic and no --system")
        args.group = f"agency-{args.system}-rejections"
    return args


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    system_help = f"your one-stop system's id, e.g. ha-noi (default: ${SYSTEM_ENV})"
    e = sub.add_parser("emit", help="send sequence 0 (structured) and 1 (binary) for one dossier")
    e.add_argument("--bootstrap", default="127.0.0.1:9092", help="Kafka bootstrap servers")
    e.add_argument("--system", default=None, help=system_help)
    e.add_argument("--topic", default=None, help=f"default {REPORTED}.<system>, the only one you may write")
    e.add_argument("--agency", default="SO-GTVT", help="your agency code (one your system covers)")
    e.add_argument("--province", default="01", help="province code (01 = Hà Nội)")
    e.add_argument("--procedure", default="1.001234", help="procedure code from the national catalog")
    e.add_argument("--dossier", default=f"01-{uuid.uuid4().hex[:8].upper()}", help="dossier code")
    e.add_argument("--phone", default=None, help="citizen's phone for SMS (optional)")
    r = sub.add_parser("rejections", help="print the portal's rejections of your events as JSON lines")
    r.add_argument("--bootstrap", default="127.0.0.1:9092")
    r.add_argument("--system", default=None, help=system_help)
    r.add_argument("--topic", default=None, help=f"default {REJECTED}.<system>, the only one you may read")
    r.add_argument("--agency", default=None, help="show the rejections of this agency code only")
    r.add_argument("--group", default=None, help="consumer group (default agency-<system>-rejections)")
    r.add_argument("--max", type=int, default=1_000_000, help="stop after this many rejections")
    r.add_argument("--seconds", type=float, default=30.0, help="stop after this long without a message")
    v = sub.add_parser("vectors", help="print the records built from the shared test vectors")
    v.add_argument("path")
    args = with_system(parser, parser.parse_args())
    return {"emit": emit, "rejections": rejections, "vectors": vectors}[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
