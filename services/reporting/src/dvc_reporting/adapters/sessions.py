"""Server-side operator sessions for the dashboard: the browser keeps a random session id in an HttpOnly cookie,
never a token (which every service would accept). A session lasts at most ``SESSION_HOURS`` and ends at once
on logout, for every replica (the rows live in the reporting database).

A session opened by the OpenID Provider's code flow also holds the provider's refresh token and ID token
(for renewal and for the logout at the provider), encrypted with a key derived from the session id: the
database stores only the id's SHA-256, so a copy of it opens no session and reveals no token. Its
``access_expires_at`` says when the provider must be asked again (:func:`claim_refresh`).

A sign-in in progress (state, nonce, PKCE code verifier) is a row of ``oidc_logins`` (:class:`Logins`, the
kit's :class:`~dvckit.oidc_login.LoginStore`), found by the hash of a short-lived cookie of the browser that
started it, and used once."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Column, Index, String, Table, Text, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dvc_reporting.adapters.orm import metadata
from dvc_reporting.adapters.orm import operator_sessions as _declared
from dvckit.auth.jwt import Principal
from dvckit.db import UtcDateTime
from dvckit.oidc_client import Tokens
from dvckit.oidc_login import PendingLogin

SESSION_COOKIE = "dvc_session"
LOGIN_COOKIE = "dvc_login"
SESSION_HOURS = 8
REFRESH_CLAIM_SECONDS = 30  # one replica renews a session at a time; a claim older than this has failed

# The OIDC columns and table (migration 7e3c9a41d2b8), declared beside the code that reads them, onto the
# table of adapters/orm/dashboard_state.py (``extend_existing``: the same Table object, so orm.metadata knows
# them too) — unless the orm declares them itself (then these are its objects).
if "refresh_token" in _declared.c:
    t = _declared
else:
    t = Table(
        _declared.name,
        metadata,
        Column("refresh_token", Text, nullable=True),  # Fernet, key from the session id
        Column("id_token", Text, nullable=True),  # Fernet, key from the session id (id_token_hint at logout)
        Column("access_expires_at", UtcDateTime, nullable=True),  # null: a pasted token's session
        Column("refreshing_until", UtcDateTime, nullable=True),  # a replica is renewing it until then
        extend_existing=True,
    )

logins = (
    metadata.tables["oidc_logins"]
    if "oidc_logins" in metadata.tables
    else Table(
        "oidc_logins",
        metadata,
        Column("id_hash", String(64), primary_key=True),  # SHA-256 of the login cookie's random id
        Column("state", String(128), nullable=False),
        Column("nonce", String(128), nullable=False),
        Column("code_verifier", String(128), nullable=False),
        Column("redirect_uri", Text, nullable=False),
        Column("return_to", Text, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("expires_at", UtcDateTime, nullable=False),
        Index("ix_oidc_logins_expires_at", "expires_at"),
    )
)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _fernet(session_id: str) -> Fernet:
    key = hashlib.sha256(b"dvc-reporting-session-tokens\x00" + session_id.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _seal(session_id: str, value: str | None) -> str | None:
    return _fernet(session_id).encrypt(value.encode()).decode() if value else None


def _open(session_id: str, value: str | None) -> str | None:
    if not value:
        return None
    try:
        return _fernet(session_id).decrypt(value.encode()).decode()
    except InvalidToken:
        return None


@dataclass(frozen=True)
class ProviderTokens:
    """What the provider's token endpoint gave, kept with the session."""

    refresh_token: str | None
    id_token: str | None
    access_expires_at: datetime

    @classmethod
    def of(cls, tokens: Tokens, now: datetime) -> ProviderTokens:
        return cls(tokens.refresh_token, tokens.id_token, tokens.access_expires_at(now))


@dataclass(frozen=True)
class Session:
    principal: Principal
    refresh_token: str | None
    id_token: str | None
    access_expires_at: datetime | None  # None: a pasted token's session, nothing to renew

    @property
    def from_provider(self) -> bool:
        return self.access_expires_at is not None


