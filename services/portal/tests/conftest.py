"""Portal test fixtures: the portal app on a SQLite session database (migrated), with the other services
replaced by the small ASGI apps of portal_fakes.py (no broker, no PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from dvc_portal.config import Settings
from dvc_portal.entrypoints.app import create_app
from dvckit import migrate
from dvckit.auth.jwt import DevKeys, TokenVerifier
from dvckit.settings import AuthSettings, KafkaSettings

from .notify_fake import SmsOptOuts, notify_app
from .portal_fakes import (
    DossierStore,
    FeedbackStore,
    PaymentRecorder,
    catalog_app,
    dossier_app,
    feedback_app,
    payment_app,
)

BASE = "http://127.0.0.1:8006"  # plain-HTTP loopback: cookies without Secure, as in development


@dataclass
class Portal:
    client: httpx.AsyncClient
    app: FastAPI
    settings: Settings
    catalog_calls: list[str]
    dossiers: DossierStore
    payments: PaymentRecorder
    down: dict[str, bool]
    sms: SmsOptOuts

    async def sign_in(self, name: str = "Nguyễn Văn An", citizen_id: str = "001099012345") -> httpx.Response:
        page = await self.client.get("/dang-nhap")
        csrf = csrf_of(page.text)
        return await self.client.post(
            "/dang-nhap",
            data={
                "csrf": csrf,
                "name": name,
                "citizen_id": citizen_id,
                "phone": "0912345678",
                "tiep": "/ho-so",
            },
        )

    async def csrf(self, path: str = "/") -> str:
        return csrf_of((await self.client.get(path)).text)


def csrf_of(html: str) -> str:
    marker = 'name="csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


class Switchable(httpx.AsyncBaseTransport):
    """An ASGI stand-in that can be made unreachable mid-test."""

    def __init__(self, app: FastAPI, name: str, down: dict[str, bool]) -> None:
        self.inner, self.name, self.down = httpx.ASGITransport(app=app), name, down

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down.get(self.name):
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def portal_settings(tmp_path: Path, dev_keys: tuple[DevKeys, Path]) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}",
            "dev_keys_dir": str(dev_keys[1].parent),
            "auth": AuthSettings(jwks_file=str(dev_keys[1]), jwks_url=None),
            "popular": ["GPLX-DOI-L4", "HT-XN-HON-NHAN", "NO-SUCH-CODE"],
            # no broker: the sign-in events stay in the outbox (a closed port, never a broker of make run's)
            "kafka": KafkaSettings(bootstrap="127.0.0.1:9"),
        }
        return Settings(**(values | overrides))

    return make


@pytest.fixture
async def portal(
    portal_settings: Callable[..., Settings], dev_keys: tuple[DevKeys, Path]
) -> AsyncIterator[Portal]:
    settings = portal_settings()
    await asyncio.to_thread(migrate.upgrade, "dvc_portal", settings.database_url)
    verifier = TokenVerifier.from_source(
        jwks_file=str(dev_keys[1]), jwks_url=None, issuer="cong-dvc", audience="cong-dvc"
    )
    calls: list[str] = []
    store = DossierStore(verifier)
    payments = PaymentRecorder(verifier)
    down: dict[str, bool] = {}
    sms = SmsOptOuts(verifier)
    transports: dict[str, httpx.AsyncBaseTransport] = {
        "catalog": Switchable(catalog_app(calls), "catalog", down),
        "dossier": Switchable(dossier_app(store), "dossier", down),
        "payment": Switchable(payment_app(payments), "payment", down),
        "feedback": Switchable(feedback_app(FeedbackStore(verifier)), "feedback", down),
        "notify": Switchable(notify_app(sms), "notify", down),
    }
    app = create_app(settings, transports)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            yield Portal(client, app, settings, calls, store, payments, down, sms)
