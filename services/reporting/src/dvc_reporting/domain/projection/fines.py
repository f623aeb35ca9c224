"""Traffic fines, keyed by decision number: issued (traffic police) and settled (payment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dvc_contracts.clock import vn_date
from dvc_contracts.events import FineIssuedV1, FineSettledV1
from dvc_reporting.domain.projection.aggregates import Contributions, add
from dvc_reporting.domain.projection.state import evolve, placed


@dataclass(frozen=True)
class FineState:
    decision_no: str
    province_code: str | None = None  # derived: today's unit of province_sent (``placed``)
    issuing_unit: str | None = None
    issued: bool = False
    amount_vnd: int = 0
    decided_at: datetime | None = None
    settled: bool = False
    settled_at: datetime | None = None
    settled_channel: str | None = None
    paid_vnd: int = 0
    province_sent: str | None = None  # the code the issue carried, else the settlement's
    former_province: str | None = None  # derived


def _place_fine(s: FineState) -> FineState:
    province, former = placed(s.province_sent, s.decided_at if s.issued else s.settled_at)
    return evolve(s, province_code=province, former_province=former)


def fold_fine(s: FineState, data: FineIssuedV1 | FineSettledV1) -> FineState:
    if isinstance(data, FineIssuedV1):
        s = evolve(
            s,
            issued=True,
            province_sent=data.province_code,
            issuing_unit=data.issuing_unit,
            amount_vnd=data.amount,
            decided_at=data.decided_at,
        )
        return _place_fine(s)
    s = evolve(
        s,
        settled=True,
        settled_at=data.settled_at,
        settled_channel=data.channel,
        paid_vnd=data.amount_paid,
        province_sent=s.province_sent if s.issued else data.province_code,
        issuing_unit=s.issuing_unit or data.issuing_unit,
    )
    return _place_fine(s)


def fine_contributions(s: FineState) -> Contributions:
    c: Contributions = {}
    prov, was = s.province_code or "", s.former_province or ""
    if s.issued and s.decided_at is not None:
        add(c, "agg_fines", (vn_date(s.decided_at), prov, was), issued=1, issued_vnd=s.amount_vnd)
        add(c, "agg_fines_total", (prov, was), issued=1, issued_vnd=s.amount_vnd)
    if s.settled and s.settled_at is not None:
        online = int(s.settled_channel == "online")
        add(
            c,
            "agg_fines",
            (vn_date(s.settled_at), prov, was),
            settled=1,
            settled_online=online,
            paid_vnd=s.paid_vnd,
        )
        add(c, "agg_fines_total", (prov, was), settled=1, settled_online=online, paid_vnd=s.paid_vnd)
    return c
