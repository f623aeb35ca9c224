"""An SMS message's status lifecycle: what a provider's answer or a delivery receipt does to it (pure).

::

    created ──► sending ──► sent ──► delivered
       ▲           │          └────► temporary-failure | permanent-failure | technical-failure
       └── retry ◄─┘ (provider refused for now: back off, then try again, possibly on another provider)

* ``created``: the message row exists (written in the consumer's transaction); it waits for the sender.
  ``next_attempt_at`` says when it may be sent (now, after a back-off, or after a rate/daily-limit hold).
* ``sending``: claimed by the sender, the provider is being called (outside any database transaction).
* ``sent``: the provider accepted it (HTTP gateway returned its id; the sandbox recorded it; the Kafka
  channel's ``sms-outbound`` record was committed).
* ``delivered`` and the three failures are final. ``temporary-failure`` is also the status of a message
  waiting for a retry (``next_attempt_at`` set); it is final only once no retry is scheduled.

Receipts can arrive out of order and more than once. A status never moves backwards: a ``delivered`` after
``sent`` applies, a late ``sent`` after ``delivered`` is ignored, and nothing moves a final status. A receipt
for a message waiting for a retry proves an earlier attempt was accepted after all: it applies and the retry is
cancelled (no second SMS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

Status = Literal[
    "created",
    "sending",
    "sent",
    "delivered",
    "temporary-failure",
    "permanent-failure",
    "technical-failure",
]
ReceiptStatus = Literal["sent", "delivered", "temporary-failure", "permanent-failure", "technical-failure"]
FailureStatus = Literal["temporary-failure", "permanent-failure", "technical-failure"]

ALL_STATUSES: Final[tuple[Status, ...]] = (
    "created",
    "sending",
    "sent",
    "delivered",
    "temporary-failure",
    "permanent-failure",
    "technical-failure",
)
FAILURES: Final[frozenset[str]] = frozenset({"temporary-failure", "permanent-failure", "technical-failure"})


def is_final(status: str, *, retry_pending: bool) -> bool:
    """Delivered and the failures are final, except a temporary failure that waits for its retry."""
    if status == "temporary-failure":
        return not retry_pending
    return status == "delivered" or status in FAILURES


@dataclass(frozen=True, slots=True)
class ReceiptDecision:
    """What a receipt does. ``outcome``: applied | duplicate | ignored_final (late or repeated)."""

    outcome: Literal["applied", "duplicate", "ignored_final"]
    new_status: Status | None = None
    emit_sent: bool = False  # first proof the provider accepted it: sms-sent goes out (once)
    emit_delivered: bool = False
    emit_failed: bool = False
    cancel_retry: bool = False


def decide_receipt(
    current: Status, receipt: ReceiptStatus, *, retry_pending: bool, sent_emitted: bool
) -> ReceiptDecision:
    """Apply a provider's receipt to a message in status ``current`` (see module docstring)."""
    if is_final(current, retry_pending=retry_pending):
        return ReceiptDecision("ignored_final")
    if receipt == "sent":
        if current == "sent":
            return ReceiptDecision("duplicate")
        return ReceiptDecision("applied", "sent", emit_sent=not sent_emitted, cancel_retry=retry_pending)
    return ReceiptDecision(
        "applied",
        receipt,
        emit_sent=not sent_emitted,
        emit_delivered=receipt == "delivered",
        emit_failed=receipt in FAILURES,
        cancel_retry=retry_pending,
    )


# --- a provider's answer to a send -----------------------------------------------------------------

SubmitKind = Literal["accepted", "temporary", "technical", "permanent"]


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """A provider's answer to one send.

    * ``accepted``: it took the message (``provider_ref`` is its id).
    * ``temporary``: not now (busy, throttled, 5xx, timeout): retry later, maybe elsewhere.
    * ``technical``: this provider cannot send it (credentials, balance, brandname, malformed request):
      retry on another provider.
    * ``permanent``: nobody can (invalid or blocked number, content refused): final.

    ``ambiguous``: the provider may have accepted it anyway (a timeout after the request went out).
    """

    kind: SubmitKind
    provider_ref: str | None = None
    code: str = ""
    detail: str = ""
    ambiguous: bool = False

    @property
    def is_provider_error(self) -> bool:
        """Counts against the provider's health (failover). A permanent refusal is the number's fault."""
        return self.kind in ("temporary", "technical")

    @property
    def reason(self) -> str:
        return f"{self.kind}:{self.code}" if self.code else self.kind


def retry_delay(attempt: int, *, base_seconds: float, cap_seconds: float) -> float:
    """Exponential back-off after the ``attempt``-th failed attempt (1, 2, …): base·2^(attempt-1), capped."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    return min(cap_seconds, base_seconds * 2 ** (attempt - 1))


@dataclass(frozen=True, slots=True)
class SubmitDecision:
    status: Status
    next_attempt_at: datetime | None  # a retry is scheduled when set
    final: bool
    failure_status: FailureStatus | None = None  # what sms-failed reports when final


def decide_submit(
    result: SubmitResult,
    *,
    attempts: int,
    max_attempts: int,
    now: datetime,
    base_seconds: float,
    cap_seconds: float,
) -> SubmitDecision:
    """The message's next status after a send attempt (``attempts`` includes this one)."""
    if result.kind == "accepted":
        return SubmitDecision("sent", None, final=False)
    if result.kind == "permanent":
        return SubmitDecision("permanent-failure", None, final=True, failure_status="permanent-failure")
    if attempts < max_attempts:
        delay = retry_delay(attempts, base_seconds=base_seconds, cap_seconds=cap_seconds)
        return SubmitDecision("temporary-failure", now + timedelta(seconds=delay), final=False)
    failure: FailureStatus = "temporary-failure" if result.kind == "temporary" else "technical-failure"
    return SubmitDecision(failure, None, final=True, failure_status=failure)


@dataclass(frozen=True, slots=True)
class Receipt:
    """A delivery receipt from a provider, whatever its wire format.

    ``message_id`` is our reference when the provider echoes it (the gateways and the Kafka channel do);
    otherwise the message is found by ``(provider, provider_ref)``.
    """

    provider: str
    status: ReceiptStatus
    provider_ref: str | None = None
    message_id: str | None = None
    error_code: str | None = None
    reported_at: datetime | None = None
