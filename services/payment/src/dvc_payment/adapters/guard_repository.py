"""The callback replay guard and the rate-limit buckets every replica shares: one atomic statement each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, select

from dvc_payment.adapters.orm import callbacks, rate_limits
from dvc_payment.adapters.repository import _Repo


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
