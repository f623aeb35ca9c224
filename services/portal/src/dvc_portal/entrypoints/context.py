"""What every page handler needs, built once in the app factory (never at import time)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dvc_portal.adapters import orm
from dvc_portal.adapters.sessions import SessionStore
from dvc_portal.adapters.upstream import Services, ServiceUnavailable
from dvc_portal.config import Settings
from dvckit.auth.jwt import TokenVerifier
from dvckit.messaging.relay import OutboxRelay
from dvckit.oidc_client import OidcClient
from dvckit.oidc_login import RefreshGate
from dvckit.uow import UnitOfWork


@dataclass
class Portal:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionStore
    services: Services
    sessionmaker: async_sessionmaker[AsyncSession]
    relay: OutboxRelay  # publishes the outbox (sign-in events) to Kafka
    verifier: TokenVerifier | None = None
    oidc: OidcClient | None = None  # the OpenID Provider, when PORTAL_OIDC_ISSUER is set
    # one refresh at a time per session in this process (refresh tokens are one use each)
    refreshing: RefreshGate = field(default_factory=RefreshGate)
    _popular: tuple[float, list[dict[str, Any]]] = field(default=(0.0, []))

    def uow(self) -> UnitOfWork:
        """A transaction whose outbox rows the relay publishes once it commits."""
        return UnitOfWork(
            self.sessionmaker, orm.messaging, service=self.settings.service_name, on_published=self.relay.wake
        )

    async def popular(self) -> list[dict[str, Any]]:
        """The home page's procedures, fetched together and kept ``popular_cache_seconds`` (a published
        version never changes; a new one shows within the minute). A catalog that is down shows none."""
        expires, cached = self._popular
        if time.monotonic() < expires:
            return cached
        codes = self.settings.popular
        results = await asyncio.gather(*(self.services.procedure(c) for c in codes), return_exceptions=True)
        found = [r for r in results if isinstance(r, dict)]
        if any(isinstance(r, ServiceUnavailable) for r in results) and not found:
            return cached  # keep what we had; try again on the next request
        self._popular = (time.monotonic() + self.settings.popular_cache_seconds, found)
        return found


def portal(request: Request) -> Portal:
    p: Portal = request.app.state.portal
    return p
