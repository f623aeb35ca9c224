"""Fine decisions and their history: the read model of what the police publish, plus who paid."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update

from dvc_payment.adapters.orm import fine_history, fines
from dvc_payment.adapters.repository import _Repo


class FineRepository(_Repo):
    async def get(self, decision_no: str, *, for_update: bool = False) -> Any:
        q = select(fines).where(fines.c.decision_no == decision_no)
        return await self._first(self._locked(q) if for_update else q)

    async def add(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(fines).values(**values))

    async def update(self, decision_no: str, **values: Any) -> None:
        await self.session.execute(update(fines).where(fines.c.decision_no == decision_no).values(**values))

    async def candidates(self, record_key: str, violation_date: date) -> list[Any]:
        """Decisions of one record and date; the caller matches the name (never returned unmatched)."""
        q = (
            select(fines)
            .where(fines.c.record_key == record_key, fines.c.violation_date == violation_date)
            .order_by(fines.c.decided_at.desc())
        )
        return list((await self.session.execute(q)).all())

    async def add_history(
        self, decision_no: str, *, action: str, at: datetime, event_id: str | None, note: str | None = None
    ) -> None:
        await self.session.execute(
            insert(fine_history).values(
                decision_no=decision_no, action=action, at=at, event_id=event_id, note=note
            )
        )

    async def history(self, decision_no: str) -> list[Any]:
        q = select(fine_history).where(fine_history.c.decision_no == decision_no).order_by(fine_history.c.id)
        return list((await self.session.execute(q)).all())
