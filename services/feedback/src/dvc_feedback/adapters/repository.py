"""The feedback service's queries: feedback and its history, and the counts for reporting; the catalog and
dossier read models are declared in read_models."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dvc_feedback.adapters.orm import feedback, history
from dvc_feedback.adapters.read_models import CatalogReadModel, DossierReadModel
from dvc_feedback.domain.duplicates import Candidate
from dvc_feedback.domain.model import OPEN_STATUSES, Feedback, Transition

__all__ = ["CatalogReadModel", "DossierReadModel", "FeedbackRepository", "Scope"]

_FIELDS = tuple(f.name for f in dataclasses.fields(Feedback) if f.name != "pending")
_OPEN = sorted(OPEN_STATUSES)


def _to_feedback(row: Any) -> Feedback:
    m = row._mapping
    values = {name: m[name] for name in _FIELDS}
    values["answer_published"] = bool(values["answer_published"])
    return Feedback(**values)


def _overdue(today: date) -> ColumnElement[bool]:
    return and_(feedback.c.status.in_(_OPEN), feedback.c.due_date < today)


@dataclasses.dataclass(frozen=True)
class Scope:
    """Which feedback a list or count may include (the caller's authorisation, plus filters)."""

    owner_sub: str | None = None
    agency_code: str | None = None
    province_code: str | None = None
    status: str | None = None
    overdue_on: date | None = None  # only feedback overdue on this (local) day
    flagged: bool | None = None  # only feedback flagged as a likely duplicate
    received_from: datetime | None = None
    received_to: datetime | None = None

    def apply(self, q: Select[Any]) -> Select[Any]:
        c = feedback.c
        if self.owner_sub is not None:
            q = q.where(c.owner_sub == self.owner_sub)
        if self.agency_code is not None:
            q = q.where(c.agency_code == self.agency_code)
        if self.province_code is not None:
            q = q.where(c.province_code == self.province_code)
        if self.status is not None:
            q = q.where(c.status == self.status)
        if self.overdue_on is not None:
            q = q.where(_overdue(self.overdue_on))
        if self.flagged:
            q = q.where(c.possible_duplicate_of.is_not(None))
        if self.received_from is not None:
            q = q.where(c.received_at >= self.received_from)
        if self.received_to is not None:
            q = q.where(c.received_at < self.received_to)
        return q


class FeedbackRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, fb: Feedback) -> None:
        await self.session.execute(insert(feedback).values({n: getattr(fb, n) for n in _FIELDS}))

    async def get(self, feedback_id: str, *, for_update: bool = False) -> Feedback | None:
        q = select(feedback).where(feedback.c.id == feedback_id)
        if for_update:
            q = q.with_for_update()
        row = (await self.session.execute(q)).first()
        return _to_feedback(row) if row else None

    async def save(self, fb: Feedback) -> None:
        values = {n: getattr(fb, n) for n in _FIELDS if n != "id"}
        await self.session.execute(update(feedback).where(feedback.c.id == fb.id).values(values))

    async def add_history(self, feedback_id: str, transitions: Iterable[Transition]) -> None:
        rows = [
            {
                "feedback_id": feedback_id,
                "action": t.action,
                "from_status": t.from_status,
                "to_status": t.to_status,
                "actor": t.actor.label,
                "actor_role": t.actor.role,
                "agency_code": t.agency_code,
                "previous_agency_code": t.previous_agency_code,
                "note": t.note,
                "occurred_at": t.at,
            }
            for t in transitions
        ]
        if rows:
            await self.session.execute(insert(history), rows)

    async def history(self, feedback_id: str) -> list[Any]:
        q = select(history).where(history.c.feedback_id == feedback_id).order_by(history.c.id)
        return list((await self.session.execute(q)).all())

    async def count(self, scope: Scope) -> int:
        """How many feedback ``search`` pages through (the same scope)."""
        return int(await self.session.scalar(scope.apply(select(func.count()).select_from(feedback))) or 0)

    async def search(self, scope: Scope, *, limit: int, offset: int) -> list[Feedback]:
        q = scope.apply(select(feedback)).order_by(feedback.c.received_at.desc(), feedback.c.id)
        rows = (await self.session.execute(q.limit(limit).offset(offset))).all()
        return [_to_feedback(r) for r in rows]

    async def duplicate_candidates(
        self, *, agency_code: str, dossier_code: str | None, since: datetime, limit: int = 300
    ) -> list[Candidate]:
        """Recent feedback, not withdrawn, routed to the same agency or about the same dossier."""
        c = feedback.c
        about = c.agency_code == agency_code
        if dossier_code:
            about = about | (c.dossier_code == dossier_code)
        q = (
            select(c.id, c.fingerprint, c.dossier_code)
            .where(about, c.received_at >= since, c.status != "withdrawn")
            .order_by(c.received_at.desc())
            .limit(limit)
        )
        return [Candidate(r.id, r.fingerprint, r.dossier_code) for r in (await self.session.execute(q)).all()]

    async def published(
        self, *, agency_code: str | None, province_code: str | None, limit: int, offset: int
    ) -> tuple[int, list[Feedback]]:
        """Published answers, newest first: how many, and one page of them."""
        c = feedback.c

        def where(q: Select[Any]) -> Select[Any]:
            q = q.where(c.answer_published.is_(True), c.status.in_(["answered", "closed"]))
            if agency_code:
                q = q.where(c.agency_code == agency_code)
            if province_code:
                q = q.where(c.province_code == province_code)
            return q

        total = int(await self.session.scalar(where(select(func.count()).select_from(feedback))) or 0)
        q = where(select(feedback)).order_by(c.answered_at.desc(), c.id).limit(limit).offset(offset)
        return total, [_to_feedback(r) for r in (await self.session.execute(q)).all()]

    async def newly_overdue(self, today: date, limit: int) -> list[Feedback]:
        """Open feedback past its deadline whose overdue event for that deadline is not out yet."""
        c = feedback.c
        q = (
            select(feedback)
            .where(
                _overdue(today),
                (c.overdue_flagged_due.is_(None)) | (c.overdue_flagged_due != c.due_date),
            )
            .order_by(c.due_date, c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_to_feedback(r) for r in (await self.session.execute(q)).all()]

    async def answered_before(self, cutoff: datetime, limit: int) -> list[Feedback]:
        c = feedback.c
        q = (
            select(feedback)
            .where(c.status == "answered", c.answered_at < cutoff)
            .order_by(c.answered_at, c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_to_feedback(r) for r in (await self.session.execute(q)).all()]

    async def counts(self, scope: Scope, today: date, group_by: str | None) -> list[dict[str, Any]]:
        """received / answered / resolved / open / overdue / withdrawn / answered on time / mean rating."""
        c = feedback.c

        def n(cond: ColumnElement[bool]) -> Any:
            return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

        cols: list[Any] = [
            func.count().label("received"),
            n(c.answered_at.is_not(None)).label("answered"),
            n(c.answered_on_time.is_(True)).label("answered_on_time"),
            n(c.status.in_(["answered", "closed", "duplicate"])).label("resolved"),
            n(c.status.in_(_OPEN)).label("open"),
            n(_overdue(today)).label("overdue"),
            n(c.status == "withdrawn").label("withdrawn"),
            n(c.possible_duplicate_of.is_not(None)).label("flagged_duplicates"),
            func.avg(c.rating).label("mean_rating"),
        ]
        key = getattr(c, group_by) if group_by else None
        q = scope.apply(select(*([key] if key is not None else []), *cols).select_from(feedback))
        if key is not None:
            q = q.group_by(key).order_by(key)
        out = []
        for row in (await self.session.execute(q)).all():
            m = dict(row._mapping)
            m = {k: (int(v) if k not in {"mean_rating", group_by} else v) for k, v in m.items()}
            m["mean_rating"] = round(float(m["mean_rating"]), 2) if m["mean_rating"] is not None else None
            out.append(m)
        return out
