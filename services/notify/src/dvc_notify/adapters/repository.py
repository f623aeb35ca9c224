"""Every query notify makes. PostgreSQL in production and tests; SQLite for `make run` (no SKIP LOCKED there,
and a single writer anyway). The messages' queries are in ``message_repository``; the opt-out list, the daily
usage and the receipts' are here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, ClassVar

from sqlalchemy import delete, false, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dvc_notify.adapters.message_repository import MessageRepository
from dvc_notify.adapters.orm import daily_usage, opt_outs, receipts
from dvc_notify.adapters.sql import among, dialect_insert
from dvckit.db import dialect_name

__all__ = ["DailyUsageRepository", "MessageRepository", "OptOutRepository", "ReceiptRepository"]


class OptOutRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def which(self, phones: Iterable[str]) -> set[str]:
        wanted = list(set(phones))
        if not wanted:
            return set()
        q = select(opt_outs.c.phone).where(among(self.session, opt_outs.c.phone, wanted))
        return set((await self.session.execute(q)).scalars().all())

    async def add(self, values: dict[str, Any]) -> bool:
        """Add (or keep) an opt-out. True if it is new."""
        result: Any = await self.session.execute(
            dialect_insert(self.session, opt_outs)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["phone"])
        )
        return bool(result.rowcount)

    async def get(self, phone: str) -> Any:
        return (await self.session.execute(select(opt_outs).where(opt_outs.c.phone == phone))).first()

    async def remove(self, phone: str) -> bool:
        result: Any = await self.session.execute(delete(opt_outs).where(opt_outs.c.phone == phone))
        return bool(result.rowcount)

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(opt_outs)) or 0)

    async def list(self, limit: int, offset: int = 0) -> list[Any]:
        q = (
            select(opt_outs)
            .order_by(opt_outs.c.created_at.desc(), opt_outs.c.phone)
            .limit(limit)
            .offset(offset)
        )
        return list((await self.session.execute(q)).all())


class DailyUsageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # (service, day) rows seen to exist, so the insert can be skipped; a stale entry is harmless (see below).
    _known: ClassVar[set[tuple[str, date]]] = set()

    async def reserve(self, sending_service: str, day: date, wanted: int, daily_limit: int) -> int:
        """Reserve up to ``wanted`` of today's quota; returns how many were granted. The row is locked for
        the rest of the transaction, so concurrent senders cannot both take the last messages."""
        if wanted <= 0:
            return 0
        if (sending_service, day) not in DailyUsageRepository._known:
            await self.session.execute(
                dialect_insert(self.session, daily_usage)
                .values(sending_service=sending_service, day=day, used=0)
                .on_conflict_do_nothing(index_elements=["sending_service", "day"])
            )
        q = select(daily_usage.c.used).where(
            daily_usage.c.sending_service == sending_service, daily_usage.c.day == day
        )
        if dialect_name(self.session) == "postgresql":
            q = q.with_for_update()
        used = (await self.session.execute(q)).scalar_one_or_none()
        if used is None:  # known once, gone now (a test truncated the table): create it again
            DailyUsageRepository._known.discard((sending_service, day))
            return await self.reserve(sending_service, day, wanted, daily_limit)
        DailyUsageRepository._known.add((sending_service, day))
        granted = max(0, min(wanted, daily_limit - int(used)))
        if granted:
            await self.session.execute(
                update(daily_usage)
                .where(daily_usage.c.sending_service == sending_service, daily_usage.c.day == day)
                .values(used=daily_usage.c.used + granted)
            )
        return granted

    async def used(self, day: date) -> dict[str, int]:
        q = select(daily_usage.c.sending_service, daily_usage.c.used).where(daily_usage.c.day == day)
        return {s: int(u) for s, u in (await self.session.execute(q)).all()}


class ReceiptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, values: dict[str, Any]) -> None:
        await self.session.execute(receipts.insert().values(**values))

    async def unmatched(self, provider: str, provider_ref: str) -> list[Any]:
        q = (
            select(receipts)
            .where(
                receipts.c.provider == provider,
                receipts.c.provider_ref == provider_ref,
                receipts.c.matched == false(),
            )
            .order_by(receipts.c.id)
        )
        return list((await self.session.execute(q)).all())

    async def mark_matched(self, receipt_id: int, message_id: str, outcome: str) -> None:
        await self.session.execute(
            update(receipts)
            .where(receipts.c.id == receipt_id)
            .values(matched=True, message_id=message_id, outcome=outcome)
        )

    async def for_message(self, message_id: str) -> list[Any]:
        q = select(receipts).where(receipts.c.message_id == message_id).order_by(receipts.c.id)
        return list((await self.session.execute(q)).all())
