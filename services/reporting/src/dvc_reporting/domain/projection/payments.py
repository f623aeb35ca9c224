"""Payments (fee-paid), keyed by payment id: a repeat or a late success of the same payment counts once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dvc_contracts.clock import vn_date
from dvc_contracts.events import FeePaidV1
from dvc_reporting.domain.projection.aggregates import Contributions, add
from dvc_reporting.domain.projection.state import evolve, resolve_province


@dataclass(frozen=True)
class PaymentState:
    payment_id: str
    paid: bool = False
    purpose: str | None = None
    provider: str | None = None
    amount_vnd: int = 0
    paid_at: datetime | None = None
    province_code: str | None = None  # derived: its own province, else its dossier's (``resolve_province``)
    dossier_code: str | None = None
    decision_no: str | None = None
    late: bool = False
    own_province: str | None = None  # the province the fee-paid event carried, if any
    former_province: str | None = None  # derived with province_code (``placed``)


def fold_payment(s: PaymentState, data: FeePaidV1) -> PaymentState:
    own = data.province_code or s.own_province
    s = evolve(
        s,
        paid=True,
        purpose=data.purpose,
        provider=data.provider,
        amount_vnd=data.amount_vnd,
        paid_at=data.paid_at,
        own_province=own,
        dossier_code=data.dossier_code,
        decision_no=data.decision_no,
        late=data.late,
    )
    return resolve_province(s, None)


def payment_contributions(s: PaymentState) -> Contributions:
    c: Contributions = {}
    if not s.paid or s.paid_at is None:
        return c
    prov, provider, purpose = s.province_code or "", s.provider or "", s.purpose or ""
    key = (prov, provider, purpose, s.former_province or "")
    add(c, "agg_payments", (vn_date(s.paid_at), *key), count=1, amount_vnd=s.amount_vnd)
    add(c, "agg_payments_total", key, count=1, amount_vnd=s.amount_vnd)
    return c
