"""Which SMS a fee's payment causes (notify's mapping of fee-paid, pure): a dossier fee paid tells the citizen
once; a fine's payment is told by fine-settled instead; money the payment service refunds on its own (a payment
after the window closed) is told by fee-refunded only, never "paid" first."""

from __future__ import annotations

from typing import Any

import pytest

from dvc_contracts import topics
from dvc_contracts.envelope import CloudEvent
from dvc_contracts.events import FeePaidV1
from dvc_notify.service.mappings import map_fee_paid
from dvckit.messaging.typed import Event

PAID = {
    "payment_id": "pay-1", "dossier_code": "01-261205-AAA111", "province_code": "01", "amount_vnd": 135000,
    "provider": "momo", "provider_txn_id": "T1", "paid_at": "2026-12-04T17:00:00+00:00", "citizen_phone": "+84912345678",
}  # fmt: skip


def fee_paid(**changes: Any) -> Event[FeePaidV1]:
    data = PAID | changes
    envelope = CloudEvent(id="ev-1", source="urn:dvc:payment", type=topics.FEE_PAID, data=data)
    return Event.of(envelope, FeePaidV1)


def test_a_dossier_fee_paid_is_one_sms_to_the_citizen() -> None:
    (sms,) = map_fee_paid(fee_paid())
    assert (sms.template, sms.phone, sms.dossier_code) == ("fee-paid", "+84912345678", "01-261205-AAA111")
    assert sms.personalisation["amount"] == 135000


def test_a_late_success_that_still_counts_is_told() -> None:
    assert [s.template for s in map_fee_paid(fee_paid(late=True))] == ["fee-paid"]


@pytest.mark.parametrize("reason", ["payment_expired", "fine_already_settled", "fine_amount_mismatch"])
def test_money_refunded_on_its_own_is_not_told_as_paid(reason: str) -> None:
    assert map_fee_paid(fee_paid(late=True, refund_reason=reason)) == []


def test_a_fine_or_no_phone_is_not_told_here() -> None:
    assert map_fee_paid(fee_paid(purpose="fine", dossier_code=None, decision_no="123/QĐ-XPHC")) == []
    assert map_fee_paid(fee_paid(citizen_phone=None)) == []
