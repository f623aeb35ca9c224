from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dvc_contracts import clock
from dvc_contracts.events import FineIssuedV1
from dvc_dossier.adapters.orm import fines, health_records, sagas
from dvc_dossier.domain.sagas import Saga
from dvckit.db import dialect_name
from dvckit.text import fold

_FIELDS = (
    "dossier_code",
    "flow",
    "state",
    "payment_id",
    "amount_vnd",
    "refund_id",
    "blocked_reason",
    "context",
)


def _insert(session: AsyncSession, table: Any) -> Any:
    return (postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert)(table)


_LICENCE_LOCK = 0x44564301  # "DVC" + 1: licence-renewal prerequisite checks


class SagaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, saga: Saga) -> None:
        now = clock.now()
        values = {f: getattr(saga, f) for f in _FIELDS} | {"created_at": now, "updated_at": now}
        await self.session.execute(insert(sagas).values(**values))

    async def save(self, saga: Saga) -> None:
        values = {f: getattr(saga, f) for f in _FIELDS if f != "dossier_code"}
        await self.session.execute(
            update(sagas)
            .where(sagas.c.dossier_code == saga.dossier_code)
            .values(**values, updated_at=clock.now())
        )

    async def _one(self, *where: Any, lock: bool = True) -> Saga | None:
        q = select(sagas).where(*where)
        row = (await self.session.execute(q.with_for_update() if lock else q)).first()
        return Saga(**{f: getattr(row, f) for f in _FIELDS}) if row else None

    async def for_dossier(self, dossier_code: str) -> Saga | None:
        """The saga, locked for this transaction: the caller is about to advance it."""
        return await self._one(sagas.c.dossier_code == dossier_code)

    async def view(self, dossier_code: str) -> Saga | None:
        """The saga to show, not locked (pages never hold up a saga's progress)."""
        return await self._one(sagas.c.dossier_code == dossier_code, lock=False)

    async def for_payment(self, payment_id: str) -> Saga | None:
        return await self._one(sagas.c.payment_id == payment_id)

    async def any_active(self, dossier_codes: set[str]) -> bool:
        """One cheap query per batch: do any of these dossiers run a saga?"""
        if not dossier_codes:
            return False
        q = select(sagas.c.dossier_code).where(sagas.c.dossier_code.in_(dossier_codes)).limit(1)
        return (await self.session.execute(q)).first() is not None

    async def lock_licence_checks(self) -> None:
        """Licence-renewal prerequisites are read and changed under one lock, held to the end of the
        transaction (PostgreSQL advisory lock), so a submission and an arriving health record or fine
        payment cannot miss each other: whichever commits second sees the first."""
        if dialect_name(self.session) == "postgresql":
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LICENCE_LOCK})

    async def blocked(self, flow: str) -> list[Saga]:
        rows = (
            await self.session.execute(select(sagas).where(sagas.c.flow == flow, sagas.c.state == "blocked"))
        ).all()
        return [Saga(**{f: getattr(r, f) for f in _FIELDS}) for r in rows]

    # --- shared data read models ----------------------------------------------------------------

    async def record_fine(self, fine: FineIssuedV1) -> None:
        ins = _insert(self.session, fines)
        await self.session.execute(
            ins.values(
                decision_no=fine.decision_no,
                offender_id=fine.offender_id,
                # kept for the record only (no decision reads them): an over-long one must not fail the event
                offender_folded=fold(fine.offender_name)[:200],
                plate=fine.plate[:20],
                amount=fine.amount,
                settled=0,
                decided_at=fine.decided_at,
            ).on_conflict_do_nothing()
        )

    async def settle_fine(self, decision_no: str) -> None:
        await self.session.execute(update(fines).where(fines.c.decision_no == decision_no).values(settled=1))

    async def unpaid_fines(self, holder_id: str | None) -> list[str]:
        """Unpaid decisions issued to this personal identification number (names are never compared)."""
        if not holder_id:
            return []
        q = select(fines.c.decision_no).where(fines.c.offender_id == holder_id, fines.c.settled == 0)
        return list((await self.session.execute(q.order_by(fines.c.decision_no))).scalars())

    async def record_health(
        self, code: str, dossier_code: str, agency_code: str, at: datetime, holder_id: str | None
    ) -> None:
        ins = _insert(self.session, health_records)
        await self.session.execute(
            ins.values(
                code=code,
                dossier_code=dossier_code,
                agency_code=agency_code,
                completed_at=at,
                holder_id=holder_id,
            ).on_conflict_do_nothing()
        )

    async def health_record(self, code: str | None, holder_id: str | None) -> str | None:
        """The health-check record ``code`` if it is this person's own, else None."""
        if not code or not holder_id:
            return None
        q = select(health_records.c.code).where(
            health_records.c.code == code, health_records.c.holder_id == holder_id
        )
        row = (await self.session.execute(q)).first()
        return row.code if row else None
