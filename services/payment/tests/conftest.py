"""Payment test support: the payment app on a throwaway SQLite database (unit: no broker, routes and service
functions driven directly), and small readers of what went into the outbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from dvc_contracts import clock
from dvc_payment.adapters.orm import messaging, metadata
from dvc_payment.config import Settings
from dvc_payment.entrypoints.app import create_app
from dvc_payment.entrypoints.context import PaymentContext
from dvckit.auth.jwt import DevKeys, TokenVerifier


@dataclass
class PaymentApp:
    app: FastAPI
    ctx: PaymentContext
    http: httpx.AsyncClient

    async def outbox(self, topic: str) -> list[tuple[str | None, dict[str, Any]]]:
        """(key, payload) of the events written for ``topic``, in order."""
        o = messaging.outbox
        async with self.ctx.runtime.engine.connect() as conn:
            rows = (
                await conn.execute(select(o.c.key, o.c.value).where(o.c.topic == topic).order_by(o.c.id))
            ).all()
        return [(r.key, json.loads(r.value)) for r in rows]

    async def status(self, payment_id: str) -> str:
        r = await self.http.get(f"/payments/{payment_id}")
        return str(r.json()["status"])

    async def pay_link(self, payment_id: str) -> str:
        """The signed query (``?exp=…&sig=…``) of the pay link the service hands out for this intent (valid
        for an hour when the intent is not known yet)."""
        async with self.ctx.uow() as uow:
            p = await uow.payments.get(payment_id)
        until = p.expires_at if p is not None else clock.now() + timedelta(hours=1)
        return "?" + urlencode(self.ctx.pay_links.params(payment_id, until))


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.fixture
async def make_payment_app(
    tmp_path: Path, dev_keys: tuple[DevKeys, Path]
) -> AsyncIterator[Callable[..., Awaitable[PaymentApp]]]:
    """Build payment apps (settings overridable) on fresh SQLite files; routes work without the lifespan."""
    apps: list[PaymentApp] = []

    async def make(**overrides: Any) -> PaymentApp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/payment-{len(apps)}.db",
            sandbox_callback_delay_seconds=0,
            **overrides,
        )
        app = create_app(settings)
        ctx: PaymentContext = app.state.payment
        async with ctx.runtime.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        app.state.token_verifier = TokenVerifier(dev_keys[0].jwks, issuer="cong-dvc", audience="cong-dvc")
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://payment.test")
        apps.append(PaymentApp(app, ctx, client))
        return apps[-1]

    yield make
    for a in apps:
        if a.ctx.sandbox is not None:
            await a.ctx.sandbox.cancel_pending()
        await a.http.aclose()
        await a.ctx.http.aclose()
        await a.ctx.runtime.engine.dispose()
