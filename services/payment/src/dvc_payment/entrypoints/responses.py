"""What the payment service's routes answer (dvckit.schemas): intents, fines, refunds, webhook endpoints and
their delivery log. Provider callbacks and sandboxes answer in each provider's format."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from dvckit.schemas import Out


class PaymentOut(Out):
    """A payment intent (no personal data)."""

    payment_id: str
    purpose: str = Field(description="dossier_fee | fine")
    dossier_code: str | None
    decision_no: str | None
    description: str
    amount_vnd: int
    discount_vnd: int = Field(description="fines: the early-payment discount given")
    status: str
    status_text: str = Field(description="the status in Vietnamese")
    provider: str | None = Field(description="of the paid (or latest) attempt")
    late: bool = Field(description="paid after it expired")
    refunded_vnd: int
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    pay_page: str = Field(description="the pay page; a signed pay link for the staff who created it")


class Transition(Out):
    action: str
    from_status: str | None
    to_status: str | None
    at: datetime
    actor: str
    attempt_ref: str | None
    reason: str | None
    event_id: str | None


class Attempt(Out):
    ref: str = Field(description="our order reference at the provider")
    provider: str
    status: str = Field(description="open | succeeded | failed")
    provider_txn_id: str | None
    failure_reason: str | None
    created_at: datetime
    completed_at: datetime | None
    polls: int = Field(description="status queries made by reconciliation")


class RefundSummary(Out):
    refund_id: str
    amount_vnd: int
    status: str = Field(description="requested | refunded | refund_failed")
    automatic: bool
    reason: str | None
    failure_reason: str | None
    requested_at: datetime
    completed_at: datetime | None


class PaymentHistory(PaymentOut):
    history: list[Transition] = Field(description="oldest first")
    attempts: list[Attempt]
    refunds: list[RefundSummary]


class Checkout(Out):
    payment_id: str
    provider: str
    ref: str
    pay_url: str = Field(description="send the citizen's browser here")
    amount_vnd: int
    expires_at: datetime


class PayLink(Out):
    payment_id: str
    pay_page: str = Field(description="the pay page with a signature, valid until expires_at")
    expires_at: datetime


class FinePayment(Out):
    payment_id: str
    status: str
    expires_at: datetime
    pay_page: str = Field(description="a pay link: who proved the three facts may pay")


class FineLookup(Out):
    """A traffic fine decision found by the three-factor lookup."""

    decision_no: str
    record_no: str
    violation_date: date
    offender_name: str
    plate: str
    issuing_unit: str
    province_code: str
    decided_at: datetime
    amount: int
    discount_percent: int
    discount_vnd: int
    discount_until: date | None = Field(description="the last day (Viet Nam) the discount applies")
    amount_due: int = Field(description="what paying now costs")
    status: str = Field(description="unpaid | payment_pending | settled")
    status_text: str
    settled_at: datetime | None
    amount_paid: int | None
    payment: FinePayment | None = Field(description="the open or settling payment, if any")


class FineCheckout(Out):
    decision_no: str
    payment_id: str
    provider: str
    pay_url: str
    pay_page: str = Field(description="to choose another provider")
    amount: int
    discount_vnd: int
    amount_due: int
    expires_at: datetime


class FineEvent(Out):
    action: str = Field(description="issued | corrected | settled")
    at: datetime
    event_id: str | None
    note: str | None


class Fine(Out):
    """A decision as its issuing agency and the operators of its province see it."""

    decision_no: str
    record_no: str
    violation_date: date
    offender_name: str
    plate: str
    amount: int
    issuing_unit: str
    agency_code: str | None
    province_code: str
    decided_at: datetime
    status: str = Field(description="unpaid | settled")
    payment_id: str | None
    amount_paid: int | None
    discount_vnd: int | None
    settled_at: datetime | None
    history: list[FineEvent]


# --- refunds ---------------------------------------------------------------------------------------------


class RefundOut(Out):
    refund_id: str
    payment_id: str
    amount_vnd: int
    status: str = Field(description="requested | refunded | refund_failed")
    automatic: bool
    reason: str | None
    failure_reason: str | None
    provider_refund_id: str | None
    requested_by: str | None = Field(description="the staff member (token subject), for refunds by API")
    requested_at: datetime
    completed_at: datetime | None


class RefundList(Out):
    payment_id: str
    amount_vnd: int
    refunded_vnd: int = Field(description="refunded so far")
    refundable_vnd: int = Field(description="what may still be asked (requested refunds counted)")
    items: list[RefundOut]


# --- webhooks --------------------------------------------------------------------------------------------


class EndpointOut(Out):
    endpoint_id: str
    agency_code: str
    province_code: str | None = Field(description="None: every province")
    url: str
    events: list[str]
    created_by: str
    created_at: datetime
    previous_secret_until: datetime | None = Field(
        description="after a rotation: until then deliveries carry a second v1, under the previous secret"
    )


class CreatedEndpoint(EndpointOut):
    secret: str = Field(description="the HMAC-SHA256 key of X-DVC-Signature; shown only now, keep it safe")


class RotatedEndpoint(CreatedEndpoint):
    """After a rotation: ``secret`` is the new key; the previous one signs too until previous_secret_until."""


class AttemptOut(Out):
    attempt: int
    at: datetime
    status_code: int | None
    latency_ms: int | None
    error: str | None


class DeliveryOut(Out):
    delivery_id: str = Field(description="X-DVC-Delivery: the same on every attempt")
    endpoint_id: str
    event_id: str
    event_type: str
    payment_id: str
    status: str = Field(description="pending | delivered | failed")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    log: list[AttemptOut]
