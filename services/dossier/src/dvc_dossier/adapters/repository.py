from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dvc_contracts import clock
from dvc_dossier.adapters.orm import dossiers, history, procedures
from dvc_dossier.domain.status_sync import DossierState
from dvckit.bulk import insert_rows

_STATE_FIELDS = [f for f in DossierState.__dataclass_fields__]
# What a status report may change on a known dossier (never its province, owner or citizen's phone).
_MUTABLE = (
    "agency_code",
    "status",
    "sequence",
    "due_date",
    "paused_at",
    "result",
    "note",
    "updated_at",
)


def history_row(
    dossier_code: str,
    *,
    status: str,
    occurred_at: datetime,
    actor: str,
    event_id: str | None,
    sequence: int | None = None,
    note: str | None = None,
    applied: bool = True,
    kind: str = "status",
    recorded_at: datetime | None = None,
    old_status: str | None = None,
    result: str | None = None,
) -> dict[str, Any]:
    """A row of the dossier's history (status reports, saga steps, uses of shared data)."""
    return {
        "dossier_code": dossier_code,
        "kind": kind,
        "recorded_at": recorded_at or clock.now(),
        "status": status,
        "occurred_at": occurred_at,
        "actor": actor,
        "event_id": event_id,
        "sequence": sequence,
        "note": note,
        "applied": int(applied),
        "old_status": old_status,
        "result": result,
    }


class ProcedureReadModel:
    """Snapshots are read on every status batch; they are cached per database, checked against the
    stored version on each read (a published version is immutable), dropped when this process writes."""

    _cache: ClassVar[dict[tuple[str, str], tuple[int, dict[str, Any]]]] = {}

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._db = str(session.get_bind().engine.url)

    async def get(self, code: str) -> tuple[dict[str, Any], str, int] | None:
        row = (await self.session.execute(select(procedures).where(procedures.c.code == code))).first()
        return (row.snapshot, row.status, row.version) if row else None

    async def upsert(self, code: str, version: int, status: str, snapshot: dict[str, Any]) -> bool:
        """Keep the newest version; an older snapshot arriving late does not overwrite. True if applied."""
        self._cache.pop((self._db, code), None)
        current = await self.get(code)
        if current is None:
            await self.session.execute(
                insert(procedures).values(code=code, version=version, status=status, snapshot=snapshot)
            )
            return True
        if version < current[2]:
            return False
        await self.session.execute(
            update(procedures)
            .where(procedures.c.code == code)
            .values(version=version, status=status, snapshot=snapshot)
        )
        return True

    async def snapshots(self, codes: set[str]) -> dict[str, dict[str, Any]]:
        """Published snapshots of these procedures (retired ones still take status reports)."""
        if not codes:
            return {}
        q = select(procedures.c.code, procedures.c.version).where(procedures.c.code.in_(codes))
        versions = {r.code: r.version for r in (await self.session.execute(q)).all()}
        stale = {c for c, v in versions.items() if self._cache.get((self._db, c), (None,))[0] != v}
        if stale:
            q = select(procedures.c.code, procedures.c.version, procedures.c.snapshot)
            for r in (await self.session.execute(q.where(procedures.c.code.in_(stale)))).all():
                self._cache[(self._db, r.code)] = (r.version, r.snapshot)
        return {c: self._cache[(self._db, c)][1] for c in versions if (self._db, c) in self._cache}

    async def retire(self, code: str, version: int) -> bool:
        self._cache.pop((self._db, code), None)
        result: Any = await self.session.execute(
            update(procedures)
            .where(procedures.c.code == code, procedures.c.version == version)
            .values(status="retired")
        )
        return bool(result.rowcount)


class DossierRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(dossiers).values(**values))

    async def get(self, code: str) -> Any:
        return (await self.session.execute(select(dossiers).where(dossiers.c.code == code))).first()

    async def owner(self, code: str) -> str | None:
        """The citizen (token subject) who filed the dossier on the portal; None for a counter dossier."""
        q = select(dossiers.c.owner_sub).where(dossiers.c.code == code)
        owner: str | None = (await self.session.execute(q)).scalar()
        return owner

    async def states(self, codes: set[str]) -> dict[str, DossierState]:
        if not codes:
            return {}
        q = select(*(dossiers.c[f] for f in _STATE_FIELDS)).where(dossiers.c.code.in_(codes))
        return {r.code: DossierState(*r) for r in (await self.session.execute(q)).all()}

    async def save_states(self, states: list[DossierState]) -> None:
        """Insert new dossiers and update known ones, one statement for the whole batch."""
        if not states:
            return
        rows = []
        for st in states:
            row = {f: getattr(st, f) for f in _STATE_FIELDS}
            row |= {"fields": {}, "fee_vnd": 0, "updated_at": st.updated_at or st.submitted_at}
            rows.append(row)
        await insert_rows(self.session, dossiers, rows, conflict=["code"], update=_MUTABLE)

    async def add_history_rows(self, rows: list[dict[str, Any]]) -> None:
        await insert_rows(self.session, history, rows)

    async def list_for_owner(self, owner_sub: str, limit: int, offset: int) -> list[Any]:
        q = (
            select(dossiers)
            .where(dossiers.c.owner_sub == owner_sub)
            .order_by(dossiers.c.submitted_at.desc())
            .limit(limit)
            .offset(offset)
        )
        return list((await self.session.execute(q)).all())

    async def count_for_owner(self, owner_sub: str) -> int:
        q = select(func.count()).select_from(dossiers).where(dossiers.c.owner_sub == owner_sub)
        return int(await self.session.scalar(q) or 0)

    async def audit(
        self,
        *,
        dossier_code: str | None,
        agency: str | None,
        province: str | None,
        limit: int,
        offset: int = 0,
        before_id: int | None = None,
    ) -> list[Any]:
        """Newest first; ``province``: only dossiers of that province (the dossier's own, not its code);
        ``before_id``: only entries older than that one (the key of a page: an index seek, however deep)."""
        q = select(history).join(dossiers, dossiers.c.code == history.c.dossier_code)
        if before_id is not None:
            q = q.where(history.c.id < before_id)
        if dossier_code:
            q = q.where(history.c.dossier_code == dossier_code)
        if agency:
            q = q.where(history.c.actor == f"agency:{agency}")
        if province:
            q = q.where(dossiers.c.province_code == province)
        q = q.order_by(history.c.id.desc()).limit(limit).offset(offset)
        return list((await self.session.execute(q)).all())

    async def set_status(self, code: str, status: str) -> None:
        await self.session.execute(
            update(dossiers).where(dossiers.c.code == code).values(status=status, updated_at=clock.now())
        )

    async def forward(self, code: str, to_agency: str, at: datetime) -> None:
        """A cross-agency step: same dossier (one identity), now with the receiving agency."""
        await self.session.execute(
            update(dossiers)
            .where(dossiers.c.code == code)
            .values(status="forwarded", agency_code=to_agency, updated_at=at)
        )

    async def history(self, dossier_code: str) -> list[Any]:
        q = select(history).where(history.c.dossier_code == dossier_code).order_by(history.c.id)
        return list((await self.session.execute(q)).all())
