"""The handlers and the sender on the real PostgreSQL with a fake clock and scripted providers (no broker: what
goes out is read from the outbox): limits, opt-outs, invalid numbers, retries with back-off and failover
between gateways, the crash window, receipts out of order, the Kafka channel's outbound record."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from dvc_contracts import clock as dvc_clock
from dvc_contracts import topics
from dvc_notify.adapters.orm import messages, messaging, receipts
from dvc_notify.adapters.providers.base import OutgoingSms
from dvc_notify.adapters.providers.kafka_channel import KafkaChannelProvider
from dvc_notify.adapters.providers.sandbox import SandboxProvider
from dvc_notify.domain.failover import FailoverPolicy, Router
from dvc_notify.domain.limits import Limit, RateLimiter, next_vn_midnight
from dvc_notify.domain.status import Receipt, SubmitResult
from dvc_notify.service.intake import SmsRequest, request_sms
from dvc_notify.service.optouts import add_opt_out
from dvc_notify.service.receipts import apply_receipt
from dvc_notify.service.sender import Sender
from dvc_notify.service.sender_types import SenderConfig
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.db import make_engine, make_sessionmaker
from dvckit.messaging.consumer import Rejected
from dvckit.testing import PostgresServer, migrated_database

pytestmark = pytest.mark.integration

TABLES = "sms_messages, outbox, inbox, sandbox_sms, sms_opt_outs, sms_daily_usage, sms_receipts"


class FakeClock:
    def __init__(self) -> None:
        self.t = dvc_clock.now() + timedelta(seconds=5)  # messages created now are due
        self.mono = 10_000.0

    def now(self) -> datetime:
        return self.t

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)
        self.mono += seconds


class ScriptedGateway:
    """A remote provider answering from a script; deduplicates client references like the real ones."""

    idempotent = True

    def __init__(self, name: str, script: list[SubmitResult] | None = None) -> None:
        self.name = name
        self.script = list(script or [])
        self.calls: list[str] = []
        self.handset: dict[str, str] = {}

    async def send(self, sms: OutgoingSms) -> SubmitResult:
        self.calls.append(sms.message_id)
        if sms.message_id in self.handset:
            return SubmitResult("accepted", provider_ref=self.handset[sms.message_id])
        result = self.script.pop(0) if self.script else SubmitResult("accepted")
        if result.kind == "accepted":
            ref = f"{self.name}-{len(self.handset) + 1}"
            self.handset[sms.message_id] = ref
            return SubmitResult("accepted", provider_ref=ref)
        return result

    def parse_receipt(self, headers: Any, body: bytes, now: datetime) -> Receipt:
        raise NotImplementedError

    def receipt_ack(self) -> tuple[str, str]:
        return "", "text/plain"

    def describe(self) -> dict[str, Any]:
        return {}

    async def close(self) -> None:
        return None


@pytest.fixture(scope="module")
async def sessionmaker(pg: PostgresServer) -> AsyncIterator[Any]:
    url = await migrated_database(pg, "dvc_notify")
    engine = make_engine(url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def uows(sessionmaker: Any) -> Any:
    async with sessionmaker() as s:
        await s.execute(text(f"TRUNCATE {TABLES}"))
        await s.commit()
    return lambda: NotifyUnitOfWork(sessionmaker, messaging, service="notify")


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    yield FakeClock()


def make_sender(
    uows: Any,
    clock: FakeClock,
    providers: dict[str, Any] | None = None,
    limits: dict[str, Limit] | None = None,
    **config: Any,
) -> Sender:
    providers = providers if providers is not None else {"sandbox": SandboxProvider()}
    router = Router(
        providers, FailoverPolicy(window_seconds=60, min_samples=3, cooldown_seconds=30, drift_seconds=30)
    )
    limiter = RateLimiter(Limit(1000, 1000, 100_000), limits or {})
    return Sender(
        uows, providers, router, limiter, SenderConfig(default_order=tuple(providers), **config), clock
    )


async def run(sender: Sender) -> Any:
    """One pass, and its HTTP calls (which run beside the next pass in the service)."""
    report = await sender.run_once()
    await sender.drain()
    return report


async def create(
    uows: Any,
    n: int = 1,
    *,
    service: str = "dossier",
    origin: str = "request",
    phone: str = "0912345678",
    template: str = "fee-refunded",
    personalisation: dict[str, object] | None = None,
    trigger: str | None = None,
) -> list[str | None]:
    ids = []
    async with uows() as uow:
        for i in range(n):
            ids.append(
                await request_sms(
                    uow,
                    SmsRequest(
                        trigger_event_id=trigger or f"t-{uuid.uuid4()}",
                        template=template,
                        phone=phone,
                        personalisation=personalisation
                        or {"dossier_code": f"01-TEST-{i:04d}", "amount": 135000},
                        dossier_code=f"01-TEST-{i:04d}",
                        sending_service=service,
                        origin=origin,  # type: ignore[arg-type]
                    ),
                )
            )
        await uow.commit()
    return ids


async def rows(uows: Any) -> list[Any]:
    async with uows() as uow:
        return list((await uow.session.execute(select(messages).order_by(messages.c.created_at))).all())


async def outbox(uows: Any, topic: str) -> list[Any]:
    o = messaging.outbox
    async with uows() as uow:
        return list((await uow.session.execute(select(o).where(o.c.topic == topic).order_by(o.c.id))).all())


def payload(row: Any) -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads(row.value)
    return data


# --- creation -----------------------------------------------------------------------------------------


async def test_one_message_per_trigger_and_template(uows: Any) -> None:
    first = await create(uows, trigger="evt-dup")
    again = await create(uows, trigger="evt-dup")
    assert first[0] is not None and again == [None]
    assert len(await rows(uows)) == 1


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("0241234567", "invalid_phone:not_vietnamese_mobile"),
        ("091234", "invalid_phone:wrong_length"),
        ("09l2345678", "invalid_phone:invalid_characters"),
        ("+1 415 555 0100", "invalid_phone:not_vietnamese_mobile"),
    ],
)
async def test_an_invalid_phone_is_a_clear_rejection(uows: Any, phone: str, reason: str) -> None:
    assert await create(uows, phone=phone) == [None]
    [row] = await rows(uows)
    assert (row.status, row.failure_reason, row.phone, row.next_attempt_at) == (
        "permanent-failure",
        reason,
        None,
        None,
    )
    [failed] = await outbox(uows, topics.SMS_FAILED)
    data = payload(failed)
    assert (data["status"], data["reason"], data["message_id"]) == ("permanent-failure", reason, row.id)
    assert phone.replace(" ", "") not in failed.value.decode(), "no full phone number in the event"


async def test_an_sms_request_with_a_bad_template_fails_with_the_reason(uows: Any) -> None:
    await create(uows, template="no-such-template")
    await create(uows, template="fee-paid", personalisation={"dossier_code": "X"})
    reasons = sorted(r.failure_reason for r in await rows(uows))
    assert reasons == [
        "template_error:missing personalisation: amount, paid_at",
        "template_error:unknown SMS template 'no-such-template'",
    ]
    assert len(await outbox(uows, topics.SMS_FAILED)) == 2


async def test_a_portal_event_that_cannot_be_rendered_is_rejected(uows: Any) -> None:
    with pytest.raises(Rejected) as info:
        await create(uows, origin="event", template="fee-paid", personalisation={"dossier_code": "X"})
    assert info.value.reason == "template_error"


# --- sending, limits, opt-outs -----------------------------------------------------------------------------


async def test_sandbox_send_is_in_the_same_transaction(uows: Any, clock: FakeClock) -> None:
    await create(uows, 3)
    report = await run(make_sender(uows, clock))
    assert report.sent == 3
    assert {r.status for r in await rows(uows)} == {"sent"}
    sent = await outbox(uows, topics.SMS_SENT)
    assert len(sent) == 3 and {payload(s)["provider"] for s in sent} == {"sandbox"}
    async with uows() as uow:
        assert len(await uow.messages.sandbox_received(10)) == 3


async def test_rate_limit_queues_the_excess_and_loses_nothing(uows: Any, clock: FakeClock) -> None:
    await create(uows, 12, service="ratetest")
    await create(uows, 3, service="other")
    sender = make_sender(uows, clock, limits={"ratetest": Limit(rate_per_second=5, burst=5, daily=1000)})
    first = await run(sender)
    assert first.sent == 5 + 3, "the other service is not held up by ratetest's limit"
    again = await run(sender)
    assert again.sent == 0 and again.rate_limited == ["ratetest"]
    clock.advance(1.0)
    assert (await run(sender)).sent == 5
    clock.advance(1.0)
    assert (await run(sender)).sent == 2
    assert [r.status for r in await rows(uows)].count("sent") == 15


async def test_daily_limit_rejects_requests_and_holds_the_portals_own(uows: Any, clock: FakeClock) -> None:
    await create(uows, 2, service="daily", origin="request")
    await create(uows, 2, service="daily", origin="event")
    await create(uows, 2, service="daily", origin="request")
    sender = make_sender(uows, clock, limits={"daily": Limit(rate_per_second=100, burst=100, daily=3)})
    report = await run(sender)
    assert report.sent == 3
    by_status: dict[str, list[Any]] = {}
    for r in await rows(uows):
        by_status.setdefault(r.status, []).append(r)
    assert len(by_status["sent"]) == 3
    rejected = by_status["permanent-failure"]
    assert [r.failure_reason for r in rejected] == ["daily_limit_exceeded"] * 2
    assert {r.origin for r in rejected} == {"request"}
    [held] = by_status["created"]
    assert held.origin == "event"
    assert held.next_attempt_at == next_vn_midnight(clock.now())
    failed = [payload(f) for f in await outbox(uows, topics.SMS_FAILED)]
    assert sorted(f["reason"] for f in failed) == ["daily_limit_exceeded"] * 2
    clock.advance((held.next_attempt_at - clock.now()).total_seconds() + 1)  # the next Vietnamese day
    assert (await run(sender)).sent == 1


async def test_opted_out_numbers_are_not_sent_to(uows: Any, clock: FakeClock) -> None:
    async with uows() as uow:
        await add_opt_out(uow, "+84 912 345 678", reason="Không muốn nhận tin", source="operator", by="op-1")
        await uow.commit()
    await create(uows, phone="0912345678")  # refused at creation
    await create(uows, phone="0987654321")
    async with uows() as uow:  # opts out while the message waits
        await add_opt_out(uow, "0987654321", reason="Yêu cầu qua tổng đài", source="operator", by="op-1")
        await uow.commit()
    report = await run(make_sender(uows, clock))
    assert report.sent == 0
    assert [(r.status, r.failure_reason) for r in await rows(uows)] == [
        ("permanent-failure", "opted_out")
    ] * 2
    assert [payload(f)["reason"] for f in await outbox(uows, topics.SMS_FAILED)] == ["opted_out"] * 2
    async with uows() as uow:
        assert await uow.messages.sandbox_received(10) == []


# --- retries, failover, the crash window ---------------------------------------------------------------


async def test_temporary_failure_backs_off_then_goes_to_the_other_gateway(
    uows: Any, clock: FakeClock
) -> None:
    a = ScriptedGateway("a", [SubmitResult("temporary", code="busy")])
    b = ScriptedGateway("b")
    sender = make_sender(uows, clock, {"a": a, "b": b}, retry_base_seconds=2)
    await create(uows)
    report = await run(sender)
    assert (report.remote, report.retrying) == (1, 1)
    [row] = await rows(uows)
    assert (row.status, row.failure_reason, row.attempts) == ("temporary-failure", "temporary:busy", 1)
    assert row.next_attempt_at == clock.now() + timedelta(seconds=2)
    clock.advance(1.9)
    assert (await run(sender)).remote == 0, "not before the back-off"
    clock.advance(0.2)
    assert (await run(sender)).sent == 1
    [row] = await rows(uows)
    assert (row.status, row.provider, row.provider_ref, row.attempts) == ("sent", "b", "b-1", 2)
    assert a.calls == [row.id] and b.calls == [row.id]
    assert len(await outbox(uows, topics.SMS_SENT)) == 1


async def test_gives_up_after_max_attempts(uows: Any, clock: FakeClock) -> None:
    a = ScriptedGateway("a", [SubmitResult("technical", code="insufficient_balance")] * 3)
    sender = make_sender(uows, clock, {"a": a}, max_attempts=3, retry_base_seconds=1)
    await create(uows)
    for _ in range(3):
        await run(sender)
        clock.advance(10)
    [row] = await rows(uows)
    assert (row.status, row.attempts, row.next_attempt_at) == ("technical-failure", 3, None)
    [failed] = [payload(f) for f in await outbox(uows, topics.SMS_FAILED)]
    assert (failed["status"], failed["reason"], failed["attempts"]) == (
        "technical-failure",
        "technical:insufficient_balance",
        3,
    )


async def test_failing_gateway_fails_over_for_new_messages(uows: Any, clock: FakeClock) -> None:
    a = ScriptedGateway("a", [SubmitResult("temporary", code="busy")] * 3)
    b = ScriptedGateway("b")
    sender = make_sender(uows, clock, {"a": a, "b": b}, retry_base_seconds=1)
    await create(uows, 3)
    await run(sender)  # three busy answers: a trips (min_samples 3)
    assert sender.router.state("a", clock.monotonic()) == "failing-over"
    await create(uows, 5)
    clock.advance(1)
    await run(sender)
    assert len(a.calls) == 3, "nothing more goes to a while it fails over"
    assert len(b.handset) == 8
    assert {r.status for r in await rows(uows)} == {"sent"}


async def test_ambiguous_timeout_is_retried_on_the_same_gateway(uows: Any, clock: FakeClock) -> None:
    a = ScriptedGateway("a", [SubmitResult("temporary", code="timeout", ambiguous=True)])
    b = ScriptedGateway("b")
    sender = make_sender(uows, clock, {"a": a, "b": b}, retry_base_seconds=1)
    await create(uows)
    await run(sender)
    [row] = await rows(uows)
    assert row.pinned_provider == "a"
    clock.advance(1)
    await run(sender)
    [row] = await rows(uows)
    assert (row.status, row.provider) == ("sent", "a") and b.calls == []


async def test_a_crash_between_call_and_record_does_not_send_twice(uows: Any, clock: FakeClock) -> None:
    a = ScriptedGateway("a")
    sender = make_sender(uows, clock, {"a": a}, claim_timeout_seconds=60)
    [message_id] = await create(uows)
    assert message_id is not None
    # The first sender claimed it, the gateway accepted it, then the process died before recording.
    async with uows() as uow:
        await uow.messages.mark_sending([message_id], "a", clock.now())
        await uow.commit()
    await a.send(OutgoingSms(message_id, "+84912345678", "x", "GSM-7", 1))
    assert await sender.recover_stale() == 0, "not before the claim timeout"
    clock.advance(61)
    assert await sender.recover_stale() == 1
    [row] = await rows(uows)
    assert (row.status, row.pinned_provider, row.failure_reason) == (
        "temporary-failure",
        "a",
        "claim_expired",
    )
    await run(sender)
    [row] = await rows(uows)
    assert (row.status, row.provider_ref) == ("sent", "a-1")
    assert len(a.handset) == 1 and a.calls == [message_id, message_id], "resent, recognised, not sent again"
    assert len(await outbox(uows, topics.SMS_SENT)) == 1


# --- receipts -----------------------------------------------------------------------------------------


async def send_one(uows: Any, clock: FakeClock) -> Any:
    await create(uows)
    await run(make_sender(uows, clock))
    [row] = await rows(uows)
    return row


async def receive(uows: Any, **kwargs: Any) -> str:
    async with uows() as uow:
        outcome = await apply_receipt(uow, Receipt(**kwargs), dvc_clock.now())
        await uow.commit()
    return outcome


@pytest.mark.parametrize(
    ("receipts", "outcomes", "final", "events"),
    [
        (["sent", "delivered"], ["duplicate", "applied"], "delivered", {topics.SMS_DELIVERED: 1}),
        (["delivered", "sent"], ["applied", "ignored_final"], "delivered", {topics.SMS_DELIVERED: 1}),
        (
            ["delivered", "permanent-failure"],
            ["applied", "ignored_final"],
            "delivered",
            {topics.SMS_FAILED: 0},
        ),
        (
            ["temporary-failure", "delivered"],
            ["applied", "ignored_final"],
            "temporary-failure",
            {topics.SMS_FAILED: 1},
        ),
    ],
)
async def test_receipts_out_of_order(
    uows: Any, clock: FakeClock, receipts: list[str], outcomes: list[str], final: str, events: dict[str, int]
) -> None:
    row = await send_one(uows, clock)
    got = [await receive(uows, provider="sandbox", status=s, provider_ref=row.provider_ref) for s in receipts]
    assert got == outcomes
    [row] = await rows(uows)
    assert row.status == final
    for topic, count in events.items():
        assert len(await outbox(uows, topic)) == count
    assert len(await outbox(uows, topics.SMS_SENT)) == 1, "sms-sent once, from the send"


async def test_a_receipt_before_the_send_is_recorded_waits_and_is_matched(
    uows: Any, clock: FakeClock
) -> None:
    a = ScriptedGateway("a")
    sender = make_sender(uows, clock, {"a": a})
    assert await receive(uows, provider="a", status="delivered", provider_ref="a-1") == "unmatched"
    await create(uows)
    await run(sender)  # the gateway answers a-1; recording it applies the waiting receipt
    [row] = await rows(uows)
    assert (row.status, row.provider_ref) == ("delivered", "a-1")
    assert len(await outbox(uows, topics.SMS_DELIVERED)) == 1


async def test_unknown_receipts_are_kept_not_applied(uows: Any) -> None:
    assert (
        await receive(uows, provider="kafka", status="delivered", message_id=str(uuid.uuid4())) == "unmatched"
    )
    async with uows() as uow:
        [r] = (await uow.session.execute(select(receipts))).all()
    assert (r.provider, r.status, r.outcome, r.matched, r.message_id) == (
        "kafka",
        "delivered",
        "unmatched",
        False,
        None,
    )
    assert await rows(uows) == []


# --- the Kafka-native channel -----------------------------------------------------------------------


async def test_kafka_channel_writes_the_outbound_record_with_the_sent_event(
    uows: Any, clock: FakeClock
) -> None:
    sender = make_sender(uows, clock, {"kafka": KafkaChannelProvider("CONG DVC")})
    await create(
        uows,
        template="dossier-status-changed",
        personalisation={"dossier_code": "01-K-1", "status": "completed"},
    )
    assert (await run(sender)).sent == 1
    [row] = await rows(uows)
    [out] = await outbox(uows, topics.SMS_OUTBOUND)
    data = payload(out)
    assert out.key == row.id
    assert data["phone"] == "+84912345678" and data["sender_id"] == "CONG DVC"
    assert data["text"] == "Cong DVC: Ho so 01-K-1 da co ket qua. Tra cuu: dichvucong.gov.vn"
    assert (data["encoding"], data["segments"]) == ("GSM-7", 1)
    assert (row.status, row.provider, row.provider_ref) == ("sent", "kafka", row.id)
    assert await receive(uows, provider="kafka", status="delivered", message_id=row.id) == "applied"
    [row] = await rows(uows)
    assert row.status == "delivered"


async def test_a_slow_gateway_does_not_hold_up_the_other_providers(uows: Any, clock: FakeClock) -> None:
    release = asyncio.Event()

    class SlowGateway(ScriptedGateway):
        async def send(self, sms: OutgoingSms) -> SubmitResult:
            await release.wait()
            return await super().send(sms)

    slow = SlowGateway("slow")
    providers = {"sandbox": SandboxProvider(), "slow": slow}
    router = Router(providers, FailoverPolicy())
    config = SenderConfig(default_order=("sandbox", "slow"), carrier_routes={"viettel": ("slow",)})
    sender = Sender(uows, providers, router, RateLimiter(Limit(100, 100, 1000)), config, clock)
    await create(uows, phone="0961234567")  # Viettel → the slow gateway
    first = await sender.run_once()
    assert first.remote == 1
    await create(uows, phone="0912345678")  # Vinaphone → sandbox, while the gateway call hangs
    second = await sender.run_once()
    assert second.sent == 1
    assert sorted(r.status for r in await rows(uows)) == ["sending", "sent"]
    release.set()
    await sender.drain()
    assert sorted((r.provider, r.status) for r in await rows(uows)) == [("sandbox", "sent"), ("slow", "sent")]
