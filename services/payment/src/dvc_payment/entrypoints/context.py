"""What the payment routes and background jobs share, built once in the app factory (never at import)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import Request

from dvc_payment.adapters.providers import build_providers
from dvc_payment.adapters.providers.base import HttpPort, Provider
from dvc_payment.adapters.sandbox import SandboxCore
from dvc_payment.config import Settings
from dvc_payment.domain.access import PayAccess, PayLinkSigner
from dvc_payment.domain.webhooks import Backoff
from dvc_payment.entrypoints.ratelimit import Rate, SharedRateLimiter
from dvc_payment.service.arrivals import IntentArrivals
from dvc_payment.service.checkout import CheckoutResult, start_checkout
from dvc_payment.service.common import Policy, Urls
from dvc_payment.service.uow import PaymentUnitOfWork
from dvc_payment.service.webhooks import WebhookSender
from dvckit.client_ip import TrustedProxies
from dvckit.runtime import Runtime


@dataclass
class PaymentContext:
    settings: Settings
    runtime: Runtime[PaymentUnitOfWork]
    policy: Policy
    http: HttpPort
    providers: dict[str, Provider]
    limiter: SharedRateLimiter
    arrivals: IntentArrivals
    pay_links: PayLinkSigner
    proxies: TrustedProxies
    webhooks: WebhookSender
    sandbox: SandboxCore | None = None
    _closed: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def build(
        cls,
        settings: Settings,
        runtime: Runtime[PaymentUnitOfWork],
        arrivals: IntentArrivals | None = None,
    ) -> PaymentContext:
        http = HttpPort(settings.provider_timeout_seconds)
        sandbox = SandboxCore(settings, runtime.sessionmaker, http) if settings.sandbox_enabled else None
        return cls(
            settings=settings,
            runtime=runtime,
            policy=Policy.from_settings(settings),
            http=http,
            providers=build_providers(settings, http),
            limiter=SharedRateLimiter(
                runtime.uow, Rate(settings.fines_lookup_burst, settings.fines_lookup_per_minute), "fines"
            ),
            arrivals=arrivals or IntentArrivals(max_waiters=settings.checkout_max_waiters),
            pay_links=PayLinkSigner(settings.pay_link_secret.get_secret_value().encode()),
            proxies=settings.proxies,
            webhooks=WebhookSender(
                backoff=Backoff(
                    settings.webhook_backoff_base_seconds,
                    settings.webhook_backoff_max_seconds,
                    settings.webhook_max_attempts,
                ),
                timeout_seconds=settings.webhook_timeout_seconds,
                lease=timedelta(seconds=settings.webhook_lease_seconds),
                max_body_bytes=settings.webhook_max_body_bytes,
            ),
            sandbox=sandbox,
        )

    def uow(self) -> PaymentUnitOfWork:
        return self.runtime.uow()

    async def checkout(
        self, request: Request, payment_id: str, provider: str, *, access: PayAccess
    ) -> CheckoutResult:
        """Start a checkout; an intent not known yet (its payment-requested still on the way) is waited for
        up to ``checkout_wait_seconds`` (its owner is checked once it is known)."""

        def attempt() -> Awaitable[CheckoutResult]:
            return start_checkout(
                self.uow, self.providers, payment_id, provider,
                urls=self.urls(request), client_ip=self.client_ip(request), policy=self.policy, access=access,
            )  # fmt: skip

        return await self.arrivals.when_known(payment_id, attempt, wait=self.settings.checkout_wait_seconds)

    def urls(self, request: Request | None = None) -> Urls:
        base = self.settings.public_base_url.rstrip("/")
        if not base and request is not None:
            base = str(request.base_url).rstrip("/")
        return Urls(
            public_base=base, notify_base=self.settings.public_base_url.rstrip("/"), links=self.pay_links
        )

    def client_ip(self, request: Request) -> str:
        """The TCP peer, or behind the configured proxies the right-most untrusted X-Forwarded-For hop."""
        return self.proxies.of(request)

    async def run_http_lifetime(self, _: Runtime[Any]) -> None:
        """Background task: closes the provider HTTP clients when the app stops."""
        try:
            await self._closed.wait()
        finally:
            await self.http.aclose()
            await self.webhooks.aclose()


async def context(request: Request) -> PaymentContext:
    """Async on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop (and a GIL
    hand-over) for every request."""
    ctx: PaymentContext = request.app.state.payment
    return ctx
