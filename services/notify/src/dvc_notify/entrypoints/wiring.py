"""Builds notify's providers, failover router, limiter and sender from settings (in the app factory, never at
import time), and starts/stops what runs beside them (the local fake gateways)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dvc_notify.adapters.providers.base import Provider, RemoteProvider
from dvc_notify.adapters.providers.gw_form import FormGatewayProvider
from dvc_notify.adapters.providers.gw_rest import RestGatewayProvider
from dvc_notify.adapters.providers.kafka_channel import KafkaChannelProvider
from dvc_notify.adapters.providers.sandbox import SandboxProvider
from dvc_notify.config import Settings
from dvc_notify.domain.failover import FailoverPolicy, Router
from dvc_notify.domain.limits import Limit, RateLimiter
from dvc_notify.fakes.gateways import FakeFormGateway, FakeGateway, FakeRestGateway
from dvc_notify.metrics import PROVIDER_ERROR_RATE, PROVIDER_SHARE
from dvc_notify.service.sender import Sender
from dvc_notify.service.sender_types import SenderConfig
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_notify.wiring")

KNOWN_PROVIDERS = ("sandbox", "kafka", "gw-rest", "gw-form")


def _limit(s: Any) -> Limit:
    return Limit(rate_per_second=s.rate_per_second, burst=s.burst, daily=s.daily)


@dataclass
class Notify:
    settings: Settings
    providers: dict[str, Provider]
    router: Router
    limiter: RateLimiter
    sender: Sender
    key_limiter: RateLimiter  # the send API's requests, per API key
    fakes: dict[str, FakeGateway] = field(default_factory=dict)

    def remote(self, name: str) -> RemoteProvider | None:
        p = self.providers.get(name)
        return p if isinstance(p, RestGatewayProvider | FormGatewayProvider) else None

    async def start(self) -> None:
        for name, fake in self.fakes.items():
            await fake.start()
            provider = self.remote(name)
            if isinstance(provider, RestGatewayProvider | FormGatewayProvider):
                provider.base_url = fake.url

    async def stop(self) -> None:
        for p in self.providers.values():
            if isinstance(p, RestGatewayProvider | FormGatewayProvider):
                await p.close()
        for fake in self.fakes.values():
            await fake.stop()

    def provider_status(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        out = []
        for name, provider in self.providers.items():
            health = self.router.health[name].snapshot(now)
            if isinstance(provider, RestGatewayProvider | FormGatewayProvider):
                info = provider.describe()
            else:
                info = {
                    "kind": "in-transaction",
                    "api": "sandbox table" if name == "sandbox" else "sms-outbound",
                }
            item: dict[str, Any] = {**health, **info, "idempotent": provider.idempotent}
            item["failing_over"] = health["state"] == "failing-over"
            if name in self.fakes:
                item["fake_gateway"] = self.fakes[name].stats()
            out.append(item)
        return out

    def update_gauges(self) -> None:
        now = time.monotonic()
        for name, health in self.router.health.items():
            rate = health.error_rate(now)
            PROVIDER_ERROR_RATE.labels(name).set(rate or 0.0)
            PROVIDER_SHARE.labels(name).set(health.share(now))


def build_notify(settings: Settings, uow_factory: Callable[[], NotifyUnitOfWork]) -> Notify:
    unknown = [p for p in settings.providers if p not in KNOWN_PROVIDERS]
    if unknown:
        raise ValueError(f"NOTIFY_PROVIDERS: unknown provider(s) {unknown}; known: {list(KNOWN_PROVIDERS)}")
    callback = settings.callback_base()
    providers: dict[str, Provider] = {}
    fakes: dict[str, FakeGateway] = {}
    for name in settings.providers:
        if name == "sandbox":
            providers[name] = SandboxProvider()
        elif name == "kafka":
            providers[name] = KafkaChannelProvider(settings.brandname)
        elif name == "gw-rest":
            fake = not settings.gw_rest_url
            if fake and not settings.fake_gateways:
                log.warning("provider.disabled", provider=name, reason="NOTIFY_GW_REST_URL not set")
                continue
            providers[name] = RestGatewayProvider(
                settings.gw_rest_url,
                api_key=settings.gw_rest_api_key,
                callback_secret=settings.gw_rest_callback_secret,
                callback_url=f"{callback}/providers/{name}/receipts",
                brandname=settings.brandname,
                timeout=settings.http_timeout_seconds,
                concurrency=settings.sender_http_concurrency,
                fake=fake,
            )
            if fake:
                fakes[name] = FakeRestGateway(
                    api_key=settings.gw_rest_api_key, callback_secret=settings.gw_rest_callback_secret
                )
        elif name == "gw-form":
            fake = not settings.gw_form_url
            if fake and not settings.fake_gateways:
                log.warning("provider.disabled", provider=name, reason="NOTIFY_GW_FORM_URL not set")
                continue
            providers[name] = FormGatewayProvider(
                settings.gw_form_url,
                user=settings.gw_form_user,
                secret=settings.gw_form_secret,
                brandname=settings.brandname,
                timeout=settings.http_timeout_seconds,
                concurrency=settings.sender_http_concurrency,
                fake=fake,
            )
            if fake:
                fakes[name] = FakeFormGateway(
                    user=settings.gw_form_user,
                    secret=settings.gw_form_secret,
                    receipt_url=f"{callback}/providers/{name}/receipts",
                )
    policy = FailoverPolicy(
        window_seconds=settings.failover_window_seconds,
        min_samples=settings.failover_min_samples,
        error_threshold=settings.failover_error_threshold,
        cooldown_seconds=settings.failover_cooldown_seconds,
        drift_seconds=settings.failover_drift_seconds,
        initial_share=settings.failover_initial_share,
    )
    router = Router(providers, policy)
    limiter = RateLimiter(
        _limit(settings.default_limit), {k: _limit(v) for k, v in settings.service_limits.items()}
    )
    config = SenderConfig(
        default_order=tuple(providers),
        carrier_routes={c: tuple(ps) for c, ps in settings.carrier_routes.items()},
        batch_size=settings.sender_batch_size,
        max_attempts=settings.max_attempts,
        retry_base_seconds=settings.retry_base_seconds,
        retry_cap_seconds=settings.retry_cap_seconds,
        claim_timeout_seconds=settings.claim_timeout_seconds,
        hold_seconds=settings.hold_seconds,
        http_concurrency=settings.sender_http_concurrency,
    )
    sender = Sender(uow_factory, providers, router, limiter, config)
    key_limiter = RateLimiter(Limit(settings.api_key_rate_per_second, settings.api_key_burst, daily=0))
    return Notify(settings, providers, router, limiter, sender, key_limiter, fakes)
