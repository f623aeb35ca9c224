"""Status lifecycle: receipts out of order and repeated, provider answers, back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dvc_notify.domain.status import (
    ReceiptStatus,
    Status,
    SubmitKind,
    SubmitResult,
    decide_receipt,
    decide_submit,
    is_final,
    retry_delay,
)

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "retry_pending", "sent_emitted", "receipt", "outcome", "new", "emits"),
    [
        # in order
        ("sending", False, False, "sent", "applied", "sent", {"sent"}),
        ("sent", False, True, "delivered", "applied", "delivered", {"delivered"}),
        # a "delivered" straight after sending (the "sent" receipt is late): sms-sent goes out too
        ("sending", False, False, "delivered", "applied", "delivered", {"sent", "delivered"}),
        # a late "sent" after "delivered" is ignored; nothing moves a final status
        ("delivered", False, True, "sent", "ignored_final", None, set()),
        ("delivered", False, True, "permanent-failure", "ignored_final", None, set()),
        ("permanent-failure", False, True, "delivered", "ignored_final", None, set()),
        ("technical-failure", False, False, "sent", "ignored_final", None, set()),
        ("temporary-failure", False, True, "delivered", "ignored_final", None, set()),
        # repeats
        ("sent", False, True, "sent", "duplicate", None, set()),
        ("delivered", False, True, "delivered", "ignored_final", None, set()),
        # failures after sent
        ("sent", False, True, "temporary-failure", "applied", "temporary-failure", {"failed"}),
        ("sent", False, True, "permanent-failure", "applied", "permanent-failure", {"failed"}),
        ("sent", False, True, "technical-failure", "applied", "technical-failure", {"failed"}),
        # a receipt for a message waiting for a retry: an earlier attempt got through after all
        ("temporary-failure", True, False, "delivered", "applied", "delivered", {"sent", "delivered"}),
        ("temporary-failure", True, False, "sent", "applied", "sent", {"sent"}),
        ("created", True, False, "sent", "applied", "sent", {"sent"}),
    ],
)
def test_receipts(
    current: Status,
    retry_pending: bool,
    sent_emitted: bool,
    receipt: ReceiptStatus,
    outcome: str,
    new: Status | None,
    emits: set[str],
) -> None:
    d = decide_receipt(current, receipt, retry_pending=retry_pending, sent_emitted=sent_emitted)
    assert d.outcome == outcome
    assert d.new_status == new
    got = {
        name
        for name, flag in (("sent", d.emit_sent), ("delivered", d.emit_delivered), ("failed", d.emit_failed))
        if flag
    }
    assert got == emits
    assert d.cancel_retry == (retry_pending and outcome == "applied")


@pytest.mark.parametrize(
    "order",
    [
        ["sent", "delivered"],
        ["delivered", "sent"],
        ["delivered", "delivered", "sent"],
        ["sent", "sent", "delivered", "sent"],
    ],
)
def test_any_order_of_sent_and_delivered_ends_delivered_with_one_event_each(
    order: list[ReceiptStatus],
) -> None:
    status: Status = "sending"
    sent_emitted = False
    emitted: list[str] = []
    for receipt in order:
        d = decide_receipt(status, receipt, retry_pending=False, sent_emitted=sent_emitted)
        if d.outcome == "applied" and d.new_status:
            status = d.new_status
            if d.emit_sent:
                sent_emitted = True
                emitted.append("sms-sent")
            if d.emit_delivered:
                emitted.append("sms-delivered")
    assert status == "delivered"
    assert emitted == ["sms-sent", "sms-delivered"]


@pytest.mark.parametrize(
    ("kind", "attempts", "status", "retry_in", "final", "failure"),
    [
        ("accepted", 1, "sent", None, False, None),
        ("permanent", 1, "permanent-failure", None, True, "permanent-failure"),
        ("temporary", 1, "temporary-failure", 2, False, None),
        ("temporary", 2, "temporary-failure", 4, False, None),
        ("technical", 3, "temporary-failure", 8, False, None),
        ("temporary", 4, "temporary-failure", 10, False, None),  # capped
        ("temporary", 5, "temporary-failure", None, True, "temporary-failure"),
        ("technical", 5, "technical-failure", None, True, "technical-failure"),
    ],
)
def test_submit_decisions(
    kind: SubmitKind, attempts: int, status: str, retry_in: float | None, final: bool, failure: str | None
) -> None:
    d = decide_submit(
        SubmitResult(kind, provider_ref="r1" if kind == "accepted" else None, code="x"),
        attempts=attempts,
        max_attempts=5,
        now=NOW,
        base_seconds=2,
        cap_seconds=10,
    )
    assert d.status == status
    assert d.next_attempt_at == (None if retry_in is None else NOW + timedelta(seconds=retry_in))
    assert d.final is final
    assert d.failure_status == failure


def test_retry_delay_is_exponential_and_capped() -> None:
    assert [retry_delay(a, base_seconds=1.5, cap_seconds=60) for a in range(1, 8)] == [
        1.5,
        3,
        6,
        12,
        24,
        48,
        60,
    ]
    with pytest.raises(ValueError):
        retry_delay(0, base_seconds=1, cap_seconds=2)


@pytest.mark.parametrize(
    ("kind", "counts"), [("accepted", False), ("permanent", False), ("temporary", True), ("technical", True)]
)
def test_what_counts_against_a_provider(kind: SubmitKind, counts: bool) -> None:
    assert SubmitResult(kind).is_provider_error is counts


def test_finality() -> None:
    assert is_final("delivered", retry_pending=False)
    assert is_final("temporary-failure", retry_pending=False)
    assert not is_final("temporary-failure", retry_pending=True)
    assert not is_final("sent", retry_pending=False)
    assert SubmitResult("temporary", code="busy").reason == "temporary:busy"
