"""Reporting reads through the kit's consumer (no consumer of its own): every topic declared typed, dead-letter
raw; a fetched batch is applied in declaration order, a bad payload is refused to dead-letter with its reason
and the rest of the batch is applied, dead-letter records are stored by position, the live hub hears of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dvc_contracts import agencies, topics
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import FeePaidV1, ProcedurePublishedV1
from dvc_reporting.adapters import orm
from dvc_reporting.config import Settings
from dvc_reporting.entrypoints.app import create_runtime
from dvc_reporting.entrypoints.subscriptions import TOPICS
from dvc_reporting.service.live import ChangeHub
from dvc_reporting.service.uow import ReportingUnitOfWork
from dvckit.messaging.consumer import Record, dispatch
from dvckit.runtime import Runtime

T0 = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)


@dataclass
class FakeRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Any


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[tuple[Runtime[ReportingUnitOfWork], ChangeHub]]:
    hub = ChangeHub()
    rt = create_runtime(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/reporting.db"), hub)
    async with rt.engine.begin() as conn:
        await conn.run_sync(orm.metadata.create_all)
    yield rt, hub
    await rt.engine.dispose()


def record(topic: str, offset: int, data: Any, type_: str | None = None) -> Record:
    event = new_event(type_ or topic, "/test", data, subject="K")
    headers, value = to_binary(event)
    return FakeRecord(topic, 0, offset, b"K", value, headers)


def procedure() -> ProcedurePublishedV1:
    return ProcedurePublishedV1(
        code="GPLX-DOI", version=1, name="Đổi giấy phép lái xe", sector="GTVT", agency_code="SO-GTVT",
        agency_name="Sở Giao thông vận tải", level="province", service_level=4,
        fee={"kind": "fixed", "amount_vnd": 135000}, processing_days=5, published_at=T0,
    )  # fmt: skip


async def test_every_topic_is_a_kit_route_typed_but_dead_letter(
    runtime: tuple[Runtime[ReportingUnitOfWork], ChangeHub],
) -> None:
    rt, _ = runtime
    assert [r.topic for r in rt.routes] == list(TOPICS) and TOPICS[-1] == topics.DEAD_LETTER
    assert rt.routes[0].model is ProcedurePublishedV1, "the catalog first"
    assert [(r.topic, r.raw, r.model) for r in rt.routes if r.model is None or r.raw] == [
        (topics.DEAD_LETTER, True, None)
    ]
    assert {r.topic for r in rt.routes if r.model is FeePaidV1} == {topics.FEE_PAID}


# Each topic's inbox name when every event type had a handler of its own (handlers.py at 1ad4095): the
# inbox deduplicates per name, so a new name would apply again events redelivered after an upgrade.
INBOXES = {
    "procedure-published": "reporting:on_procedure_published",
    "procedure-retired": "reporting:on_procedure_retired",
    "dossier-submitted": "reporting:on_dossier_submitted",
    "dossier-status-changed": "reporting:on_dossier_status_changed",
    "dossier-forwarded": "reporting:on_dossier_forwarded",
    "agency-status-rejected": "reporting:on_agency_status_rejected",
    "fee-paid": "reporting:on_fee_paid",
    "fine-issued": "reporting:on_fine_issued",
    "fine-settled": "reporting:on_fine_settled",
    "feedback-received": "reporting:on_feedback_received",
    "feedback-answered": "reporting:on_feedback_answered",
    "sms-sent": "reporting:on_sms_sent",
    "sms-delivered": "reporting:on_sms_delivered",
    "sms-failed": "reporting:on_sms_failed",
    "account-registered": "reporting:on_account_registered",
    "account-signed-in": "reporting:on_account_signed_in",
}


async def test_every_route_keeps_the_inbox_name_it_had(
    runtime: tuple[Runtime[ReportingUnitOfWork], ChangeHub],
) -> None:
    rt, _ = runtime
    expected = INBOXES | {s.rejected_topic: "reporting:on_agency_status_rejected" for s in agencies.SYSTEMS}
    assert {r.topic: r.inbox for r in rt.routes if not r.raw} == expected
    assert len(rt.routes) == len(expected) + 1, "one route per topic, and the dead-letter topic's"


async def test_a_batch_is_applied_a_bad_payload_refused_and_dead_letters_stored(
    runtime: tuple[Runtime[ReportingUnitOfWork], ChangeHub],
) -> None:
    rt, hub = runtime
    dead = FakeRecord(
        topics.DEAD_LETTER, 2, 41, b"01-X",
        b"{}",
        [("dvc_reason", b"malformed_json"), ("dvc_original_topic", b"fee-paid"), ("dvc_rejected_by", b"payment")],
    )  # fmt: skip
    fetched = [
        dead,
        record(topics.FEE_PAID, 0, {"payment_id": "P-1", "amount_vnd": "nhiều"}),
        record(topics.PROCEDURE_PUBLISHED, 0, procedure()),
    ]
    told: list[set[str]] = []
    notify = hub.notify

    def record_and_notify(areas: set[str]) -> None:
        told.append(set(areas))
        notify(areas)

    hub.notify = record_and_notify  # type: ignore[method-assign]
    await dispatch(rt.routes, fetched)
    async with rt.engine.connect() as conn:
        procs = (await conn.execute(select(orm.procedures.c.code))).scalars().all()
        stored = (await conn.execute(select(orm.dead_letters))).mappings().all()
        outbox = (await conn.execute(select(rt.tables.outbox))).mappings().all()
    assert procs == ["GPLX-DOI"]
    assert [(d["dl_partition"], d["dl_offset"], d["reason"], d["rejected_by"]) for d in stored] == [
        (2, 41, "malformed_json", "payment")
    ]
    [refused] = outbox
    headers = dict(refused["headers"])
    assert (refused["topic"], headers["dvc_reason"], headers["dvc_original_topic"]) == (
        topics.DEAD_LETTER,
        "invalid_payload",
        topics.FEE_PAID,
    )
    assert len(told) == 2 and told[-1] == {"pipeline"}, "the catalog first, dead-letter last, as declared"
    await dispatch(rt.routes, [dead])  # a repeat is a no-op without an inbox
    async with rt.engine.connect() as conn:
        assert len((await conn.execute(select(orm.dead_letters))).all()) == 1
