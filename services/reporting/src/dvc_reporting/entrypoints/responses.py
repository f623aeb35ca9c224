"""What reporting's JSON API answers (dvckit.schemas). Dates and times the read model already formats are
ISO 8601 strings (``YYYY-MM-DD``; timestamps with their offset)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import Field

from dvckit.schemas import Out, Sparse

T = TypeVar("T")
Number = int | float  # a figure: counts stay integers, shares and rates are decimals
DAY = "YYYY-MM-DD (Viet Nam)"


class Items(Out, Generic[T]):
    """A whole table (bounded: provinces, sectors, days of a range); ``format=csv`` gives it as a file."""

    items: list[T]


class Summary(Out):
    """The headline figures (names pinned: other government systems read them)."""

    dossiers_total: int = Field(
        description="hồ sơ (each dossier code once, however many agencies handled it)"
    )
    dossiers_overdue: int = Field(description="not finished and past the due date (Viet Nam's today)")
    dossiers_by_status: dict[str, int] = Field(description="current status → dossiers (every status listed)")
    payments_total_vnd: int = Field(description="sum of fee-paid amounts (VND)")
    fines_issued: int
    fines_settled_online: int
    feedback_received: int
    feedback_answered: int
    sms_sent: int
    sms_delivered: int
    estimated_savings_vnd: int = Field(
        description="Σ over online dossiers of the procedure's social_saving_vnd"
    )


class Figures(Summary):
    """Every headline figure of the dashboard."""

    dossiers_open: int
    dossiers_online: int
    dossiers_counter: int
    online_share: float | None = Field(description="online / all; None: no dossier")
    finished_on_time: int
    finished_late: int
    on_time_rate: float | None = Field(description="on time / finished; None: none finished")
    payments_count: int
    fines_issued_vnd: int
    fines_settled: int
    fines_paid_vnd: int
    feedback_overdue: int
    feedback_answered_late: int
    sms_failed: int
    sms_segments: int


class ProvinceRow(Sparse):
    province_code: str = Field(description='"" (units=2024): what no former province can be given')
    province_name: str | None
    dossiers_total: int
    dossiers_online: int
    online_share: float | None
    dossiers_open: int
    dossiers_overdue: int
    overdue_share: float | None = Field(description="overdue / open")
    finished_on_time: int
    finished_late: int
    on_time_rate: float | None
    payments_total_vnd: int
    feedback_received: int
    feedback_answered: int
    rank: int = Field(description="busiest first")
    population: int | None = Field(default=None, description="today's provinces only")
    dossiers_per_1000: float | None = Field(default=None, description="today's provinces only")
    now_code: str | None = Field(
        default=None, description="units=2024 only: the province it is part of today"
    )
    now_name: str | None = Field(default=None, description="units=2024 only")


class BreakdownRow(Out):
    province_code: str
    province_name: str | None
    sector: str | None
    sector_name: str | None
    status: str
    channel: str | None
    dossiers: int


class TrendRow(Out):
    day: str = Field(description=DAY)
    received_online: int
    received_counter: int
    finished: int
    finished_on_time: int
    payments_count: int
    payments_amount_vnd: int
    sms_sent: int
    sms_delivered: int
    sms_failed: int
    fines_issued: int
    fines_settled_online: int
    feedback_received: int
    feedback_answered: int


class Places(Out):
    province_code: str | None = Field(description="today's province")
    province_name: str | None
    former_province_code: str | None = Field(
        description="one of the 63, for dossiers opened before 1 July 2025"
    )
    former_province_name: str | None


class OverdueRow(Places):
    code: str
    procedure_code: str | None
    procedure_name: str | None
    sector: str | None
    agency_code: str | None
    agency_name: str | None
    channel: str | None
    status: str
    submitted_day: str | None = Field(description=DAY)
    due_date: str = Field(description=DAY)
    days_overdue: int


class OverdueByRow(Out):
    key: str | None = Field(description="the province, agency or procedure code")
    name: str | None
    overdue: int


class PaymentsRow(Sparse):
    provider: str
    count: int
    amount_vnd: int
    day: str | None = Field(default=None, description=f"by=day only: {DAY}")
    purpose: str | None = Field(default=None, description="by=provider only: dossier_fee | fine")


class DossierEvent(Out):
    kind: str
    status: str | None
    sequence: int | None
    agency_code: str | None
    agency_name: str | None
    from_agency_code: str | None
    occurred_at: str = Field(description="ISO 8601 with offset")
    note: str | None
    late: bool
    amount_vnd: int | None
    detail: str | None = Field(description="what the event carried beyond its status (payments, results…)")
    event_id: str | None


class ReportDossier(Places):
    code: str
    procedure_code: str | None
    procedure_name: str | None
    sector: str | None
    sector_name: str | None
    channel: str | None
    status: str | None
    sequence: int | None
    agency_code: str | None
    agency_name: str | None
    forwarded_times: int | None
    submitted_day: str | None = Field(description=DAY)
    due_date: str | None = Field(description=DAY)
    finished_at: str | None = Field(description="ISO 8601 with offset")
    on_time: bool | None
    history: list[DossierEvent] = Field(description="oldest first")


class CodeName(Out):
    code: str
    name: str


class ProvinceRef(CodeName):
    full_name: str
    formed_from: list[str] = Field(description="the former provinces it was formed from on 1 July 2025")
    population: int | None


class FormerProvinceRef(CodeName):
    full_name: str
    now: str = Field(description="the code of the province it is part of today")


class Reference(Out):
    provinces: list[ProvinceRef]
    former_provinces: list[FormerProvinceRef]
    units_source: dict[str, str] = Field(description="where the lists of units and populations come from")
    sectors: list[CodeName]
    agencies: list[CodeName]
    statuses: list[CodeName]
    channels: list[CodeName]
    scope: str | None = Field(description="a province operator's province; None: national")


class Tile(Out):
    code: str
    name: str
    label: str
    col: int
    row: int
    value: Number | None
    dossiers_total: int | None
    population: int | None
    class_: int | None = Field(alias="class", description="the legend's class, 0 = lightest")


class Step(Out):
    from_: Number = Field(alias="from")
    to: Number


class Island(Out):
    name: str
    of: str
    col: int
    row: int


class ProvinceMap(Out):
    metric: str
    title: str
    basis: str
    format: str
    legend: list[Step]
    tiles: list[Tile]
    islands: list[Island]
    selected: str | None
    population_source: str


class Rejected(Out):
    reason: str
    message: str | None
    dossier_code: str | None
    rejected_at: str


class AgencyRejections(Out):
    agency_code: str | None
    agency_name: str
    rejected: int
    by_reason: dict[str, int]
    last_at: str
    latest: list[Rejected]


class DeadLetterCount(Out):
    original_topic: str
    rejected_by: str | None
    reason: str | None
    count: int
    last_at: str | None


class DeadLetter(Out):
    original_topic: str
    reason: str | None
    message: str | None
    rejected_by: str | None
    rejected_at: str | None
    key: str | None


class Pipeline(Out):
    lag: dict[str, Any] = Field(
        description="method (admin | none), rows (group, service, topic, lag…), error"
    )
    services: list[dict[str, Any]] = Field(
        description="each service's /metrics: up, outbox_backlog, consumer_lag"
    )
    checked_at: str | None
    rejections: list[AgencyRejections]
    rejections_total: int
    dead_letters: list[DeadLetterCount]
    dead_letters_total: int
    dead_letters_latest: list[DeadLetter]