async def open_session(
    engine: AsyncEngine, who: Principal, now: datetime, tokens: ProviderTokens | None = None
) -> str:
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
                refresh_token=_seal(session_id, tokens.refresh_token) if tokens else None,
                id_token=_seal(session_id, tokens.id_token) if tokens else None,
                access_expires_at=tokens.access_expires_at if tokens else None,
            )
        )
    return session_id


def _valid_id(session_id: str) -> bool:
    return bool(session_id) and len(session_id) <= 100


async def load_session(engine: AsyncEngine, session_id: str, now: datetime) -> Session | None:
    """A live session with its provider tokens, or None (unknown, expired or logged out)."""
    if not _valid_id(session_id):
        return None
    query = select(
        t.c.sub, t.c.name, t.c.province, t.c.refresh_token, t.c.id_token, t.c.access_expires_at
    ).where(t.c.id_hash == _hash(session_id), t.c.expires_at > now)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    return Session(
        Principal(sub=row.sub, role="operator", name=row.name, province=row.province),
        _open(session_id, row.refresh_token),
        _open(session_id, row.id_token),
        row.access_expires_at,
    )


async def session_operator(engine: AsyncEngine, session_id: str, now: datetime) -> Principal | None:
    """The operator of a live session, or None (unknown, expired or logged out)."""
    session = await load_session(engine, session_id, now)
    return session.principal if session else None


async def claim_refresh(engine: AsyncEngine, session_id: str, now: datetime) -> bool:
    """True for the one request (of any replica) that is to renew the session now: refresh tokens are used
    once each, so two renewals at once would end the provider's session for the loser."""
    query = (
        update(t)
        .where(
            t.c.id_hash == _hash(session_id),
            t.c.expires_at > now,
            or_(t.c.refreshing_until.is_(None), t.c.refreshing_until < now),
        )
        .values(refreshing_until=now + timedelta(seconds=REFRESH_CLAIM_SECONDS))
    )
    async with engine.begin() as conn:
        return (await conn.execute(query)).rowcount == 1


async def renew_session(engine: AsyncEngine, session_id: str, who: Principal, tokens: ProviderTokens) -> None:
    """The provider renewed the tokens: keep the new ones (and what the new access token says)."""
    values = {
        "name": who.name,
        "province": who.province,
        "refresh_token": _seal(session_id, tokens.refresh_token),
        "access_expires_at": tokens.access_expires_at,
        "refreshing_until": None,
    }
    if tokens.id_token:
        values["id_token"] = _seal(session_id, tokens.id_token)
    async with engine.begin() as conn:
        await conn.execute(update(t).where(t.c.id_hash == _hash(session_id)).values(**values))


async def release_refresh(engine: AsyncEngine, session_id: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(t).where(t.c.id_hash == _hash(session_id)).values(refreshing_until=None))


async def close_session(engine: AsyncEngine, session_id: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(delete(t).where(t.c.id_hash == _hash(session_id)))


# --- sign-ins in progress ---------------------------------------------------------------------------------


class Logins:
    """The sign-ins in progress (the kit's LoginStore), a row per browser: the SHA-256 of its login cookie."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def put(self, browser: str, pending: PendingLogin, now: datetime, expires_at: datetime) -> None:
        """Remember a sign-in sent to the provider by the browser whose login cookie is ``browser``."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(logins).where(logins.c.expires_at < now))
            await conn.execute(
                insert(logins).values(
                    id_hash=_hash(browser),
                    state=pending.state,
                    nonce=pending.nonce,
                    code_verifier=pending.verifier,
                    redirect_uri=pending.redirect_uri,
                    return_to=pending.next_path,
                    created_at=now,
                    expires_at=expires_at,
                )
            )

    async def take(self, browser: str, state: str, now: datetime) -> PendingLogin | None:
        """The sign-in this browser started, once: the row is deleted as it is read (a replayed callback finds
        nothing; a callback with another state uses it up too)."""
        if not _valid_id(browser):
            return None
        where = logins.c.id_hash == _hash(browser)
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(logins).where(where, logins.c.expires_at > now))).first()
            deleted = (await conn.execute(delete(logins).where(where))).rowcount
        if row is None or deleted != 1:
            return None
        return PendingLogin(row.state, row.nonce, row.code_verifier, row.return_to, row.redirect_uri)
