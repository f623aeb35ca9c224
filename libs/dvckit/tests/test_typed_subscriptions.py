"""Typed subscriptions (dvckit.messaging.typed, Runtime.subscribe): the handler gets the validated model; a
record that is not a valid payload of the route's type goes to the dead-letter path with its reason, alone,
and the next record is handled; batch handlers get typed lists; a raw route gets the records as they are;
a batch's parts are handled in the order the routes were declared."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select

from dvc_contracts import topics
from dvc_contracts.envelope import CloudEvent, new_event, to_binary
from dvc_contracts.events import FeePaidV1, PayloadError, PaymentExpiredV1
from dvckit.db import messaging_tables, new_metadata
from dvckit.devbroker import ensure_topics
from dvckit.messaging.consumer import ConsumerSpec, Record, Rejected, Route, dispatch, process_batch
from dvckit.messaging.typed import Event, Rejection, typed_each, typed_events
from dvckit.runtime import build_runtime
from dvckit.settings import KafkaSettings, ServiceSettings
from dvckit.testing import MessagingStore, PostgresServer, eventually, messaging_store
from dvckit.uow import UnitOfWork

PAID_AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@dataclass
class FakeRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Any


def fee_paid(payment_id: str, **data: Any) -> CloudEvent:
    payload = {
        "payment_id": payment_id,
        "amount_vnd": 135_000,
        "provider": "vnpay",
        "provider_txn_id": f"T-{payment_id}",
        "paid_at": PAID_AT.isoformat(),
    } | data
    return new_event(topics.FEE_PAID, "/dvc/payment", payload, subject=payment_id)


def records(topic: str, *events: CloudEvent) -> list[Record]:
    out: list[Record] = []
    for offset, event in enumerate(events):
        headers, value = to_binary(event)
        out.append(FakeRecord(topic, 0, offset, (event.subject or "").encode(), value, headers))
    return out


def spec(store: MessagingStore) -> ConsumerSpec:
    sessions, tables = store
    return ConsumerSpec(
        service="kit", group_id="kit", uow_factory=lambda: UnitOfWork(sessions, tables, service="kit")
    )


async def dead_letters(store: MessagingStore) -> list[tuple[str, str, bytes]]:
    """(reason, message, original value) of every dead-letter row in the outbox, in order."""
    sessions, tables = store
    async with sessions() as s:
        rows = (
            await s.execute(
                select(tables.outbox)
                .where(tables.outbox.c.topic == topics.DEAD_LETTER)
                .order_by(tables.outbox.c.id)
            )
        ).all()
    out = []
    for row in rows:
        headers = dict(row.headers)
        out.append((headers["dvc_reason"], headers["dvc_message"], bytes(row.value)))
    return out


async def test_a_typed_handler_gets_the_model_and_a_bad_payload_goes_alone_with_its_reason(
    pg: PostgresServer,
) -> None:
    got: list[Event[FeePaidV1]] = []

    async def on_fee_paid(event: Event[FeePaidV1], uow: UnitOfWork) -> None:
        got.append(event)

    first, negative = fee_paid("P-1"), fee_paid("P-2", amount_vnd=-5)
    wrong_type = new_event(topics.PAYMENT_EXPIRED, "/dvc/payment", {"payment_id": "P-3"}, subject="P-3")
    last = fee_paid("P-4", purpose="fine", decision_no="QD-1")
    async with messaging_store(pg, "dvct_kit_typed") as store:
        outcomes = await process_batch(
            spec(store),
            records(topics.FEE_PAID, first, negative, wrong_type, last),
            typed_each(FeePaidV1, on_fee_paid),
            "kit:on_fee_paid",
        )
        refused = await dead_letters(store)
    assert [type(e.data) for e in got] == [FeePaidV1, FeePaidV1]
    assert [(e.id, e.data.payment_id, e.data.purpose, e.subject) for e in got] == [
        (first.id, "P-1", "dossier_fee", "P-1"),
        (last.id, "P-4", "fine", "P-4"),
    ], "the records after the bad ones are handled, in order"
    assert (outcomes["applied"], outcomes["rejected"]) == (2, 2)
    assert [(reason, message.split(":")[0]) for reason, message, _ in refused] == [
        ("invalid_payload", "amount_vnd"),
        ("unknown_type", "type"),
    ], "each refusal says why, naming the field"
    assert json.loads(refused[0][2])["amount_vnd"] == -5, "the original bytes are kept"


async def test_a_batch_handler_gets_a_typed_list_and_its_own_rejections_count(pg: PostgresServer) -> None:
    calls: list[list[Event[FeePaidV1]]] = []

    async def on_fees(events: list[Event[FeePaidV1]], uow: UnitOfWork) -> list[Rejection]:
        calls.append(events)
        return [
            Rejection(e.id, "fine_unknown", "no such decision") for e in events if e.data.purpose == "fine"
        ]

    batch = [fee_paid("B-1"), fee_paid("B-2", paid_at="yesterday"), fee_paid("B-3", purpose="fine")]
    async with messaging_store(pg, "dvct_kit_typed_batch") as store:
        outcomes = await process_batch(
            spec(store), records(topics.FEE_PAID, *batch), typed_events(FeePaidV1, on_fees), "kit:on_fees"
        )
        refused = await dead_letters(store)
    assert len(calls) == 1, "one call for the whole batch"
    assert [(e.data.payment_id, type(e.data).__name__) for e in calls[0]] == [
        ("B-1", "FeePaidV1"),
        ("B-3", "FeePaidV1"),
    ]
    assert [reason for reason, _, _ in refused] == ["invalid_payload", "fine_unknown"]
    assert (outcomes["applied"], outcomes["rejected"]) == (1, 2)


async def test_event_of_validates_like_the_kit() -> None:
    event = Event.of(fee_paid("E-1"), FeePaidV1)
    assert event.data.amount_vnd == 135_000 and event.type == topics.FEE_PAID
    assert type(Event.parse(fee_paid("E-2")).data) is FeePaidV1
    data = {"payment_id": "E-3", "amount_vnd": 1, "expired_at": PAID_AT.isoformat()}
    expired = new_event(topics.PAYMENT_EXPIRED, "/x", data)
    assert Event.parse(expired).data == PaymentExpiredV1(payment_id="E-3", amount_vnd=1, expired_at=PAID_AT)
    with pytest.raises(PayloadError) as info:
        Event.of(expired, FeePaidV1)
    assert info.value.reason == "unknown_type"


async def test_a_batch_is_handled_in_the_order_the_routes_were_declared(pg: PostgresServer) -> None:
    """Records of three topics in one fetch: the raw route first, then the typed ones, as declared."""
    seen: list[str] = []

    async def on_raw(recs: Any, uow: UnitOfWork) -> None:
        seen.extend(f"raw:{r.value.decode()}" for r in recs)

    async def on_paid(event: Event[FeePaidV1], uow: UnitOfWork) -> None:
        seen.append(f"paid:{event.data.payment_id}")

    async def on_batch(events: list[Event[FeePaidV1]], uow: UnitOfWork) -> list[Rejection]:
        seen.append("batch:" + ",".join(e.data.payment_id for e in events))
        return []

    async with messaging_store(pg, "dvct_kit_typed_order") as store:
        routes = [
            Route("kit-raw", on_raw, spec(store), raw=True),
            Route("fee-paid.kit", typed_each(FeePaidV1, on_paid), spec(store)),
            Route("fee-paid.kit-batch", typed_events(FeePaidV1, on_batch), spec(store)),
        ]
        fetched = [
            *records("fee-paid.kit-batch", fee_paid("O-B1"), fee_paid("O-B2")),
            *records("fee-paid.kit", fee_paid("O-P1")),
            FakeRecord("kit-raw", 0, 0, None, b"not a cloud event", []),
        ]
        await dispatch(routes, fetched)
    assert seen == ["raw:not a cloud event", "paid:O-P1", "batch:O-B1,O-B2"]


async def test_the_runtime_consumes_typed_batch_and_raw_routes_from_the_broker(
    pg: PostgresServer, kafka_bootstrap: str
) -> None:
    """One consumer for every route: a typed per-event route on another topic than its model's own (an agency
    system's ingress is such a topic), a typed batch route and a raw route; a bad payload is dead-lettered
    with its reason and the record after it is handled."""
    run = uuid.uuid4().hex[:6]
    paid_topic, batch_topic, raw_topic = f"fee-paid.kit-{run}", f"fee-paid.kit-batch-{run}", f"kit-raw-{run}"
    await ensure_topics(kafka_bootstrap, [(paid_topic, 1), (batch_topic, 1), (raw_topic, 1)])
    tables = messaging_tables(new_metadata())
    settings = ServiceSettings(
        service_name="kit",
        database_url=pg.sqlalchemy_url(await pg.create_database("dvct_kit_typed_rt")),
        consumer_group=f"kit-typed-{run}",
        kafka=KafkaSettings(bootstrap=kafka_bootstrap, session_timeout_ms=1000),
    )
    runtime = build_runtime(settings, tables, UnitOfWork)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(tables.outbox.metadata.create_all)
    seen: list[str] = []

    async def on_raw(recs: Any, uow: UnitOfWork) -> None:
        seen.extend(f"raw:{r.value.decode()}" for r in recs)

    async def on_paid(event: Event[FeePaidV1], uow: UnitOfWork) -> None:
        seen.append(f"paid:{event.data.payment_id}")

    async def on_batch(events: list[Event[FeePaidV1]], uow: UnitOfWork) -> list[Rejection]:
        seen.extend(f"batch:{e.data.payment_id}" for e in events)
        return []

    runtime.subscribe_raw(raw_topic, on_raw)
    runtime.subscribe(FeePaidV1, on_paid, topic=paid_topic)
    runtime.subscribe_batch(FeePaidV1, on_batch, topic=batch_topic)
    runtime.finalize()
    bad = fee_paid("R-P1", amount_vnd="nhiều")
    sent = [
        (paid_topic, to_binary(bad)),
        (paid_topic, to_binary(fee_paid("R-P2"))),
        (batch_topic, to_binary(fee_paid("R-B1"))),
        (raw_topic, ([], b"not a cloud event")),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for topic, (headers, value) in sent:
            await producer.send_and_wait(topic, value=value, key=b"k", headers=headers)
    finally:
        await producer.stop()
    await runtime.broker.start()
    store = (runtime.sessionmaker, tables)
    try:

        async def handled() -> bool:
            return len(seen) >= 3 and len(await dead_letters(store)) >= 1

        await eventually(handled, timeout=30)
        assert sorted(seen) == ["batch:R-B1", "paid:R-P2", "raw:not a cloud event"]
        [(reason, message, value)] = await dead_letters(store)
        assert (reason, message.split(":")[0], value) == ("invalid_payload", "amount_vnd", to_binary(bad)[1])
    finally:
        await runtime.broker.stop()
        await runtime.engine.dispose()


async def test_a_typed_handler_that_refuses_an_event_refuses_it_alone(pg: PostgresServer) -> None:
    """``Rejected`` from a typed per-event handler rolls the batch back; record by record, only that event is
    refused (with the handler's reason) and the others are applied."""
    applied: list[str] = []

    async def on_fee_paid(event: Event[FeePaidV1], uow: UnitOfWork) -> None:
        if event.data.purpose == "fine":
            raise Rejected("fine_unknown", f"no decision {event.data.decision_no}")
        applied.append(event.data.payment_id)

    batch = [fee_paid("J-1"), fee_paid("J-2", purpose="fine", decision_no="QD-9"), fee_paid("J-3")]
    async with messaging_store(pg, "dvct_kit_typed_refuse") as store:
        outcomes = await process_batch(
            spec(store), records(topics.FEE_PAID, *batch), typed_each(FeePaidV1, on_fee_paid), "kit:on_fee"
        )
        refused = await dead_letters(store)
    # J-1 once in the batch that was rolled back, then record by record: J-1 and J-3 applied, J-2 refused
    assert applied == ["J-1", "J-1", "J-3"]
    assert [(reason, message) for reason, message, _ in refused] == [("fine_unknown", "no decision QD-9")]
    assert (outcomes["applied"], outcomes["rejected"]) == (2, 1)


async def test_one_handler_under_two_names_has_an_inbox_per_name(pg: PostgresServer) -> None:
    """``name=``: one handler function on two topics under two inbox names, and a third route without a name
    (the handler's own). The same event on both named topics is applied once per name; delivered again, it is
    a duplicate for each, and the inbox holds one row per name."""
    tables = messaging_tables(new_metadata())
    settings = ServiceSettings(
        service_name="kit",
        database_url=pg.sqlalchemy_url(await pg.create_database("dvct_kit_typed_names")),
        kafka=KafkaSettings(bootstrap="127.0.0.1:9"),  # never started: the batches go through dispatch
    )
    runtime = build_runtime(settings, tables, UnitOfWork)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(tables.outbox.metadata.create_all)
    applied: list[str] = []

    async def on_fees(events: list[Event[FeePaidV1]], uow: UnitOfWork) -> list[Rejection]:
        applied.extend(e.data.payment_id for e in events)
        return []

    runtime.subscribe_batch(FeePaidV1, on_fees, topic="fee-paid.a", name="on_fee_paid_a")
    runtime.subscribe_batch(FeePaidV1, on_fees, topic="fee-paid.b", name="on_fee_paid_b")
    runtime.subscribe_batch(FeePaidV1, on_fees, topic="fee-paid.c")
    assert [r.inbox for r in runtime.routes] == ["kit:on_fee_paid_a", "kit:on_fee_paid_b", "kit:on_fees"]
    both, alone = fee_paid("N-1"), fee_paid("N-2")
    fetched = [*records("fee-paid.a", both), *records("fee-paid.b", both), *records("fee-paid.c", alone)]
    try:
        await dispatch(runtime.routes, fetched)
        assert applied == ["N-1", "N-1", "N-2"], "the same event id is new under each name"
        await dispatch(runtime.routes, fetched)
        assert applied == ["N-1", "N-1", "N-2"], "a redelivery is a duplicate under each name"
        async with runtime.sessionmaker() as s:
            inbox = (await s.execute(select(tables.inbox.c.consumer, tables.inbox.c.event_id))).all()
    finally:
        await runtime.engine.dispose()
    assert sorted(inbox) == sorted(
        [("kit:on_fee_paid_a", both.id), ("kit:on_fee_paid_b", both.id), ("kit:on_fees", alone.id)]
    )
