"""Live and replay see the same events in different interleavings and batches: the projector (domain folds
+ store, on SQLite, no broker) must write the same rows in every read-model table whatever the interleaving.

Kafka keeps the order of one key's records on one topic (one partition); everything else is free: topics
and keys interleave differently, and a consumer's batches are cut differently (the live service reads a few
records at a time as they come, a replay reads each topic in large batches). The stream mixes what the
services really send: dossiers filed online and at counters, late sequences, forwards, payments and SMS that
name a dossier before it is known, receipts before the send, feedback answered before it is received, fines
settled before they are issued, and events that disagree (a status event naming another province than the
submission, a forward with another procedure name).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from dvc_contracts import topics
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
from dvc_reporting.adapters import orm
from dvc_reporting.adapters.store import ReadModelStore
from dvc_reporting.service.projector import Projector

from ..readmodel import diff, recount, snapshot

T0 = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
D0 = date(2026, 11, 2)

TOPIC_OF: dict[type[BaseModel], str] = {
    ProcedurePublishedV1: topics.PROCEDURE_PUBLISHED,
    DossierSubmittedV1: topics.DOSSIER_SUBMITTED,
    DossierStatusChangedV1: topics.DOSSIER_STATUS_CHANGED,
    DossierForwardedV1: topics.DOSSIER_FORWARDED,
    AgencyStatusRejectedV1: topics.AGENCY_STATUS_REJECTED,
    FeePaidV1: topics.FEE_PAID,
    FineIssuedV1: topics.FINE_ISSUED,
    FineSettledV1: topics.FINE_SETTLED,
    FeedbackReceivedV1: topics.FEEDBACK_RECEIVED,
    FeedbackAnsweredV1: topics.FEEDBACK_ANSWERED,
    SmsSentV1: topics.SMS_SENT,
    SmsDeliveredV1: topics.SMS_DELIVERED,
    SmsFailedV1: topics.SMS_FAILED,
    AccountRegisteredV1: topics.ACCOUNT_REGISTERED,
    AccountSignedInV1: topics.ACCOUNT_SIGNED_IN,
}
TOPIC_ORDER = list(dict.fromkeys(TOPIC_OF.values()))  # the consumer's order inside one fetched batch

Record = tuple[str, str, str, BaseModel]  # topic, Kafka key, event id, payload


KEY_OF: dict[type[BaseModel], str] = {
    ProcedurePublishedV1: "code",
    DossierSubmittedV1: "dossier_code",
    DossierStatusChangedV1: "dossier_code",
    DossierForwardedV1: "dossier_code",
    AgencyStatusRejectedV1: "original_key",
    FeePaidV1: "payment_id",
    FineIssuedV1: "decision_no",
    FineSettledV1: "decision_no",
    FeedbackReceivedV1: "feedback_id",
    FeedbackAnsweredV1: "feedback_id",
    SmsSentV1: "message_id",
    SmsDeliveredV1: "message_id",
    SmsFailedV1: "message_id",
    AccountRegisteredV1: "account_id",
    AccountSignedInV1: "account_id",
}


def _key(payload: BaseModel) -> str:
    """The Kafka key the producing service uses (the aggregate id)."""
    return str(getattr(payload, KEY_OF[type(payload)]))


def story(rnd: random.Random) -> list[Record]:
    """Every record, each key's records of one topic in their Kafka order."""
    out: list[Record] = []
    n = 0

    def emit(payload: BaseModel) -> None:
        nonlocal n
        n += 1
        out.append((TOPIC_OF[type(payload)], _key(payload), f"ev-{n:04d}", payload))

    for code, saving in (("P1", 70_000), ("P2", None)):
        emit(ProcedurePublishedV1(
            code=code, version=1, name="Cấp đổi giấy phép lái xe", sector="DUONG-BO", agency_code="SO-GTVT",
            agency_name="Sở Giao thông vận tải", level="province", service_level=4, fee={"kind": "free"},
            processing_days=5, social_saving_vnd=saving, published_at=T0,
        ))  # fmt: skip
    statuses = ["received", "processing", "supplement_requested", "processing", "completed", "returned"]
    provinces = [
        "01",
        "79",
        "48",
        "74",
        "49",
    ]  # and two retired codes (Bình Dương, Quảng Nam): read as the 63
    dossiers = [f"D{d:02d}" for d in range(30)]
    for d, code in enumerate(dossiers):
        province = rnd.choice(provinces)
        other = rnd.choice(provinces)  # an agency report that disagrees with the submission
        start = T0 - timedelta(days=rnd.randint(0, 12), hours=rnd.randint(0, 23))
        if d % 6 == 2:  # opened around the rearrangement of 1 July 2025 (00:00 in Viet Nam = 17:00 UTC)
            start = datetime(2025, 6, 30, 16, 30, tzinfo=UTC) + timedelta(hours=d % 4)
        due = D0 + timedelta(days=rnd.randint(-4, 4))
        online = d % 3 != 0
        proc = "P1" if d % 2 else "P2"
        if online and d % 7 != 1:  # some online dossiers are only known by their status events
            emit(DossierSubmittedV1(
                dossier_code=code, procedure_code=proc, procedure_name="Đăng ký xe", procedure_version=1,
                agency_code="SO-GTVT", province_code=province, sector="DUONG-BO", channel="online",
                applicant_name="Nguyễn Thị Hoa", submitted_at=start, due_date=due if d % 4 else None,
            ))  # fmt: skip
        seqs = list(range(1, rnd.randint(1, len(statuses)) + 1))
        if rnd.random() < 0.3:
            rnd.shuffle(seqs)  # an agency that reports late: older sequences after newer ones
        for seq in seqs:
            emit(DossierStatusChangedV1(
                dossier_code=code, procedure_code=proc,
                procedure_name=None if seq % 2 else f"Đăng ký xe ({seq})",
                agency_code="SO-GTVT" if seq < 3 else "CA-TINH",
                province_code=other if d % 5 == 0 and seq > 2 else province,
                sector="DUONG-BO", channel="online" if online else "counter", sequence=seq,
                new_status=statuses[seq - 1], occurred_at=start + timedelta(hours=seq),
                due_date=due + timedelta(days=seq) if seq in (1, 3) else None,
            ))  # fmt: skip
        for f in range(rnd.randint(0, 2)):
            emit(DossierForwardedV1(
                dossier_code=code, procedure_code=proc, procedure_name=f"Chuyển {f}",
                province_code=rnd.choice(provinces), from_agency_code="SO-GTVT", to_agency_code=f"CA-{f}",
                forwarded_at=start + timedelta(hours=2, minutes=30 + f), due_date=due + timedelta(days=2 + f),
            ))  # fmt: skip
    for i in range(25):  # payments: most name a dossier without a province, some name an unknown dossier
        dossier = rnd.choice([*dossiers, "D-UNKNOWN", None])
        province = rnd.choice([None, None, "01", "79"])
        for attempt in range(1 + (i % 6 == 0)):  # a late success repeats the payment id
            emit(FeePaidV1(
                payment_id=f"PAY{i}", dossier_code=dossier, province_code=province if attempt == 0 else None,
                amount_vnd=50_000 + i, provider=rnd.choice(["vnpay", "momo"]), provider_txn_id=f"T{i}-{attempt}",
                paid_at=T0 - timedelta(hours=i), late=attempt == 1,
            ))  # fmt: skip
    for i in range(25):  # SMS: sent / delivered / failed, any subset, with or without the dossier
        mid, dossier = f"M{i}", rnd.choice([*dossiers, None])
        kinds = [k for k in ("sent", "delivered", "failed") if rnd.random() < 0.7] or ["delivered"]
        for kind in kinds:
            named = dossier if rnd.random() < 0.7 else None
            if kind == "sent":
                emit(SmsSentV1(
                    message_id=mid, dossier_code=named, phone_masked="09******78", template="dossier-status",
                    encoding="UCS-2", segments=1 + i % 3, provider="viettel", sent_at=T0 + timedelta(minutes=i),
                    trigger_event_id=f"t{i}",
                ))  # fmt: skip
            elif kind == "delivered":
                emit(SmsDeliveredV1(
                    message_id=mid, dossier_code=named, phone_masked="09******78", provider="vnpt",
                    delivered_at=T0 + timedelta(minutes=i + 1),
                ))  # fmt: skip
            else:
                emit(SmsFailedV1(
                    message_id=mid, dossier_code=named, phone_masked="09******78", template="dossier-failed",
                    provider=rnd.choice(["mobifone", None]), status="permanent-failure", reason="số không tồn tại",
                    failed_at=T0 + timedelta(minutes=i + 2),
                ))  # fmt: skip
    for i in range(12):  # feedback: received and/or answered; the deadlines may disagree
        fid = f"FB{i}"
        if i % 4 != 3:
            emit(FeedbackReceivedV1(
                feedback_id=fid, kind="feedback", category="thai-do-phuc-vu", province_code="48",
                agency_code="SO-GTVT", dossier_code=rnd.choice([None, *dossiers]),
                received_at=T0 - timedelta(days=8), due_date=rnd.choice([None, D0 - timedelta(days=4)]),
            ))  # fmt: skip
        if i % 2:
            emit(FeedbackAnsweredV1(
                feedback_id=fid, agency_code="UBND-TP", province_code="01", dossier_code=rnd.choice([None, "D01"]),
                answered_at=T0 - timedelta(days=3), due_date=rnd.choice([None, D0 - timedelta(days=1)]),
                on_time=rnd.choice([None, None, True, False]),
            ))  # fmt: skip
    for i in range(8):  # fines: issued and/or settled (settled at a counter or online)
        no = f"QD{i}"
        if i % 4 != 3:
            emit(FineIssuedV1(
                decision_no=no, record_no=f"BB{i}", violation_date=D0 - timedelta(days=20), offender_name="Trần Văn Bình",
                plate="29A-123.45", amount=500_000 + i, issuing_unit="Phòng CSGT", province_code="01",
                decided_at=T0 - timedelta(days=15),
            ))  # fmt: skip
        if i % 2:
            emit(FineSettledV1(
                decision_no=no, record_no=f"BB{i}", payment_id=f"pay-{no}", amount_due=500_000 + i,
                amount_paid=500_000 + i, province_code="79", issuing_unit="CSGT", settled_at=T0 - timedelta(days=2),
                channel="online" if i % 3 else "counter",
            ))  # fmt: skip
    emit(AgencyStatusRejectedV1(
        reason="invalid_payload", message="sequence: Input should be greater than or equal to 0",
        original_topic=topics.AGENCY_STATUS_REPORTED, original_partition=0, original_offset=1, original_key="D01",
        original_value_b64="e30=", dossier_code="D01", agency_code="SO-GTVT", rejected_at=T0,
    ))  # fmt: skip
    for i in range(
        6
    ):  # accounts: registered at the first sign-in (some never announced), around midnight in VN
        account = f"{i:032x}"
        first = datetime(2026, 11, 1, 16, 58, tzinfo=UTC) + timedelta(minutes=i)
        if i % 3:
            emit(AccountRegisteredV1(account_id=account, role="citizen" if i % 2 else "operator",
                                     channel="portal" if i % 2 else "dashboard", registered_at=first))  # fmt: skip
        for k in range(rnd.randint(1, 4)):
            emit(AccountSignedInV1(
                account_id=account, role="citizen" if i % 2 else "operator", channel="portal" if i % 2 else "dashboard",
                assurance_level=rnd.choice([None, 1, 2]), signed_in_at=first + timedelta(hours=5 * k),
            ))  # fmt: skip
    return out


