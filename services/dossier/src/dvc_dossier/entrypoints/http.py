"""Thin HTTP routes for citizens (submit, my dossiers), owners/operators (detail) and the public (track)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from dvc_contracts import clock, phone, units
from dvc_dossier.domain.documents import DocumentRef
from dvc_dossier.domain.model import Submission, SubmissionError
from dvc_dossier.domain.sagas import STEPS, Saga
from dvc_dossier.domain.status_sync import is_overdue
from dvc_dossier.entrypoints.responses import AuditEntry, Dossier, DossierDetail, Submitted, Tracked
from dvc_dossier.entrypoints.submission import SubmitDossier
from dvc_dossier.service import handlers
from dvc_dossier.service.uow import DossierUnitOfWork
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal
from dvckit.paging import Page, Paging, cursor_paged, paged
from dvckit.schemas import links

router = APIRouter()
Citizen = Annotated[Principal, Depends(require_role("citizen"))]
Reader = Annotated[Principal, Depends(require_role("citizen", "operator", "agency"))]


def _uow(request: Request) -> DossierUnitOfWork:
    uow: DossierUnitOfWork = request.app.state.runtime.uow()
    return uow


def _today() -> date:
    return clock.vn_today()


def _dossier_out(row: Any, full: bool) -> dict[str, Any]:
    public = {
        "code": row.code,
        "procedure_code": row.procedure_code,
        "procedure_name": row.procedure_name,
        "agency_code": row.agency_code,
        "province_code": row.province_code,
        "status": row.status,
        "submitted_at": row.submitted_at,
        "due_date": row.due_date,
        "overdue": is_overdue(row.status, row.due_date, row.paused_at, _today()),
        "waiting_for_supplement": row.paused_at is not None,
        "result": row.result,
    }
    if not full:
        return public
    return public | {
        "channel": row.channel,
        "applicant_name": row.applicant_name,
        "phone": row.citizen_phone,
        "fields": row.fields,
        "fee_vnd": row.fee_vnd,
        "sequence": row.sequence,
        "updated_at": row.updated_at,
    }


def _history_out(rows: list[Any], full: bool) -> list[dict[str, Any]]:
    out = []
    for h in rows:
        if not full and h.kind == "data_access":
            continue  # uses of someone's shared data are for the owner, not the public
        item = {
            "kind": h.kind,
            "status": h.status,
            "occurred_at": h.occurred_at,
            "sequence": h.sequence,
            "applied": bool(h.applied),
        }
        if full:
            item |= {
                "old_status": h.old_status,
                "actor": h.actor,
                "note": h.note,
                "result": h.result,
                "event_id": h.event_id,
            }
        out.append(item)
    return out


def _saga_out(saga: Saga | None) -> dict[str, Any] | None:
    if saga is None:
        return None
    return {
        "flow": saga.flow,
        "state": saga.state,
        "steps": [
            {"name": s.name, "title": s.title, "compensation": s.compensation} for s in STEPS[saga.flow]
        ],
        "payment_id": saga.payment_id,
        "amount_vnd": saga.amount_vnd,
        "blocked_reason": saga.blocked_reason,
        "result": saga.context.get("result"),
    }


def _may_read(reader: Principal, row: Any) -> bool:
    """The owner; an operator of the dossier's province; the responsible agency in the dossier's province.
    A token without a province claim is nationwide (a central operator or agency)."""
    if reader.role == "citizen":
        return bool(row.owner_sub == reader.sub)
    # tokens carry today's units (dvckit.auth); a dossier filed before 1 July 2025 keeps its former code
    in_province = reader.province is None or reader.province == units.current_of(row.province_code)
    if reader.role == "agency":
        return in_province and reader.agency == row.agency_code
    return in_province and reader.role == "operator"


def _not_found(code: str) -> HTTPException:
    return HTTPException(404, detail={"error": "not_found", "message": f"Không tìm thấy hồ sơ {code}."})


def _account_phone(citizen: Principal) -> str | None:
    """The token's phone when the body gives none, held to the same rule: a Vietnamese mobile number (E.164)."""
    if not citizen.phone:
        return None
    try:
        return phone.normalise(citizen.phone)
    except phone.InvalidPhone as exc:
        raise HTTPException(
            422,
            detail={
                "error": "invalid_fields",
                "message": f"Số điện thoại của tài khoản không dùng được để nhận tin nhắn — {exc.message_vi} "
                "Nhập số di động của bạn vào trường phone.",
                "fields": ["phone"],
            },
        ) from exc


