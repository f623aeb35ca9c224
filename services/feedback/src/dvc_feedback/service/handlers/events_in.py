"""Events in: the read models feedback routes with. Procedures (→ the responsible agency) from the catalog,
dossiers (→ the agency handling each now) from the dossier service; every agency code seen becomes known."""

from __future__ import annotations

from typing import Any

from dvc_contracts.events import (
    DossierStatusChangedV1,
    DossierSubmittedV1,
    ProcedurePublishedV1,
    ProcedureRetiredV1,
)
from dvc_feedback.service.uow import FeedbackUnitOfWork
from dvckit.messaging.typed import Event, Rejection


async def on_procedure_published(event: Event[ProcedurePublishedV1], uow: FeedbackUnitOfWork) -> None:
    """Procedure → responsible agency (newest version wins); its agencies become known."""
    data = event.data
    await uow.catalog.upsert_procedure(
        code=data.code,
        version=data.version,
        name=data.name,
        agency_code=data.agency_code,
        allowed=list(data.allowed_agency_codes),
        at=data.published_at,
    )
    await uow.catalog.add_agencies(
        {code: None for code in data.allowed_agency_codes} | {data.agency_code: data.agency_name}
    )


async def on_procedure_retired(event: Event[ProcedureRetiredV1], uow: FeedbackUnitOfWork) -> None:
    """A retired procedure still routes feedback about it (complaints outlive procedures)."""
    data = event.data
    await uow.catalog.retire(data.code, data.version, data.retired_at)


async def on_dossier_submitted(event: Event[DossierSubmittedV1], uow: FeedbackUnitOfWork) -> None:
    """Dossier → agency, procedure, province (a status event that came first is not overwritten)."""
    data = event.data
    await uow.dossiers.upsert(
        code=data.dossier_code,
        procedure_code=data.procedure_code,
        agency_code=data.agency_code,
        province_code=data.province_code,
        status="submitted",
        sequence=0,
        at=data.submitted_at,
        only_if_new=True,
    )
    await uow.catalog.add_agencies({data.agency_code: None})


def _dossier_row(d: DossierStatusChangedV1) -> dict[str, Any]:
    return {
        "code": d.dossier_code, "procedure_code": d.procedure_code, "agency_code": d.agency_code,
        "province_code": d.province_code, "status": d.new_status, "sequence": d.sequence,
        "updated_at": d.occurred_at,
    }  # fmt: skip


async def on_dossier_status_changed(
    events: list[Event[DossierStatusChangedV1]], uow: FeedbackUnitOfWork
) -> list[Rejection]:
    """The agency handling each dossier now (highest sequence wins; of equal ones, the later). A batch is
    folded to one row per dossier first: two statements per batch, whatever its size."""
    latest: dict[str, DossierStatusChangedV1] = {}
    for event in events:
        data = event.data
        kept = latest.get(data.dossier_code)
        if kept is None or data.sequence >= kept.sequence:
            latest[data.dossier_code] = data
    await uow.dossiers.upsert_many([_dossier_row(d) for d in latest.values()])
    await uow.catalog.add_agencies(dict.fromkeys(sorted({d.agency_code for d in latest.values()})))
    return []
