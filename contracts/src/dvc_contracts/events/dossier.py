"""Dossiers and agency status sync. Keyed by dossier code."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from dvc_contracts import topics
from dvc_contracts.events.base import Channel, Code, EventPayload, Vnd, _Payload

# What an agency may report (agency-status-reported).
AgencyStatus = Literal[
    "received",
    "processing",
    "supplement_requested",
    "forwarded",
    "completed",
    "returned",
    "rejected",
    "withdrawn",
]
# A dossier's status on the portal: the agency statuses, plus ``submitted`` (filed online, not yet received by the
# agency) and ``cancelled`` (the portal stopped it, e.g. the payment expired during a saga).
DossierStatus = Literal[
    "submitted",
    "received",
    "processing",
    "supplement_requested",
    "forwarded",
    "completed",
    "returned",
    "rejected",
    "withdrawn",
    "cancelled",
]


class DossierDocumentV1(_Payload):
    """A document the citizen attached to the dossier (PDF, JPEG or PNG, checked by its bytes). The handling
    agency fetches it over an expiring link from the dossier service
    (``GET /v1/dossiers/{code}/documents/{document_id}/link``) and can check it against ``sha256``."""

    document_id: Code
    name: str = Field(description="what the citizen says it is (e.g. the required document's name)")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the bytes, lowercase hex")
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int = Field(ge=1, description="bytes")


class DossierSubmittedV1(EventPayload):
    """A citizen filed a dossier on the portal (or at a counter, through the portal). Key: dossier code."""

    ce_type: ClassVar[str] = topics.DOSSIER_SUBMITTED

    dossier_code: Code
    procedure_code: Code
    procedure_name: str
    procedure_version: int
    agency_code: Code
    province_code: Code
    sector: str
    channel: Channel
    applicant_name: str
    citizen_phone: str | None = None
    fee_vnd: Vnd = 0
    submitted_at: AwareDatetime
    due_date: date | None = None
    documents: list[DossierDocumentV1] = Field(
        default=[], description="the uploaded documents attached on submission (none in older events)"
    )


class AgencyStatusReportedV1(EventPayload):
    """An agency's one-stop system reports a dossier's status (pinned: agencies build against it).
    Key: dossier code. ``sequence`` increases per dossier; see contracts/README.md."""

    ce_type: ClassVar[str] = topics.AGENCY_STATUS_REPORTED

    dossier_code: Code
    procedure_code: Code
    agency_code: Code
    province_code: Code
    sequence: int = Field(ge=0)
    status: AgencyStatus
    occurred_at: AwareDatetime
    due_date: date | None = None
    result: str | None = None
    note: str | None = None
    citizen_phone: str | None = None


class AgencyStatusRejectedV1(EventPayload):
    """A record on the agency ingress that was not applied, with the reason and the original bytes, for the
    agency to consume. Key: the original key (dossier code) when there was one."""

    ce_type: ClassVar[str] = topics.AGENCY_STATUS_REJECTED

    reason: Code = Field(description="machine-readable reason code, see contracts/README.md")
    message: str
    original_topic: str
    original_partition: int | None
    original_offset: int | None
    original_key: str | None
    original_headers: dict[str, str] = {}
    original_value_b64: str = Field(description="the original record value, base64")
    dossier_code: str | None = None
    agency_code: str | None = None
    rejected_at: AwareDatetime


class DossierStatusChangedV1(EventPayload):
    """A dossier's current status moved (an accepted agency report, or a portal step). Key: dossier code.

    ``old_status`` is None the first time the portal sees the dossier (e.g. one filed at an agency's own counter).
    A late event with an older sequence is kept in the dossier's history and is not published here."""

    ce_type: ClassVar[str] = topics.DOSSIER_STATUS_CHANGED

    dossier_code: Code
    procedure_code: Code
    procedure_name: str | None = None
    agency_code: Code = Field(
        description="the agency responsible now (the reporting agency for agency reports)"
    )
    province_code: Code
    sector: str
    channel: Channel
    sequence: int = Field(ge=0)
    old_status: DossierStatus | None = None
    new_status: DossierStatus
    occurred_at: AwareDatetime
    due_date: date | None = None
    result: str | None = None
    note: str | None = None
    citizen_phone: str | None = None


class DossierForwardedV1(EventPayload):
    """A dossier moves to another agency (e.g. from tax to traffic police) and keeps its identity.
    Key: dossier code."""

    ce_type: ClassVar[str] = topics.DOSSIER_FORWARDED

    dossier_code: Code
    procedure_code: Code
    procedure_name: str | None = None
    province_code: Code
    from_agency_code: Code
    to_agency_code: Code
    to_agency_name: str | None = None
    forwarded_at: AwareDatetime
    due_date: date | None = None
    note: str | None = None
    citizen_phone: str | None = None
