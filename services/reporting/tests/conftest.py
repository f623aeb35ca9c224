"""Reporting test fixtures: an event factory, a producer on the session's broker, a reporting app.

Exact-count assertions use province codes no real province has (97, 98, 99): every test in the session
shares one broker, and reporting reads every topic from offset 0, so other suites' events are there too."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from dvc_contracts import topics
from dvc_contracts.clock import now, vn_today
from dvc_contracts.envelope import CloudEvent, new_event, to_binary
from dvc_contracts.events import (
    AccountRegisteredV1,
    AccountSignedInV1,
    AgencyStatusRejectedV1,
    DossierForwardedV1,
    DossierStatusChangedV1,
    DossierSubmittedV1,
    FeedbackAnsweredV1,
    FeedbackReceivedV1,
    FeePaidV1,
    FineIssuedV1,
    FineSettledV1,
    ProcedurePublishedV1,
    SmsDeliveredV1,
    SmsFailedV1,
    SmsSentV1,
)
from dvc_reporting.config import Settings
from dvckit.auth.jwt import DevKeys
from dvckit.settings import AuthSettings, KafkaSettings


class Events:
    """Payload builders with sensible defaults (Vietnamese text with diacritics)."""

    def __init__(self, run: str) -> None:
        self.run = run

    def code(self, n: int | str) -> str:
        return f"RP-{self.run}-{n}"

    def procedure(
        self, code: str, saving: int | None = 50_000, sector: str = "DUONG-BO", version: int = 1
    ) -> ProcedurePublishedV1:
        return ProcedurePublishedV1(
            code=code,
            version=version,
            name="Cấp đổi giấy phép lái xe",
            sector=sector,
            agency_code="SO-GTVT",
            agency_name="Sở Giao thông vận tải",
            level="province",
            service_level=4,
            fee={"kind": "fixed", "amount_vnd": 135_000},
            processing_days=5,
            social_saving_vnd=saving,
            published_at=now(),
        )

    def submitted(
        self, code: str, province: str, procedure: str, *, channel: str = "online", due: date | None = None,
        agency: str = "SO-GTVT", sector: str = "DUONG-BO", at: datetime | None = None,
    ) -> DossierSubmittedV1:  # fmt: skip
        return DossierSubmittedV1(
            dossier_code=code,
            procedure_code=procedure,
            procedure_name="Cấp đổi giấy phép lái xe",
            procedure_version=1,
            agency_code=agency,
            province_code=province,
            sector=sector,
            channel=channel,  # type: ignore[arg-type]
            applicant_name="Nguyễn Thị Hoa",
            submitted_at=at or now() - timedelta(days=10),
            due_date=due,
        )

    def status(
        self, code: str, province: str, procedure: str, seq: int, status: str, *, agency: str = "SO-GTVT",
        channel: str = "online", due: date | None = None, at: datetime | None = None, note: str | None = None,
        sector: str = "DUONG-BO",
    ) -> DossierStatusChangedV1:  # fmt: skip
        return DossierStatusChangedV1(
            dossier_code=code,
            procedure_code=procedure,
            procedure_name="Cấp đổi giấy phép lái xe",
            agency_code=agency,
            province_code=province,
            sector=sector,
            channel=channel,  # type: ignore[arg-type]
            sequence=seq,
            new_status=status,  # type: ignore[arg-type]
            occurred_at=at or now() - timedelta(days=9) + timedelta(hours=seq),
            due_date=due,
            note=note,
        )

    def forwarded(
        self, code: str, province: str, procedure: str, src: str, dst: str, at: datetime
    ) -> DossierForwardedV1:
        return DossierForwardedV1(
            dossier_code=code,
            procedure_code=procedure,
            province_code=province,
            from_agency_code=src,
            to_agency_code=dst,
            to_agency_name="Công an cấp tỉnh",
            forwarded_at=at,
            note="Chuyển hồ sơ sang cơ quan công an",
        )

    def paid(self, pid: str, amount: int, *, dossier: str | None = None, province: str | None = None,
             provider: str = "vnpay", purpose: str = "dossier_fee") -> FeePaidV1:  # fmt: skip
        return FeePaidV1(
            payment_id=pid,
            purpose=purpose,  # type: ignore[arg-type]
            dossier_code=dossier,
            province_code=province,
            amount_vnd=amount,
            provider=provider,
            provider_txn_id=f"T{pid}",
            paid_at=now() - timedelta(days=1),
        )

    def fine(self, no: str, province: str, amount: int = 800_000) -> FineIssuedV1:
        return FineIssuedV1(
            decision_no=no,
            record_no=f"BB-{no}",
            violation_date=vn_today() - timedelta(days=20),
            offender_name="Trần Văn Bình",
            plate="29A-123.45",
            amount=amount,
            issuing_unit="Phòng Cảnh sát giao thông",
            province_code=province,
            decided_at=now() - timedelta(days=15),
        )

    def fine_settled(
        self, no: str, province: str, channel: str = "online", amount: int = 800_000
    ) -> FineSettledV1:
        return FineSettledV1(
            decision_no=no,
            record_no=f"BB-{no}",
            payment_id=f"pay-{no}",
            amount_due=amount,
            amount_paid=amount,
            province_code=province,
            channel=channel,  # type: ignore[arg-type]
            settled_at=now() - timedelta(days=2),
        )

    def feedback(self, fid: str, province: str, due: date | None = None) -> FeedbackReceivedV1:
        return FeedbackReceivedV1(
            feedback_id=fid,
            kind="feedback",
            category="thai-do-phuc-vu",
            province_code=province,
            agency_code="SO-GTVT",
            received_at=now() - timedelta(days=8),
            due_date=due,
        )

    def answered(self, fid: str, province: str) -> FeedbackAnsweredV1:
        return FeedbackAnsweredV1(
            feedback_id=fid,
            agency_code="SO-GTVT",
            province_code=province,
            answered_at=now() - timedelta(days=3),
        )

    def sms_sent(self, mid: str, dossier: str | None, segments: int = 1) -> SmsSentV1:
        return SmsSentV1(
            message_id=mid,
            dossier_code=dossier,
            phone_masked="09******78",
            template="dossier-submitted",
            encoding="UCS-2",
            segments=segments,
            provider="viettel",
            sent_at=now() - timedelta(days=1),
            trigger_event_id=str(uuid.uuid4()),
        )

    def sms_delivered(self, mid: str, dossier: str | None) -> SmsDeliveredV1:
        return SmsDeliveredV1(
            message_id=mid,
            dossier_code=dossier,
            phone_masked="09******78",
            provider="viettel",
            delivered_at=now(),
        )

    def sms_failed(self, mid: str, dossier: str | None) -> SmsFailedV1:
        return SmsFailedV1(
            message_id=mid,
            dossier_code=dossier,
            phone_masked="09******78",
            template="dossier-submitted",
            provider="viettel",
            status="permanent-failure",
            reason="số không tồn tại",
            failed_at=now(),
        )

    def rejected(self, agency: str, reason: str, message: str, dossier: str) -> AgencyStatusRejectedV1:
        return AgencyStatusRejectedV1(
            reason=reason,
            message=message,
            original_topic=topics.AGENCY_STATUS_REPORTED,
            original_partition=0,
            original_offset=1,
            original_key=dossier,
            original_value_b64="e30=",
            dossier_code=dossier,
            agency_code=agency,
            rejected_at=now(),
        )


TOPIC_OF: dict[type[BaseModel], str] = {
    ProcedurePublishedV1: topics.PROCEDURE_PUBLISHED,
    DossierSubmittedV1: topics.DOSSIER_SUBMITTED,
    DossierStatusChangedV1: topics.DOSSIER_STATUS_CHANGED,
    DossierForwardedV1: topics.DOSSIER_FORWARDED,
    FeePaidV1: topics.FEE_PAID,
    FineIssuedV1: topics.FINE_ISSUED,
    FineSettledV1: topics.FINE_SETTLED,
    FeedbackReceivedV1: topics.FEEDBACK_RECEIVED,
    FeedbackAnsweredV1: topics.FEEDBACK_ANSWERED,
    SmsSentV1: topics.SMS_SENT,
    SmsDeliveredV1: topics.SMS_DELIVERED,
    SmsFailedV1: topics.SMS_FAILED,
    AgencyStatusRejectedV1: topics.AGENCY_STATUS_REJECTED,
    AccountRegisteredV1: topics.ACCOUNT_REGISTERED,
    AccountSignedInV1: topics.ACCOUNT_SIGNED_IN,
}


def key_of(payload: BaseModel) -> str:
    for attr in (
        "dossier_code",
        "payment_id",
        "decision_no",
        "feedback_id",
        "message_id",
        "code",
        "account_id",
    ):
        value = getattr(payload, attr, None)
        if value:
            return str(value)
    return "none"


class Emitter:
    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer

    def event(self, payload: BaseModel, event_id: str | None = None) -> tuple[str, CloudEvent]:
        topic = TOPIC_OF[type(payload)]
        return topic, new_event(topic, "/dvc/test", payload, subject=key_of(payload), id_=event_id)

    async def send(self, payload: BaseModel, event_id: str | None = None) -> CloudEvent:
        topic, ev = self.event(payload, event_id)
        await self.send_event(topic, ev)
        return ev

    async def send_event(self, topic: str, ev: CloudEvent) -> None:
        headers, value = to_binary(ev)
        await self.producer.send(topic, value=value, key=str(ev.subject).encode(), headers=headers)

    async def send_raw(self, topic: str, key: str, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        await self.producer.send(topic, value=value, key=key.encode(), headers=headers)

    async def flush(self) -> None:
        await self.producer.flush()


@pytest.fixture
def events() -> Events:
    return Events(uuid.uuid4().hex[:6].upper())


@pytest.fixture(scope="session")
async def emitter(kafka_bootstrap: str) -> AsyncIterator[Emitter]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", linger_ms=2)
    await producer.start()
    try:
        yield Emitter(producer)
    finally:
        await producer.stop()


@pytest.fixture(scope="session")
def reporting_settings(kafka_bootstrap: str, dev_keys: tuple[DevKeys, Path]) -> Callable[..., Settings]:
    def make(database_url: str, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "consumer_group": f"dvc-reporting-it-{uuid.uuid4().hex[:6]}",
            "relay_idle_seconds": 0.05,
            "service_urls": {},
            "lag_groups": [],
            "pipeline_interval_seconds": 1.0,
            "metrics_interval_seconds": 1.0,
            "live_min_interval_seconds": 0.2,
            "kafka": KafkaSettings(bootstrap=kafka_bootstrap, session_timeout_ms=1000),
            "auth": AuthSettings(jwks_file=str(dev_keys[1]), jwks_url=None),
        }
        return Settings(**(values | overrides))

    return make