def interleave(records: Sequence[Record], rnd: random.Random) -> list[Record]:
    """A random merge that keeps each (topic, key)'s order: what one consumer may see."""
    queues: dict[tuple[str, str], list[Record]] = {}
    for r in records:
        queues.setdefault((r[0], r[1]), []).append(r)
    heads = {k: 0 for k in queues}
    out: list[Record] = []
    while heads:
        k = rnd.choice(sorted(heads))
        out.append(queues[k][heads[k]])
        heads[k] += 1
        if heads[k] == len(queues[k]):
            del heads[k]
    return out


def topic_by_topic(records: Sequence[Record]) -> list[Record]:
    """What a replay typically sees: each topic's records in large batches, the catalog first."""
    return sorted(records, key=lambda r: TOPIC_ORDER.index(r[0]))


@pytest.fixture
async def new_engine() -> AsyncIterator[Callable[[], Any]]:
    """A fresh in-memory read model per call (one connection, so every session sees the same database)."""
    engines: list[AsyncEngine] = []

    async def make() -> AsyncEngine:
        engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
        engines.append(engine)
        async with engine.begin() as conn:
            await conn.run_sync(orm.metadata.create_all)
        return engine

    yield make
    for engine in engines:
        await engine.dispose()


async def project(engine: AsyncEngine, records: Sequence[Record], batch_sizes: Callable[[], int]) -> None:
    """Cut ``records`` into fetched batches; each batch is split by topic and every part is applied in its own
    transaction, as the service's consumer does."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    i = 0
    while i < len(records):
        size = batch_sizes()
        batch, i = records[i : i + size], i + size
        for topic in TOPIC_ORDER:
            part = [(eid, payload) for t, _, eid, payload in batch if t == topic]
            if part:
                async with sessions() as session, session.begin():
                    await Projector(ReadModelStore(session)).apply(part)


@pytest.mark.parametrize("seed", [1, 2])
async def test_every_interleaving_and_batching_writes_the_same_read_model(
    seed: int, new_engine: Callable[[], Any]
) -> None:
    rnd = random.Random(seed)
    records = story(rnd)
    runs: list[tuple[str, list[Record], Callable[[], int]]] = [
        ("as produced, one record at a time", list(records), lambda: 1),
        ("replay: topic by topic, large batches", topic_by_topic(records), lambda: 500),
    ]
    for i in range(3):
        order = interleave(records, rnd)
        runs.append((f"interleaving {i}, small batches", order, lambda: rnd.randint(1, 7)))
    runs.append(("interleaving, one batch", interleave(records, rnd), lambda: len(records)))
    snaps = []
    for _, order, sizes in runs:
        engine = await new_engine()
        await project(engine, order, sizes)
        snaps.append(await snapshot(engine))

    first = snaps[0]
    assert len(first["dossiers"]) >= 30 and first["agg_dossiers"] and first["payments"] and first["sms"]
    assert len(first["accounts"]) == 6 and first["account_days"] and first["account_sign_ins"]
    for (label, _, _), snap in zip(runs, snaps, strict=True):
        for name, rows in first.items():
            assert snap[name] == rows, f"{label}: {name} differs: {diff(rows, snap[name])}"
        for name, rows in recount(snap).items():
            assert snap[name] == rows, (
                f"{label}: {name} is not a recount: {diff(snap[name], rows, ('table', 'recount'))}"
            )


async def test_payments_and_sms_follow_the_province_of_their_dossier(new_engine: Callable[[], Any]) -> None:
    """A payment (without a province) and an SMS that name a dossier show the dossier's province, also when
    the dossier's events disagree and a later one moves it (status events first, the submission later)."""
    status = DossierStatusChangedV1(
        dossier_code="DX", procedure_code="P1", agency_code="SO-GTVT", province_code="79", sector="DUONG-BO",
        channel="online", sequence=1, new_status="received", occurred_at=T0,
    )  # fmt: skip
    submitted = DossierSubmittedV1(
        dossier_code="DX", procedure_code="P1", procedure_name="Đăng ký xe", procedure_version=1,
        agency_code="SO-GTVT", province_code="01", sector="DUONG-BO", channel="online",
        applicant_name="Lê Thị Mai", submitted_at=T0 - timedelta(hours=1),
    )  # fmt: skip
    paid = FeePaidV1(
        payment_id="PX",
        dossier_code="DX",
        amount_vnd=135_000,
        provider="vnpay",
        provider_txn_id="1",
        paid_at=T0,
    )
    own = FeePaidV1(
        payment_id="PY", dossier_code="DX", province_code="48", amount_vnd=1_000, provider="vnpay",
        provider_txn_id="2", paid_at=T0,
    )  # fmt: skip
    sent = SmsSentV1(
        message_id="MX", dossier_code="DX", phone_masked="09******78", template="t", encoding="UCS-2", segments=2,
        provider="viettel", sent_at=T0, trigger_event_id="x",
    )  # fmt: skip
    facts: list[Record] = [
        (TOPIC_OF[type(d)], "k", f"e{i}", d) for i, d in enumerate([status, paid, own, sent, submitted])
    ]
    for order in (facts, facts[::-1], [facts[4], *facts[:4]], [facts[1], facts[4], facts[0], *facts[2:4]]):
        engine = await new_engine()
        await project(engine, order, lambda: 1)
        snap = await snapshot(engine)
        provinces = {r[0]: r[6] for r in snap["payments"]} | {r[0]: r[2] for r in snap["sms"]}
        assert provinces == {"PX": "01", "PY": "48", "MX": "01"}
        assert snap["agg_payments_total"] == [
            ("01", "vnpay", "dossier_fee", "", 1, 135_000),
            ("48", "vnpay", "dossier_fee", "", 1, 1_000),
        ]
        assert snap["agg_sms_total"] == [("01", "viettel", "", 1, 2, 0, 0)]
