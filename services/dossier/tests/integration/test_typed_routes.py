"""Dossier's kit routes without a broker (PostgreSQL only): the fetched records go through the routes the app
declared, as the kit's consumer hands them over. Agency reports arrive typed; a payload that is not a valid
report, or another event type on the agency topic, is refused to the agency with its reason, alone, and the
reports after it are applied."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from dvc_contracts import topics
from dvc_contracts.envelope import CloudEvent, new_event, to_binary
from dvc_dossier.adapters.orm import dossiers
from dvc_dossier.config import Settings
from dvc_dossier.entrypoints.app import create_runtime
from dvckit.messaging.consumer import Record, dispatch
from dvckit.settings import KafkaSettings
from dvckit.testing import PostgresServer, free_port, migrated_database

from .conftest import procedure
from .test_status_sync import report


@dataclass
class FakeRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Any


def records(topic: str, *events: CloudEvent) -> list[Record]:
    out: list[Record] = []
    for offset, event in enumerate(events):
        headers, value = to_binary(event)
        out.append(FakeRecord(topic, 0, offset, (event.subject or "").encode(), value, headers))
    return out


async def test_reports_arrive_typed_and_bad_ones_are_refused_alone(pg: PostgresServer) -> None:
    run = uuid.uuid4().hex[:6].upper()
    settings = Settings(
        database_url=await migrated_database(pg, "dvc_dossier"),
        kafka=KafkaSettings(bootstrap=f"127.0.0.1:{free_port()}"),  # nobody there: no broker needed
    )
    runtime = create_runtime(settings)
    proc, code = procedure(f"TR-{run}", "BCA-CSGT", ["BTC-TCT"]), f"01-{run}-T1"
    try:
        published = new_event(topics.PROCEDURE_PUBLISHED, "/dvc/catalog", proc, subject=proc.code)
        await dispatch(runtime.instance_routes, records(topics.PROCEDURE_PUBLISHED, published))
        bad_payload = new_event(
            topics.AGENCY_STATUS_REPORTED,
            "/agency/x",
            {"dossier_code": code, "sequence": "abc"},
            subject=code,
        )
        wrong_type = new_event(topics.FEE_PAID, "/agency/x", {"payment_id": "P"}, subject=code)
        batch = [
            report(code, proc.code, "BTC-TCT", 0, "received"),
            bad_payload,
            wrong_type,
            report(code, proc.code, "BTC-TCT", 1, "processing"),
        ]
        await dispatch(runtime.routes, records(topics.AGENCY_STATUS_REPORTED, *batch))
        async with runtime.engine.connect() as conn:
            [row] = (await conn.execute(select(dossiers).where(dossiers.c.code == code))).all()
            outbox = (await conn.execute(select(runtime.tables.outbox))).mappings().all()
    finally:
        await runtime.engine.dispose()
    assert (row.status, row.sequence) == ("processing", 1), "the reports after the bad ones are applied"
    refused = [json.loads(r["value"]) for r in outbox if r["topic"].startswith(topics.AGENCY_STATUS_REJECTED)]
    assert sorted((r["reason"], r["message"].split(":")[0], r["dossier_code"]) for r in refused) == [
        ("invalid_payload", "procedure_code", code),
        ("unknown_type", "type", code),
    ]
    changed = [r for r in outbox if r["topic"] == topics.DOSSIER_STATUS_CHANGED]
    assert len(changed) == 2
