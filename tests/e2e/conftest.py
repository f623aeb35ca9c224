"""Every service as its own process (uvicorn), on the session's broker and a PostgreSQL database each."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dvckit.testing import PostgresServer, ServiceProcess, free_port, migrated_database

SERVICES = ("catalog", "dossier", "payment", "feedback", "notify", "reporting")
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
        yield Stack(services)
    finally:
        for svc in services.values():
            svc.stop()
