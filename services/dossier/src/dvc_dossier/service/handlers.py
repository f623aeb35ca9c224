"""Dossier handlers: plain functions of (command or event, unit of work)."""

from __future__ import annotations

from typing import Any

from dvc_contracts import clock, phone, topics
from dvc_contracts.events import DossierSubmittedV1, ProcedurePublishedV1, ProcedureRetiredV1
from dvc_dossier.adapters.repository import history_row
from dvc_dossier.domain.model import (
    Submission,
    SubmissionError,
    check_submission,
    due_date,
    fixed_fee,
    new_dossier_code,
)
from dvc_dossier.domain.sagas import FeeError
from dvc_dossier.sagas import handlers as saga_handlers
from dvc_dossier.service import documents
from dvc_dossier.service.uow import DossierUnitOfWork
from dvckit.auth.jwt import Principal
from dvckit.logging import get_logger
from dvckit.messaging.typed import Event

log = get_logger("dvc_dossier.handlers")


async def on_procedure_published(event: Event[ProcedurePublishedV1], uow: DossierUnitOfWork) -> None:
    """Keep the catalog snapshot (newest version wins) for validating submissions."""
    data = event.data
    applied = await uow.procedures.upsert(data.code, data.version, "published", data.model_dump(mode="json"))
    log.info("procedure.snapshot_stored", code=data.code, version=data.version, applied=applied)


async def on_procedure_retired(event: Event[ProcedureRetiredV1], uow: DossierUnitOfWork) -> None:
    """A retired version accepts no new dossiers."""
    await uow.procedures.retire(event.data.code, event.data.version)


def check_assurance(snapshot: dict[str, Any], citizen: Principal) -> None:
    """A procedure that needs a level-2 account (identity checked in person) refuses a level-1 one; a token
    without ``loa`` counts as level 1."""
    needed = int(snapshot.get("assurance_level") or 1)
    if (citizen.loa or 1) < needed:
        raise SubmissionError(
            "assurance_level_too_low",
            f"Thủ tục này yêu cầu tài khoản định danh điện tử mức độ {needed}; tài khoản của bạn đang ở mức độ "
            f"{citizen.loa or 1}. Vui lòng nâng mức tài khoản (xác thực trực tiếp tại cơ quan Công an hoặc qua "
            "ứng dụng VNeID) rồi nộp lại.",
        )


async def submit_dossier(uow: DossierUnitOfWork, citizen: Principal, sub: Submission) -> dict[str, Any]:
    found = await uow.procedures.get(sub.procedure_code)
    if found is None:
        raise SubmissionError("unknown_procedure", f"Không tìm thấy thủ tục {sub.procedure_code}.")
    snapshot, status, version = found
    check_submission(snapshot, status, sub)
    check_assurance(snapshot, citizen)
    now = clock.now()
    code = new_dossier_code(sub.province_code, now)
    attached = await documents.attach(uow, citizen.sub, sub.documents, code, now) if sub.documents else []
    values: dict[str, Any] = {
        "code": code,
        "procedure_code": sub.procedure_code,
        "procedure_version": version,
        "procedure_name": snapshot["name"],
        "agency_code": snapshot["agency_code"],
        "province_code": sub.province_code,
        "sector": snapshot["sector"],
        "channel": "online",
        "owner_sub": citizen.sub,
        "applicant_name": sub.applicant_name,
        "citizen_phone": sub.citizen_phone,
        "fields": sub.fields,
        "fee_vnd": fixed_fee(snapshot),
        "status": "submitted",
        "sequence": -1,  # the agency's first report (any sequence ≥ 0) moves it
        "submitted_at": now,
        "due_date": due_date(now, int(snapshot.get("processing_days", 0))),
        "updated_at": now,
    }
    await uow.dossiers.add(values)
    await uow.dossiers.add_history_rows(
        [
            history_row(
                code, status="submitted", occurred_at=now, actor=f"citizen:{citizen.sub}", event_id=None
            )
        ]
    )
    event = DossierSubmittedV1(
        dossier_code=code,
        procedure_code=sub.procedure_code,
        procedure_name=snapshot["name"],
        procedure_version=version,
        agency_code=snapshot["agency_code"],
        province_code=sub.province_code,
        sector=snapshot["sector"],
        channel="online",
        applicant_name=sub.applicant_name,
        citizen_phone=sub.citizen_phone,
        fee_vnd=values["fee_vnd"],
        submitted_at=now,
        due_date=values["due_date"],
        documents=attached,
    )
    await uow.publish(topics.DOSSIER_SUBMITTED, event, key=code)
    if snapshot.get("chained_flow"):
        try:
            await saga_handlers.start(uow, values, snapshot)
        except FeeError as exc:
            raise SubmissionError("invalid_fields", f"Không tính được lệ phí: {exc}.", [exc.field]) from exc
    log.info(
        "dossier.submitted",
        dossier_code=code,
        procedure=sub.procedure_code,
        documents=len(attached),
        phone=phone.mask(sub.citizen_phone),
    )
    return values
