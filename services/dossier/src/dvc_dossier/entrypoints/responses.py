"""What the dossier service's routes answer (dvckit.schemas). Dossier answers are :class:`~dvckit.schemas.Open`:
members added to a dossier's answer (its documents, say) pass through before they are declared here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from dvckit.schemas import Open, Out


class Submitted(Open):
    """A dossier just submitted."""

    code: str = Field(description="the dossier's code: track it at /v1/track/{code}")
    status: str
    procedure_code: str
    procedure_name: str
    submitted_at: datetime
    due_date: date | None = Field(description="the promised date (working days); None: no deadline")
    fee_vnd: int = Field(description="the procedure's fixed fee; 0: none or computed later")


class DossierPublic(Open):
    """What anyone with the code may see: no personal data."""

    code: str
    procedure_code: str
    procedure_name: str
    agency_code: str = Field(description="the agency now responsible")
    province_code: str
    status: str
    submitted_at: datetime
    due_date: date | None
    overdue: bool
    waiting_for_supplement: bool = Field(description="the agency asked the citizen for more papers")
    result: str | None = Field(description="the result's code once the agency finished")


class Dossier(DossierPublic):
    """A dossier as its owner, an operator or the responsible agency sees it."""

    channel: str = Field(description="online | counter | agency")
    applicant_name: str | None
    phone: str | None = Field(description="the citizen's mobile number (E.164)")
    fields: dict[str, Any] = Field(description="the form, as submitted")
    fee_vnd: int
    sequence: int = Field(description="the last agency report applied (-1: none yet)")
    updated_at: datetime


class Step(Out):
    kind: str = Field(description="status | saga | data_access")
    status: str
    occurred_at: datetime
    sequence: int | None
    applied: bool = Field(description="false: recorded but not applied (out of order or superseded)")


class AuditedStep(Step):
    old_status: str | None
    actor: str = Field(description="citizen:<sub> | agency:<code> | portal | …")
    note: str | None
    result: str | None
    event_id: str | None


class SagaStep(Out):
    name: str
    title: str = Field(description="what the citizen reads")
    compensation: str | None = Field(description="what undoes the step if the flow is cancelled")


class SagaOut(Out):
    """A chained flow across agencies (vehicle registration, licence renewal)."""

    flow: str
    state: str
    steps: list[SagaStep]
    payment_id: str | None
    amount_vnd: int
    blocked_reason: str | None
    result: Any = Field(description="the flow's result once completed")


class DossierDetail(Dossier):
    history: list[AuditedStep] = Field(description="oldest first")
    saga: SagaOut | None = Field(description="None: not a chained flow")


class Tracked(DossierPublic):
    history: list[Step] = Field(description="oldest first; no uses of shared data")


class AuditEntry(Out):
    dossier_code: str
    kind: str
    actor: str
    old_status: str | None
    new_status: str
    applied: bool
    sequence: int | None
    occurred_at: datetime
    recorded_at: datetime | None
    event_id: str | None
    note: str | None


class ItemResult(Out):
    index: int = Field(description="the event's place in the batch, from 0")
    id: str | None = Field(description="the CloudEvent's id, when it had one")
    status: Literal["accepted", "rejected"]
    reason: str | None
    message: str | None


class IngestResult(Out):
    accepted: int
    rejected: int
    results: list[ItemResult] = Field(description="one per event, in the batch's order")


class Uploaded(Out):
    """A document just uploaded: the citizen's until a submission names it."""

    id: str = Field(description="name it in the submission's `documents`")
    sha256: str = Field(description="hex SHA-256 of the bytes as stored")
    size: int = Field(description="bytes")
    content_type: Literal["application/pdf", "image/jpeg", "image/png"] = Field(description="from the bytes")
    filename: str


class AttachedDocument(Uploaded):
    """A document of a dossier."""

    name: str | None = Field(description="what the citizen said it is, when attaching it")


class DossierDocuments(Out):
    items: list[AttachedDocument]


class DocumentLink(Out):
    """An expiring download link: whoever holds it may download until ``expires_at``."""

    url: str
    expires_at: datetime
