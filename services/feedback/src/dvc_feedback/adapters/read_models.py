"""Read models fed by events: the catalog (procedure → agency, known agencies), dossiers (→ agency now)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dvc_feedback.adapters.orm import agencies, dossiers, procedures
from dvc_feedback.domain.submission import DossierInfo, ProcedureInfo
from dvckit.db import dialect_name


def _upsert(session: AsyncSession, table: Any) -> Any:
    return (postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert)(table)


class CatalogReadModel:
    """procedure code → agency (newest version wins), and the agencies the portal knows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_procedure(
        self, *, code: str, version: int, name: str, agency_code: str, allowed: list[str], at: datetime
    ) -> None:
        ins = _upsert(self.session, procedures).values(
            code=code,
            version=version,
            name=name,
            agency_code=agency_code,
            allowed_agency_codes=allowed,
            status="published",
            updated_at=at,
        )
        ex = ins.excluded
        stmt = ins.on_conflict_do_update(
            index_elements=[procedures.c.code],
            set_={
                "version": ex.version,
                "name": ex.name,
                "agency_code": ex.agency_code,
                "allowed_agency_codes": ex.allowed_agency_codes,
                "status": ex.status,
                "updated_at": ex.updated_at,
            },
            where=procedures.c.version <= ex.version,
        )
        await self.session.execute(stmt)

    async def retire(self, code: str, version: int, at: datetime) -> None:
        await self.session.execute(
            update(procedures)
            .where(procedures.c.code == code, procedures.c.version == version)
            .values(status="retired", updated_at=at)
        )

    async def procedure(self, code: str) -> ProcedureInfo | None:
        row = (await self.session.execute(select(procedures).where(procedures.c.code == code))).first()
        if row is None:
            return None
        return ProcedureInfo(row.code, row.agency_code, tuple(row.allowed_agency_codes or ()))

    async def add_agencies(self, named: dict[str, str | None]) -> None:
        """Remember agency codes (with a name when the event gives one): one statement for the unnamed."""
        unnamed = [{"code": code, "name": None} for code, name in named.items() if not name]
        if unnamed:
            ins = _upsert(self.session, agencies).values(unnamed)
            await self.session.execute(ins.on_conflict_do_nothing(index_elements=[agencies.c.code]))
        for code, name in named.items():
            if name:
                ins = _upsert(self.session, agencies).values(code=code, name=name)
                stmt = ins.on_conflict_do_update(index_elements=[agencies.c.code], set_={"name": name})
                await self.session.execute(stmt)

    async def agency_known(self, code: str) -> bool:
        return (
            await self.session.execute(select(agencies.c.code).where(agencies.c.code == code))
        ).first() is not None


class DossierReadModel:
    """dossier code → the agency handling it now (highest sequence wins; a late, older event does not move it)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(
        self,
        *,
        code: str,
        procedure_code: str,
        agency_code: str,
        province_code: str,
        status: str,
        sequence: int,
        at: datetime,
        only_if_new: bool = False,
    ) -> None:
        row = {
            "code": code, "procedure_code": procedure_code, "agency_code": agency_code,
            "province_code": province_code, "status": status, "sequence": sequence, "updated_at": at,
        }  # fmt: skip
        if only_if_new:
            ins = _upsert(self.session, dossiers).values(**row)
            await self.session.execute(ins.on_conflict_do_nothing(index_elements=[dossiers.c.code]))
        else:
            await self.upsert_many([row])

    async def upsert_many(self, rows: list[dict[str, Any]]) -> None:
        """One statement; one row per dossier code (the caller folds a batch first). A row moves a dossier
        only from an equal or lower sequence."""
        if not rows:
            return
        ins = _upsert(self.session, dossiers).values(rows)
        ex = ins.excluded
        stmt = ins.on_conflict_do_update(
            index_elements=[dossiers.c.code],
            set_={
                "procedure_code": ex.procedure_code,
                "agency_code": ex.agency_code,
                "province_code": ex.province_code,
                "status": ex.status,
                "sequence": ex.sequence,
                "updated_at": ex.updated_at,
            },
            where=dossiers.c.sequence <= ex.sequence,
        )
        await self.session.execute(stmt)

    async def get(self, code: str) -> DossierInfo | None:
        row = (await self.session.execute(select(dossiers).where(dossiers.c.code == code))).first()
        if row is None:
            return None
        return DossierInfo(row.code, row.agency_code, row.procedure_code, row.province_code)
