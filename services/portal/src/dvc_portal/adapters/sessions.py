"""Server-side citizen sessions: the browser keeps a random id in an HttpOnly cookie, never the bearer token
(which every service would accept). Only the id's SHA-256 is stored; the token is stored encrypted (Fernet,
key derived from ``PORTAL_SESSION_SECRET``). A session ends at the token's expiry or after
``PORTAL_SESSION_HOURS``, whichever is first, and at once on sign-out, for every replica.

Signed in with the OpenID Provider, a session also keeps the provider's refresh token and ID token (encrypted
like the access token): the access token (minutes) is renewed with the refresh token while the session lasts
(hours), and the ID token is the logout's ``id_token_hint``. The sign-ins under way (state, nonce, PKCE
verifier) are rows of ``oidc_logins`` (:class:`PendingLogins`, the kit's :class:`~dvckit.oidc_login.LoginStore`),
found by the state and taken once by the browser that started them."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dvc_portal.adapters.orm import citizen_sessions as t
from dvc_portal.adapters.orm import oidc_logins as logins
from dvckit.oidc_login import PendingLogin

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
    citizen_id: str | None = None
    token_expires_at: datetime | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    id_hash: str = ""


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    def __init__(self, engine: AsyncEngine, secret: str, hours: float) -> None:
        self.engine = engine
        key = base64.urlsafe_b64encode(hashlib.sha256(b"dvc-portal-session:" + secret.encode()).digest())
        self._fernet = Fernet(key)
        self.hours = hours
        self.logins = PendingLogins(engine, self._fernet)

    async def open(
        self,
        *,
        sub: str,
        name: str | None,
        phone: str | None,
        token: str,
        token_expires_at: datetime,
        now: datetime,
        citizen_id: str | None = None,
        refresh_token: str | None = None,
        id_token: str | None = None,
    ) -> tuple[str, CitizenSession]:
        """A new session (always a new id: no fixation); returns the id for the cookie and the session. With a
        refresh token the session outlives the access token (renewed by :meth:`renew`)."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        ends = now + timedelta(hours=self.hours)
        expires_at = ends if refresh_token else min(token_expires_at, ends)
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
                    citizen_id=citizen_id,
                    token_expires_at=token_expires_at,
                    refresh_token=self._seal(refresh_token),
                    id_token=self._seal(id_token),
                )
            )
        found = CitizenSession(
            sub, name, phone, token, csrf, expires_at, citizen_id, token_expires_at, refresh_token, id_token,
            _hash(session_id),
        )  # fmt: skip
        return session_id, found

    def _seal(self, value: str | None) -> bytes | None:
        return None if value is None else self._fernet.encrypt(value.encode())

    def _open_sealed(self, value: bytes | None) -> str | None:
        return None if value is None else self._fernet.decrypt(value).decode()

    async def get(self, session_id: str | None, now: datetime) -> CitizenSession | None:
        """The live session of this id, or None (unknown, expired, signed out, or a token we cannot read)."""
        if not session_id or len(session_id) > MAX_ID_LENGTH:
            return None
        return await self._by_hash(_hash(session_id), now)

    async def _by_hash(self, id_hash: str, now: datetime) -> CitizenSession | None:
        query = select(t).where(t.c.id_hash == id_hash, t.c.expires_at > now)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        try:
            token = self._fernet.decrypt(row.token).decode()
            refresh_token = self._open_sealed(row.refresh_token)
            id_token = self._open_sealed(row.id_token)
        except InvalidToken:  # the secret changed: the session cannot be used any more
            return None
        return CitizenSession(
            row.sub, row.name, row.phone, token, row.csrf, row.expires_at, row.citizen_id,
            row.token_expires_at, refresh_token, id_token, id_hash,
        )  # fmt: skip

    async def reread(self, session: CitizenSession, now: datetime) -> CitizenSession | None:
        """The session as stored now (another request or replica may have renewed its tokens)."""
        return await self._by_hash(session.id_hash, now)

    async def renew(
        self,
        session: CitizenSession,
        *,
        token: str,
        token_expires_at: datetime,
        refresh_token: str | None,
        id_token: str | None,
    ) -> CitizenSession:
        """New tokens from the provider's refresh (a rotated refresh token replaces the used one)."""
        refresh_token = refresh_token or session.refresh_token
        id_token = id_token or session.id_token
        async with self.engine.begin() as conn:
            await conn.execute(
                update(t)
                .where(t.c.id_hash == session.id_hash)
                .values(
                    token=self._fernet.encrypt(token.encode()),
                    token_expires_at=token_expires_at,
                    refresh_token=self._seal(refresh_token),
                    id_token=self._seal(id_token),
                )
            )
        return dataclasses.replace(
            session,
            token=token,
            token_expires_at=token_expires_at,
            refresh_token=refresh_token,
            id_token=id_token,
        )

    async def close(self, session_id: str | None) -> None:
        if not session_id or len(session_id) > MAX_ID_LENGTH:
            return
        await self.close_hash(_hash(session_id))

    async def close_hash(self, id_hash: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(t).where(t.c.id_hash == id_hash))


class PendingLogins:
    """The sign-ins under way at the provider (the kit's LoginStore): a row per state (its SHA-256), bound to
    the browser that started it (the SHA-256 of its login cookie), the PKCE verifier encrypted."""

    def __init__(self, engine: AsyncEngine, fernet: Fernet) -> None:
        self.engine = engine
        self._fernet = fernet

    async def put(self, browser: str, pending: PendingLogin, now: datetime, expires_at: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(logins).where(logins.c.expires_at < expires_at - timedelta(hours=1)))
            await conn.execute(
                insert(logins).values(
                    state_hash=_hash(pending.state),
                    browser_hash=_hash(browser),
                    nonce=pending.nonce,
                    verifier=self._fernet.encrypt(pending.verifier.encode()),
                    next_path=pending.next_path,
                    expires_at=expires_at,
                )
            )

    async def take(self, browser: str, state: str, now: datetime) -> PendingLogin | None:
        """The sign-in this state names, once (the row goes), when it was started in this browser and is not
        older than its expiry; else None."""
        if not state or len(state) > MAX_ID_LENGTH or not browser or len(browser) > MAX_ID_LENGTH:
            return None
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(logins).where(logins.c.state_hash == _hash(state)))).first()
            if row is None:
                return None
            await conn.execute(delete(logins).where(logins.c.state_hash == _hash(state)))
        if row.expires_at <= now or not hmac.compare_digest(row.browser_hash, _hash(browser)):
            return None
        try:
            verifier = self._fernet.decrypt(row.verifier).decode()
        except InvalidToken:
            return None
        return PendingLogin(state, row.nonce, verifier, row.next_path)
