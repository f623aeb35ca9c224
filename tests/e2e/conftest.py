"""Every service as its own process (uvicorn), on the session's broker and a PostgreSQL database each."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from dvckit.testing import PostgresServer, ServiceProcess, free_port, migrated_database

SERVICES = ("catalog", "dossier", "payment", "feedback", "notify", "reporting")
CONSUMERS = SERVICES[1:]  # the catalog only publishes
# Short clocks so sagas, expiry and reconciliation finish within a test.
EXTRA_ENV = {
    "dossier": {"DOSSIER_SAGA_PAYMENT_EXPIRY_SECONDS": "20"},
    "payment": {
        "PAYMENT_SANDBOX_CALLBACK_DELAY_SECONDS": "0",
        "PAYMENT_SANDBOX_SLOW_SECONDS": "25",
        "PAYMENT_EXPIRY_INTERVAL_SECONDS": "0.2",
        "PAYMENT_RECONCILE_INTERVAL_SECONDS": "0.5",
        "PAYMENT_RECONCILE_MAX_INTERVAL_SECONDS": "2",
        "PAYMENT_REFUND_INTERVAL_SECONDS": "0.2",
        "PAYMENT_FINES_LOOKUP_BURST": "200",
    },
}


class Stack:
    def __init__(self, services: dict[str, ServiceProcess]) -> None:
        self.services = services

    def url(self, name: str) -> str:
        return self.services[name].url

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]


@pytest.fixture(scope="session")
async def stack(
    pg: PostgresServer,
    kafka_bootstrap: str,
    auth_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    logs = Path(tmp_path_factory.mktemp("e2e-logs"))
    run_id = uuid.uuid4().hex[:6]
    services: dict[str, ServiceProcess] = {}
    for name in SERVICES:
        url = await migrated_database(pg, f"dvc_{name}")
        prefix = name.upper()
        env = {
            "KAFKA_BOOTSTRAP": kafka_bootstrap,
            "KAFKA_SESSION_TIMEOUT_MS": "1000",
            f"{prefix}_DATABASE_URL": url,
            f"{prefix}_CONSUMER_GROUP": f"dvc-{name}-e2e-{run_id}",
            f"{prefix}_RELAY_IDLE_SECONDS": "0.05",
            "LOG_LEVEL": "INFO",
            **auth_env,
            **EXTRA_ENV.get(name, {}),
        }
        services[name] = ServiceProcess(name, free_port(), env, logs / f"{name}.log")
    try:
        for svc in services.values():
            svc.start()
        await _caught_up(services)
        yield Stack(services)
    finally:
        for svc in services.values():
            svc.stop()


async def _lags(http: httpx.AsyncClient, svc: ServiceProcess) -> list[float]:
    text = (await http.get(f"{svc.url}/metrics")).text
    return [
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "dvc_consumer_lag"
        for sample in family.samples
    ]


async def _caught_up(services: dict[str, ServiceProcess], timeout: float = 90.0) -> None:
    """Let new consumer groups read what earlier tests left on the session's topics before the first
    test's clocks (20 s payment expiry) start: every service reports lag 0 twice in a row. A warm-up,
    not a check: the tests themselves decide."""
    deadline, settled = time.monotonic() + timeout, 0
    async with httpx.AsyncClient(timeout=5) as http:
        while settled < 2 and time.monotonic() < deadline:
            lags = [await _lags(http, services[name]) for name in CONSUMERS]
            settled = settled + 1 if all(lag and not any(lag) for lag in lags) else 0
            await asyncio.sleep(2.5)  # lag is exported every 5 s
