"""The server-side half of an OpenID Connect sign-in (dvckit.oidc_client is the protocol): the sign-in under
way kept by the server behind a small storage port, and one refresh at a time per session.

- :func:`begin_sign_in`: a new state, nonce and PKCE verifier; the browser is sent to the provider with the
  state, the nonce and the verifier's challenge, and the three are kept server-side (:class:`LoginStore`),
  tied to a random id the browser holds in a short-lived HttpOnly cookie.
- :func:`take_sign_in`: the provider's redirect back. The store gives the sign-in at most once (a replayed
  callback finds nothing), only to the browser that started it (no login CSRF), and its state must be the
  callback's; an ``iss`` parameter (RFC 9207) must be the client's issuer (no mix-up).
- :func:`complete_sign_in`: the provider's answer (an ``error``, or a ``code``) exchanged with the verifier
  and checked (:meth:`~dvckit.oidc_client.OidcClient.exchange`).
- :class:`RefreshGate`: refresh tokens are one use each (rotation), so two renewals of one session at once
  would end the provider's session for the loser; the gate lets one through per session in this process.

How a service stores the sign-ins (its table's shape, how it finds a row) stays its own."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from dvckit.auth.jwt import TokenVerifier
from dvckit.oidc_client import OidcClient, OidcError, Tokens, new_secret, new_verifier

LOGIN_MINUTES = 10  # a sign-in started and not finished within this is forgotten


@dataclass(frozen=True)
class PendingLogin:
    state: str
    nonce: str
    verifier: str  # the PKCE code verifier: never leaves the server
    next_path: str  # where to go once signed in (a path of this site)
    redirect_uri: str = ""  # the authorization request's, when the store keeps it


class LoginStore(Protocol):
    """Where a service keeps its sign-ins under way."""

    async def put(self, browser: str, pending: PendingLogin, now: datetime, expires_at: datetime) -> None:
        """Keep a sign-in started by the browser holding the random id ``browser``."""

    async def take(self, browser: str, state: str, now: datetime) -> PendingLogin | None:
        """The sign-in this browser started and the callback's state names (the store may find it by either),
        once — it is gone afterwards — and unless it expired; else None."""


class AuthorizationRefused(OidcError):
    """The provider sent the browser back with an ``error`` (``access_denied``: the person cancelled)."""

    def __init__(self, error: str, description: str | None) -> None:
        super().__init__(error, description or "")
        self.description = description


async def begin_sign_in(
    client: OidcClient,
    store: LoginStore,
    *,
    browser: str,
    redirect_uri: str,
    next_path: str,
    now: datetime,
    **extra: str | None,
) -> str:
    """The provider's authorization URL for a new sign-in, kept in ``store`` (``extra``: ``prompt`` …)."""
    pending = PendingLogin(new_secret(), new_secret(), new_verifier(), next_path, redirect_uri)
    url = await client.authorization_url(
        redirect_uri=redirect_uri,
        state=pending.state,
        nonce=pending.nonce,
        verifier=pending.verifier,
        **extra,
    )
    await store.put(browser, pending, now, now + timedelta(minutes=LOGIN_MINUTES))
    return url


async def take_sign_in(
    client: OidcClient, store: LoginStore, *, browser: str | None, query: Mapping[str, str], now: datetime
) -> PendingLogin:
    """The sign-in this callback answers, once (:class:`OidcError` ``no_pending_login``, ``state_mismatch``
    or ``issuer_mismatch`` otherwise)."""
    state = query.get("state", "")
    pending = await store.take(browser or "", state, now) if browser else None
    if pending is None:
        raise OidcError("no_pending_login", "unknown, used, expired, or another browser's")
    if not secrets.compare_digest(state.encode(), pending.state.encode()):
        raise OidcError("state_mismatch", "the callback's state is not this browser's sign-in")
    if query.get("iss") and query.get("iss") != client.issuer:  # RFC 9207: the answer is from our provider
        raise OidcError("issuer_mismatch", f"iss {query.get('iss')!r}")
    return pending


async def complete_sign_in(
    client: OidcClient,
    pending: PendingLogin,
    query: Mapping[str, str],
    *,
    redirect_uri: str = "",
    access_verifier: TokenVerifier | None = None,
) -> Tokens:
    """The callback's code exchanged for checked tokens (:class:`AuthorizationRefused` for an ``error``,
    :class:`OidcError` ``no_code`` without a code; the exchange's errors as they come)."""
    if query.get("error"):
        raise AuthorizationRefused(query["error"], query.get("error_description"))
    if not query.get("code"):
        raise OidcError("no_code", "no code in the provider's answer")
    return await client.exchange(
        code=query["code"],
        redirect_uri=pending.redirect_uri or redirect_uri,
        verifier=pending.verifier,
        nonce=pending.nonce,
        access_verifier=access_verifier,
    )


class RefreshGate:
    """One holder at a time per session in this process; the lock of a session goes once nobody holds or
    awaits it. After getting through, re-read the session: the one before may have renewed it already."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
