"""Queries of intents, attempts and refunds (rows with attribute access); the base of every repository."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dvc_payment.adapters.orm import attempts, history, payments, refunds
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