@router.post(
    "/dossiers",
    status_code=201,
    tags=["dossiers"],
    summary="A citizen submits a dossier",
    responses=links(
        201,
        GetDossier=("get", "/v1/dossiers/{code}", {"path.code": "$response.body#/code"}),
        TrackDossier=("get", "/v1/track/{code}", {"path.code": "$response.body#/code"}),
    ),
)
async def submit(request: Request, body: SubmitDossier, citizen: Citizen) -> Submitted:
    name = body.applicant_name or citizen.name
    if not name:
        raise HTTPException(
            422,
            detail={
                "error": "missing_fields",
                "message": "Thiếu họ tên người nộp.",
                "fields": ["applicant_name"],
            },
        )
    sub = Submission(
        procedure_code=body.procedure_code,
        province_code=body.province_code,
        applicant_name=name,
        citizen_phone=body.phone or _account_phone(citizen),
        fields=body.fields,
        documents=tuple(DocumentRef(d.document_id, d.name, d.code) for d in body.documents),
    )
    async with _uow(request) as uow:
        try:
            values = await handlers.submit_dossier(uow, citizen, sub)
        except SubmissionError as exc:
            status = {"unknown_procedure": 404, "assurance_level_too_low": 403}.get(exc.code, 422)
            raise HTTPException(
                status, detail={"error": exc.code, "message": exc.message, "fields": exc.fields}
            ) from exc
        await uow.commit()
    keys = ("code", "status", "procedure_code", "procedure_name", "submitted_at", "due_date", "fee_vnd")
    return Submitted.model_validate({k: values[k] for k in keys})


@router.get("/dossiers", tags=["dossiers"], summary="My dossiers (?mine)")
async def my_dossiers(
    request: Request,
    citizen: Citizen,
    paging: Annotated[Paging, Depends(paged())],
    mine: bool = True,
) -> Page[Dossier]:
    async with _uow(request) as uow:
        await uow.snapshot()  # the count and the page from one moment
        total = await uow.dossiers.count_for_owner(citizen.sub)
        rows = await uow.dossiers.list_for_owner(citizen.sub, paging.limit, paging.offset)
    return paging.page(request, [Dossier.model_validate(_dossier_out(r, full=True)) for r in rows], total)


@router.get(
    "/dossiers/{code}",
    tags=["dossiers"],
    summary="A dossier with its full history (owner; operator or responsible agency of its province)",
)
async def get_dossier(request: Request, code: str, reader: Reader) -> DossierDetail:
    async with _uow(request) as uow:
        await uow.snapshot()  # dossier, history and saga from one moment
        row = await uow.dossiers.get(code)
        if row is None:
            raise _not_found(code)
        if not _may_read(reader, row):
            raise _not_found(code)  # never confirm that someone else's (or another province's) dossier exists
        hist = await uow.dossiers.history(code)
        saga = await uow.sagas.view(code)
    detail = {"history": _history_out(hist, full=True), "saga": _saga_out(saga)}
    return DossierDetail.model_validate(_dossier_out(row, full=True) | detail)


@router.get(
    "/track/{code}", tags=["public"], summary="Public tracking: status and steps only, no personal data"
)
async def track(request: Request, code: str) -> Tracked:
    async with _uow(request) as uow:
        await uow.snapshot()
        row = await uow.dossiers.get(code)
        if row is None:
            raise _not_found(code)
        hist = await uow.dossiers.history(code)
    return Tracked.model_validate(_dossier_out(row, full=False) | {"history": _history_out(hist, full=False)})


Operator = Annotated[Principal, Depends(require_role("operator"))]


@router.get(
    "/audit",
    tags=["audit"],
    summary="Audit trail: every change, who / which agency, old → new, event id (newest first, paged)",
)
async def audit(
    request: Request,
    operator: Operator,
    paging: Annotated[Paging, Depends(cursor_paged(200))],
    dossier_code: str | None = Query(None, max_length=64),
    agency: str | None = Query(None, max_length=64),
) -> Page[AuditEntry]:
    before = paging.cursor_values(int)  # paged by key: the trail only grows (dvckit.paging)
    async with _uow(request) as uow:
        rows = await uow.dossiers.audit(
            dossier_code=dossier_code,
            agency=agency,
            province=operator.province,
            limit=paging.probe,  # not counted (the whole history is large): one more row tells if a page follows
            offset=paging.offset,
            before_id=before[0] if before else None,
        )
    return paging.keyset_page(request, rows, _audit_entry, key=lambda h: (h.id,))


def _audit_entry(h: Any) -> AuditEntry:
    return AuditEntry(
        dossier_code=h.dossier_code,
        kind=h.kind,
        actor=h.actor,
        old_status=h.old_status,
        new_status=h.status,
        applied=bool(h.applied),
        sequence=h.sequence,
        occurred_at=h.occurred_at,
        recorded_at=h.recorded_at,
        event_id=h.event_id,
        note=h.note,
    )
