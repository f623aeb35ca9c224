"""Payments and refunds. Keyed by payment id."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from dvc_contracts import topics
from dvc_contracts.events.base import Code, EventPayload, Vnd

# What a payment is for: a dossier's fee / charge, or a traffic fine.
PaymentPurpose = Literal["dossier_fee", "fine"]


class PaymentRequestedV1(EventPayload):
    """Ask the payment service to collect an amount. ``payment_id`` is chosen by the requester and is the
    idempotency key: the same request twice creates one payment intent. Key: payment id."""

    ce_type: ClassVar[str] = topics.PAYMENT_REQUESTED

    payment_id: Code
    purpose: PaymentPurpose = "dossier_fee"
    dossier_code: str | None = None
    decision_no: str | None = Field(default=None, description="the fine decision, when purpose is fine")
    procedure_code: str | None = None
    province_code: str | None = None
    amount_vnd: Vnd
    description: str
    payer_name: str | None = None
    payer_sub: str | None = Field(
        default=None,
        description="the signed-in citizen who may pay it (token subject); without it, only a signed pay link",
    )
    citizen_phone: str | None = None
    provider: str | None = Field(default=None, description="preferred provider, if the citizen chose one")
    requested_at: AwareDatetime
    expires_at: AwareDatetime | None = None


class FeePaidV1(EventPayload):
    """A payment succeeded (provider callback verified, or found by reconciliation). Key: payment id."""

    ce_type: ClassVar[str] = topics.FEE_PAID

    payment_id: Code
    purpose: PaymentPurpose = "dossier_fee"
    dossier_code: str | None = None
    decision_no: str | None = None
    province_code: str | None = None
    amount_vnd: Vnd
    provider: Code
    provider_txn_id: Code
    paid_at: AwareDatetime
    late: bool = Field(default=False, description="succeeded after the payment had failed or expired")
    refund_reason: str | None = Field(
        default=None,
        description="set when the payment service refunds this money on its own (payment_expired, "
        "fine_already_settled, fine_amount_mismatch): it does not pay for what it was meant to, and "
        "fee-refunded follows; none for a success that counts, late or not",
    )
    citizen_phone: str | None = None


class PaymentFailedV1(EventPayload):
    """A payment failed at the provider (declined, cancelled, error). Key: payment id."""

    ce_type: ClassVar[str] = topics.PAYMENT_FAILED

    payment_id: Code
    purpose: PaymentPurpose = "dossier_fee"
    dossier_code: str | None = None
    decision_no: str | None = None
    amount_vnd: Vnd
    provider: str | None = None
    reason: Code = Field(description="machine-readable, e.g. declined, cancelled, provider_error")
    message: str | None = None
    failed_at: AwareDatetime
    citizen_phone: str | None = None


class PaymentExpiredV1(EventPayload):
    """A payment was not completed before its expiry. Key: payment id."""

    ce_type: ClassVar[str] = topics.PAYMENT_EXPIRED

    payment_id: Code
    purpose: PaymentPurpose = "dossier_fee"
    dossier_code: str | None = None
    decision_no: str | None = None
    amount_vnd: Vnd
    expired_at: AwareDatetime
    citizen_phone: str | None = None


class RefundRequestedV1(EventPayload):
    """Ask the payment service to refund (all or part of) a succeeded payment. ``refund_id`` is chosen by the
    requester and is the idempotency key. Key: payment id."""

    ce_type: ClassVar[str] = topics.REFUND_REQUESTED

    refund_id: Code
    payment_id: Code
    dossier_code: str | None = None
    amount_vnd: Vnd
    reason: str
    requested_at: AwareDatetime
    citizen_phone: str | None = None


class FeeRefundedV1(EventPayload):
    """A refund was completed by the provider. Key: payment id."""

    ce_type: ClassVar[str] = topics.FEE_REFUNDED

    refund_id: Code
    payment_id: Code
    dossier_code: str | None = None
    amount_vnd: Vnd
    provider: Code
    provider_refund_id: str | None = None
    reason: str | None = None
    refunded_at: AwareDatetime
    citizen_phone: str | None = None
    automatic: bool = Field(
        default=False,
        description="refunded by the payment service on its own (a late or second payment nobody needed), "
        "not on a refund-requested; refund_id is then the payment service's",
    )


class RefundFailedV1(EventPayload):
    """A refund could not be made. Key: payment id. ``refund_id`` is the one of the refund-requested (or the
    payment service's, for an automatic refund)."""

    ce_type: ClassVar[str] = topics.REFUND_FAILED

    refund_id: Code
    payment_id: Code
    dossier_code: str | None = None
    amount_vnd: Vnd
    provider: str | None = None
    reason: Code = Field(
        description="machine-readable: payment_not_found, payment_not_paid, already_refunded, "
        "amount_exceeds_paid, invalid_amount, provider_rejected, provider_unavailable"
    )
    message: str | None = None
    failed_at: AwareDatetime
    automatic: bool = False
    citizen_phone: str | None = None
