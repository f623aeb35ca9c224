"""Server-side operator sessions for the dashboard: the browser keeps a random session id in an HttpOnly cookie,
never the bearer token (which every service would accept). A session lasts ``SESSION_HOURS`` and ends at once
on logout, for every replica (the rows live in the reporting database)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dvc_reporting.adapters.orm import operator_sessions as t
from dvckit.auth.jwt import Principal

SESSION_COOKIE = "dvc_session"
SESSION_HOURS = 8


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def open_session(engine: AsyncEngine, who: Principal, now: datetime) -> str:
    """A new session for an operator whose token was just verified; returns the id for the cookie."""
    session_id = secrets.token_urlsafe(32)
    async with engine.begin() as conn:
        await conn.execute(delete(t).where(t.c.expires_at < now))  # housekeeping: ended sessions go
        await conn.execute(
            insert(t).values(
                id_hash=_hash(session_id),
                sub=who.sub,
                name=who.name,
                province=who.province,
                created_at=now,
                expires_at=now + timedelta(hours=SESSION_HOURS),
            )
        )
    return session_id


async def session_operator(engine: AsyncEngine, session_id: str, now: datetime) -> Principal | None:
    """The operator of a live session, or None (unknown, expired or logged out)."""
    if not session_id or len(session_id) > 100:
        return None
    query = select(t.c.sub, t.c.name, t.c.province).where(
        t.c.id_hash == _hash(session_id), t.c.expires_at > now
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    return Principal(sub=row.sub, role="operator", name=row.name, province=row.province)


async def close_session(engine: AsyncEngine, session_id: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(delete(t).where(t.c.id_hash == _hash(session_id)))
