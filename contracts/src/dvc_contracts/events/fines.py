"""Traffic fines. Keyed by decision number."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import AwareDatetime, Field

from dvc_contracts import topics
from dvc_contracts.events.base import Channel, Code, EventPayload, Vnd


class FineIssuedV1(EventPayload):
    """A traffic police fine decision (pinned: other government systems depend on it). Key: decision_no."""

    ce_type: ClassVar[str] = topics.FINE_ISSUED

    decision_no: Code
    record_no: Code = Field(description="biên bản number")
    violation_date: date
    offender_name: str
    offender_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the offender's personal identification number (số định danh cá nhân), when known; "
        "the portal matches a citizen's unpaid fines on it, never on the name",
    )
    plate: str
    amount: Vnd
    issuing_unit: str
    province_code: Code
    decided_at: AwareDatetime


class FineSettledV1(EventPayload):
    """A fine was paid in full (after any early-payment discount). Key: decision_no."""

    ce_type: ClassVar[str] = topics.FINE_SETTLED

    decision_no: Code
    record_no: Code
    payment_id: Code
    amount_due: Vnd = Field(description="the amount of the decision")
    discount_vnd: Vnd = 0
    amount_paid: Vnd
    provider: str | None = None
    provider_txn_id: str | None = None
    issuing_unit: str | None = None
    province_code: Code
    channel: Channel = "online"
    settled_at: AwareDatetime
    plate: str | None = Field(default=None, description="the vehicle's plate, for the citizen's SMS")
    citizen_phone: str | None = None
