"""Play the traffic police by hand: publish one fine decision (fine-issued) onto Kafka, in structured or binary
CloudEvents mode, as the police's own system would.

    .venv/bin/python -m dvc_payment.emit_fine --decision 123/QĐ-XPHC --record HN-000123 \\
        --date 2026-11-10 --name "Nguyễn Văn An" --plate 29A-123.45 --amount 4000000
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import date

from aiokafka import AIOKafkaProducer

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event, to_binary, to_structured
from dvc_contracts.events import FineIssuedV1


async def emit(bootstrap: str, fine: FineIssuedV1, *, structured: bool, agency: str = "HNI-CSGT") -> None:
    """``agency``: the issuing agency's code, named in the event source (its staff see the decision)."""
    event = new_event(topics.FINE_ISSUED, f"urn:agency:{agency}", fine, subject=fine.decision_no)
    headers, value = to_structured(event) if structured else to_binary(event)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topics.FINE_ISSUED, value=value, key=fine.decision_no.encode(), headers=headers
        )
    finally:
        await producer.stop()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Publish a traffic fine decision (fine-issued).")
    p.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    p.add_argument("--decision", required=True, help="decision number (số quyết định)")
    p.add_argument("--record", required=True, help="record number (số biên bản)")
    p.add_argument("--date", required=True, type=date.fromisoformat, help="violation date YYYY-MM-DD")
    p.add_argument("--name", required=True, help="offender's full name")
    p.add_argument("--plate", default="29A-123.45")
    p.add_argument("--amount", type=int, default=4_000_000, help="integer VND")
    p.add_argument("--unit", default="Đội CSGT số 7, Phòng CSGT Công an Hà Nội")
    p.add_argument("--province", default="01")
    p.add_argument("--agency", default="HNI-CSGT", help="issuing agency (source urn:agency:<code>)")
    p.add_argument("--binary", action="store_true", help="binary content mode (default: structured)")
    a = p.parse_args(argv)
    fine = FineIssuedV1(
        decision_no=a.decision,
        record_no=a.record,
        violation_date=a.date,
        offender_name=a.name,
        plate=a.plate,
        amount=a.amount,
        issuing_unit=a.unit,
        province_code=a.province,
        decided_at=clock.now(),
    )
    asyncio.run(emit(a.bootstrap, fine, structured=not a.binary, agency=a.agency))
    print(f"fine-issued {fine.decision_no} sent to {a.bootstrap}")


if __name__ == "__main__":
    main()
