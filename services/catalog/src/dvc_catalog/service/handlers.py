"""Catalog commands. Publishing writes the full snapshot to the outbox (procedure-published, key = code)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dvc_catalog.domain.model import Procedure, ProcedureError
from dvc_catalog.service.uow import CatalogUnitOfWork
from dvc_contracts import clock, topics, units
from dvc_contracts.events import ProcedurePublishedV1, ProcedureRetiredV1
from dvc_contracts.fees import parse_fee


def check_provinces(codes: list[str]) -> None:
    """A procedure is offered in today's provinces: a former code is refused, naming the one it now is."""
    problems = [m for m in (units.check_current(c) for c in codes) if m]
    if problems:
        raise ProcedureError("invalid_province", " ".join(problems))


def check_fee(fee: dict[str, Any]) -> None:
    """A new version's fee is the contract's (dvc_contracts.fees): a rule the portal can assess, checked when
    the draft is made rather than when its publication would fail."""
    try:
        parse_fee(fee)
    except ValueError as exc:  # pydantic's ValidationError
        raise ProcedureError("invalid_fee", f"fee is not a valid ProcedureFeeV1: {exc}") from exc


async def create_draft(uow: CatalogUnitOfWork, fields: dict[str, Any]) -> Procedure:
    check_provinces(fields.get("provinces") or [])
    check_fee(fields["fee"])
    code = fields["code"]
    version = await uow.procedures.next_version(code)
    draft = Procedure(**(fields | {"version": version, "status": "draft"}))
    check_publishable(draft)
    await uow.procedures.add(draft)
    return draft


def check_publishable(draft: Procedure) -> None:
    """The draft must make a valid procedure-published event: checked when it is made (a 422 naming the field),
    not found out when publishing it fails. The contract is the one source of what a procedure may be."""
    try:
        snapshot(draft, published_at=clock.now())
    except ValueError as exc:  # pydantic's ValidationError
        fields = sorted({str(e["loc"][0]) for e in getattr(exc, "errors", list)() if e.get("loc")})
        raise ProcedureError(
            "invalid_procedure", f"Thủ tục chưa hợp lệ, cần sửa: {', '.join(fields) or 'dữ liệu'}."
        ) from exc


def snapshot(p: Procedure, published_at: datetime | None = None) -> ProcedurePublishedV1:
    published_at = published_at or p.published_at
    assert published_at is not None
    return ProcedurePublishedV1(
        code=p.code,
        version=p.version,
        name=p.name,
        sector=p.sector,
        agency_code=p.agency_code,
        agency_name=p.agency_name,
        level=p.level,
        service_level=p.service_level,
        fee=p.fee,
        processing_days=p.processing_days,
        required_documents=p.required_documents,
        required_fields=p.required_fields,
        allowed_agency_codes=p.allowed_agency_codes,
        chained_flow=p.chained_flow,
        social_saving_vnd=p.social_saving_vnd,
        provinces=p.provinces,
        assurance_level=p.assurance_level,
        published_at=published_at,
    )


async def publish(uow: CatalogUnitOfWork, code: str, version: int | None = None) -> Procedure:
    p = await (uow.procedures.get(code, version) if version else uow.procedures.latest(code, "draft"))
    if p is None:
        raise ProcedureError("not_found", f"no draft of procedure {code}")
    now = clock.now()
    previous = await uow.procedures.latest(code, "published")
    published = p.publish(now)
    await uow.procedures.save_status(published)
    if previous is not None and previous.version != published.version:
        await _retire(uow, previous, now, reason=f"superseded by version {published.version}")
    await uow.publish(topics.PROCEDURE_PUBLISHED, snapshot(published), key=code)
    return published


async def retire(uow: CatalogUnitOfWork, code: str, reason: str | None = None) -> Procedure:
    p = await uow.procedures.latest(code, "published")
    if p is None:
        raise ProcedureError("not_found", f"procedure {code} has no published version")
    return await _retire(uow, p, clock.now(), reason)


async def _retire(uow: CatalogUnitOfWork, p: Procedure, now: datetime, reason: str | None) -> Procedure:
    retired = p.retire(now)
    await uow.procedures.save_status(retired)
    data = ProcedureRetiredV1(code=p.code, version=p.version, retired_at=now, reason=reason)
    await uow.publish(topics.PROCEDURE_RETIRED, data, key=p.code)
    return retired
