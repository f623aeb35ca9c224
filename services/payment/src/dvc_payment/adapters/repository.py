"""All payment queries. Rows come back as SQLAlchemy rows (attribute access); the unit of work commits."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dvc_payment.adapters.orm import (
    attempts,
    callbacks,
    fine_history,
    fines,
    history,
    payments,
    rate_limits,
    refunds,
)
from dvc_payment.domain.model import PAYABLE, AttemptStatus, RefundStatus
from dvckit.db import dialect_name


class _Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _pg(self) -> bool:
        return dialect_name(self.session) == "postgresql"

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self._pg else sqlite.insert)(table)

    def _locked(self, q: Select[Any], *, skip_locked: bool = False) -> Select[Any]:
        return q.with_for_update(skip_locked=skip_locked) if self._pg else q

    async def _first(self, q: Select[Any]) -> Any:
        return (await self.session.execute(q)).first()


class PaymentRepository(_Repo):
    async def add_once(self, values: dict[str, Any]) -> bool:
        """Insert unless the id (or idempotency key) exists. True if inserted."""
        result: Any = await self.session.execute(
            self._insert(payments).values(**values).on_conflict_do_nothing()
        )
        return bool(result.rowcount)

    async def get(self, payment_id: str, *, for_update: bool = False) -> Any:
        q = select(payments).where(payments.c.id == payment_id)
        return await self._first(self._locked(q) if for_update else q)

    async def get_by_idempotency_key(self, key: str) -> Any:
        return await self._first(select(payments).where(payments.c.idempotency_key == key))

    async def update(self, payment_id: str, **values: Any) -> None:
        await self.session.execute(update(payments).where(payments.c.id == payment_id).values(**values))

    async def open_for_fine(self, decision_no: str, now: datetime) -> Any:
        q = (
            select(payments)
            .where(
                payments.c.decision_no == decision_no,
                payments.c.purpose == "fine",
                payments.c.status.in_([s.value for s in PAYABLE]),
                payments.c.expires_at > now,
            )
            .order_by(payments.c.created_at.desc())
            .limit(1)
        )
        return await self._first(q)

    async def claim_due_for_expiry(self, now: datetime, limit: int) -> list[Any]:
        q = (
            select(payments)
            .where(payments.c.status.in_([s.value for s in PAYABLE]), payments.c.expires_at <= now)
            .order_by(payments.c.expires_at)
            .limit(limit)
        )
        return list((await self.session.execute(self._locked(q, skip_locked=True))).all())

    async def add_history(
        self,
        payment_id: str,
        *,
        action: str,
        at: datetime,
        actor: str,
        from_status: str | None = None,
        to_status: str | None = None,
        attempt_ref: str | None = None,
        reason: str | None = None,
        event_id: str | None = None,
    ) -> None:
        await self.session.execute(
            insert(history).values(
                payment_id=payment_id,
                action=action,
                from_status=from_status,
                to_status=to_status,
                at=at,
                actor=actor,
                attempt_ref=attempt_ref,
                reason=reason,
                event_id=event_id,
            )
        )

    async def history(self, payment_id: str) -> list[Any]:
        q = select(history).where(history.c.payment_id == payment_id).order_by(history.c.id)
        return list((await self.session.execute(q)).all())


class AttemptRepository(_Repo):
    async def add(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(attempts).values(**values))

    async def get(self, ref: str, *, for_update: bool = False) -> Any:
        q = select(attempts).where(attempts.c.ref == ref)
        return await self._first(self._locked(q) if for_update else q)

    async def for_payment(self, payment_id: str) -> list[Any]:
        q = select(attempts).where(attempts.c.payment_id == payment_id).order_by(attempts.c.created_at)
        return list((await self.session.execute(q)).all())

    async def count_for(self, payment_id: str) -> int:
        q = select(func.count()).select_from(attempts).where(attempts.c.payment_id == payment_id)
        return int(await self.session.scalar(q) or 0)

    async def others_open(self, payment_id: str, ref: str) -> bool:
        q = (
            select(func.count())
            .select_from(attempts)
            .where(
                attempts.c.payment_id == payment_id,
                attempts.c.ref != ref,
                attempts.c.status == AttemptStatus.OPEN.value,
            )
        )
        return bool(await self.session.scalar(q))

    async def update(self, ref: str, **values: Any) -> None:
        await self.session.execute(update(attempts).where(attempts.c.ref == ref).values(**values))

    async def claim_due_for_poll(self, now: datetime, limit: int, lease: timedelta) -> list[Any]:
        """Attempts whose status should be asked of the provider now; leased so one worker asks."""
        q = (
            select(attempts)
            .where(attempts.c.next_poll_at.is_not(None), attempts.c.next_poll_at <= now)
            .order_by(attempts.c.next_poll_at)
            .limit(limit)
        )
        rows = list((await self.session.execute(self._locked(q, skip_locked=True))).all())
        if rows:
            await self.session.execute(
                update(attempts)
                .where(attempts.c.ref.in_([r.ref for r in rows]))
                .values(next_poll_at=now + lease)
            )
        return rows


class RefundRepository(_Repo):
    async def add_once(self, values: dict[str, Any]) -> bool:
        result: Any = await self.session.execute(
            self._insert(refunds).values(**values).on_conflict_do_nothing()
        )
        return bool(result.rowcount)

    async def get(self, refund_id: str, *, for_update: bool = False) -> Any:
        q = select(refunds).where(refunds.c.id == refund_id)
        return await self._first(self._locked(q) if for_update else q)

    async def for_payment(self, payment_id: str) -> list[Any]:
        q = select(refunds).where(refunds.c.payment_id == payment_id).order_by(refunds.c.requested_at)
        return list((await self.session.execute(q)).all())

    async def reserved_vnd(self, payment_id: str) -> int:
        """Refunded or still being refunded."""
        q = select(func.coalesce(func.sum(refunds.c.amount_vnd), 0)).where(
            refunds.c.payment_id == payment_id,
            refunds.c.status.in_([RefundStatus.REQUESTED.value, RefundStatus.REFUNDED.value]),
        )
        return int(await self.session.scalar(q) or 0)

    async def update(self, refund_id: str, **values: Any) -> None:
        await self.session.execute(update(refunds).where(refunds.c.id == refund_id).values(**values))

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Any]:
        q = (
            select(refunds)
            .where(
                refunds.c.status == RefundStatus.REQUESTED.value,
                refunds.c.next_try_at.is_not(None),
                refunds.c.next_try_at <= now,
            )
            .order_by(refunds.c.next_try_at)
            .limit(limit)
        )
        rows = list((await self.session.execute(self._locked(q, skip_locked=True))).all())
        if rows:
            await self.session.execute(
                update(refunds).where(refunds.c.id.in_([r.id for r in rows])).values(next_try_at=now + lease)
            )
        return rows


class CallbackLog(_Repo):
    async def record(
        self,
        provider: str,
        keys: list[str],
        *,
        attempt_ref: str | None,
        source: str,
        outcome: str,
        at: datetime,
    ) -> bool:
        """Record notification keys; False (and nothing written) if any was already recorded: a replay.
        One statement on the usual path (insert, skipping known keys); a delivery racing another one waits
        for it on the unique key and then sees the key as known."""
        unique = list(dict.fromkeys(k[:200] for k in keys))
        rows = [
            {
                "provider": provider,
                "dedup_key": key,
                "attempt_ref": attempt_ref,
                "source": source,
                "outcome": outcome,
                "received_at": at,
            }
            for key in unique
        ]
        stmt = self._insert(callbacks).values(rows).on_conflict_do_nothing()
        inserted = list((await self.session.execute(stmt.returning(callbacks.c.id))).scalars())
        if len(inserted) == len(unique):
            return True
        if inserted:  # some keys were new, one was known: a replay all the same, undo the new ones
            await self.session.execute(delete(callbacks).where(callbacks.c.id.in_(inserted)))
        return False

    async def prune(self, before: datetime, limit: int) -> int:
        """Forget notifications received before ``before`` (at most ``limit`` rows); how many went."""
        old = select(callbacks.c.id).where(callbacks.c.received_at < before).limit(limit)
        result: Any = await self.session.execute(delete(callbacks).where(callbacks.c.id.in_(old)))
        return int(result.rowcount or 0)


class RateLimitRepository(_Repo):
    async def take(self, key: str, *, now: float, interval: float, tolerance: float) -> float | None:
        """One request against the bucket ``key`` (GCRA, one atomic upsert): None if allowed, else the seconds
        until it would be. ``interval``: seconds per token; ``tolerance``: (burst - 1) × interval."""
        t = rate_limits
        start = case((t.c.tat > now, t.c.tat), else_=now)  # greatest(tat, now), in SQLite too
        allowed = start - now <= tolerance
        stmt = (
            self._insert(t)
            .values(key=key, tat=now + interval, allowed=True)
            .on_conflict_do_update(
                index_elements=[t.c.key],
                set_={"tat": case((allowed, start + interval), else_=t.c.tat), "allowed": allowed},
            )
            .returning(t.c.tat, t.c.allowed)
        )
        row = (await self.session.execute(stmt)).one()
        return None if row.allowed else max(0.0, float(row.tat) - tolerance - now)

    async def prune(self, now: float, limit: int) -> int:
        """Drop buckets that are full again (the same as no row)."""
        t = rate_limits
        full = select(t.c.key).where(t.c.tat < now).limit(limit)
        # tat < now again in the outer statement: a bucket hit meanwhile is re-checked, not dropped.
        result: Any = await self.session.execute(delete(t).where(t.c.tat < now, t.c.key.in_(full)))
        return int(result.rowcount or 0)


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
