"""Server-side citizen sessions: the browser keeps a random id in an HttpOnly cookie, never the bearer token
(which every service would accept). Only the id's SHA-256 is stored; the token is stored encrypted (Fernet,
key derived from ``PORTAL_SESSION_SECRET``). A session ends at the token's expiry or after
``PORTAL_SESSION_HOURS``, whichever is first, and at once on sign-out, for every replica."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dvc_portal.adapters.orm import citizen_sessions as t

SESSION_COOKIE = "dvc_portal_session"
MAX_ID_LENGTH = 100


@dataclass(frozen=True)
class CitizenSession:
    sub: str
    name: str | None
    phone: str | None
    token: str
    csrf: str
    expires_at: datetime


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    def __init__(self, engine: AsyncEngine, secret: str, hours: float) -> None:
        self.engine = engine
        key = base64.urlsafe_b64encode(hashlib.sha256(b"dvc-portal-session:" + secret.encode()).digest())
        self._fernet = Fernet(key)
        self.hours = hours

    async def open(
        self,
        *,
        sub: str,
        name: str | None,
        phone: str | None,
        token: str,
        token_expires_at: datetime,
        now: datetime,
    ) -> tuple[str, CitizenSession]:
        """A new session (always a new id: no fixation); returns the id for the cookie and the session."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        expires_at = min(token_expires_at, now + timedelta(hours=self.hours))
        async with self.engine.begin() as conn:
            await conn.execute(delete(t).where(t.c.expires_at < now))  # housekeeping: ended sessions go
            await conn.execute(
                insert(t).values(
                    id_hash=_hash(session_id),
                    sub=sub,
                    name=name,
                    phone=phone,
                    token=self._fernet.encrypt(token.encode()),
                    csrf=csrf,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        return session_id, CitizenSession(sub, name, phone, token, csrf, expires_at)

    async def get(self, session_id: str | None, now: datetime) -> CitizenSession | None:
        """The live session of this id, or None (unknown, expired, signed out, or a token we cannot read)."""
        if not session_id or len(session_id) > MAX_ID_LENGTH:
            return None
        query = select(t).where(t.c.id_hash == _hash(session_id), t.c.expires_at > now)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        try:
            token = self._fernet.decrypt(row.token).decode()
        except InvalidToken:  # the secret changed: the session cannot be used any more
            return None
        return CitizenSession(row.sub, row.name, row.phone, token, row.csrf, row.expires_at)

    async def close(self, session_id: str | None) -> None:
        if not session_id or len(session_id) > MAX_ID_LENGTH:
            return
        async with self.engine.begin() as conn:
            await conn.execute(delete(t).where(t.c.id_hash == _hash(session_id)))
