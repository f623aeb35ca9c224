"""How far behind the HTTP ingest's reports are: unsent outbox rows of the shared ingress topic (this service's
database, every instance's) plus the dossier consumer group's lag on that topic (the broker)."""

from __future__ import annotations

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dvckit.messaging.lag import GroupLag, GroupLagSample


class BacklogProbe:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        outbox: Table,
        lag: GroupLag,
        topic: str,
        *,
        cap: int,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._outbox = outbox
        self._lag = lag
        self._topic = topic
        self._cap = cap

    async def unsent(self) -> int:
        """Unsent rows of the topic, counted up to ``cap`` (the count stays cheap while the broker is away and
        the outbox grows): the partial index on unsent rows, then the topic."""
        o = self._outbox
        rows = select(o.c.id).where(o.c.sent_at.is_(None), o.c.topic == self._topic).limit(self._cap)
        async with self._sessionmaker() as session:
            return int(await session.scalar(select(func.count()).select_from(rows.subquery())) or 0)

    async def group_lag(self) -> GroupLagSample:
        return await self._lag.sample()

    async def close(self) -> None:
        await self._lag.close()
