"""The three health signals and the one 503 (issue 14), on an app of the kit with no broker at all:
liveness and readiness answer without it, the broker signal says down; a request that meets an unreachable
database gets 503 database_unavailable with Retry-After, other database errors stay errors."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from fastapi import APIRouter
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from dvckit.app import create_service_app
from dvckit.db import database_unavailable, messaging_tables, new_metadata
from dvckit.messaging.consumer import _is_infra
from dvckit.runtime import build_runtime
from dvckit.settings import AuthSettings, KafkaSettings, ServiceSettings
from dvckit.testing import free_port, running_app
from dvckit.uow import UnitOfWork

router = APIRouter()


@router.get("/operational")
async def operational() -> None:
    raise OperationalError("SELECT 1", {}, ConnectionResetError("connection reset"))


@router.get("/refused")
async def refused() -> None:
    raise ConnectionRefusedError(111, "Connect call failed")


def wrapped(driver_error: Exception) -> DBAPIError:
    """What SQLAlchemy's asyncpg adapter raises: a plain DBAPIError around its own error, whose cause is
    asyncpg's (seen in the fault storm while PostgreSQL was starting up)."""
    adapted = Exception(str(driver_error))
    adapted.__cause__ = driver_error
    return DBAPIError("SELECT 1", {}, adapted)


@router.get("/starting")
async def starting() -> None:
    raise wrapped(asyncpg.exceptions.CannotConnectNowError("the database system is starting up"))


@router.get("/integrity")
async def integrity() -> None:
    raise IntegrityError("INSERT", {}, ValueError("duplicate key"))


def app_for(database_url: str) -> object:
    settings = ServiceSettings(
        service_name="kit-health",
        database_url=database_url,
        kafka=KafkaSettings(bootstrap=f"127.0.0.1:{free_port()}", request_timeout_ms=1000),  # nobody there
        auth=AuthSettings(jwks_file=None, jwks_url=None),
    )
    runtime = build_runtime(settings, messaging_tables(new_metadata()), UnitOfWork)
    return create_service_app(runtime, title="t", description="d", routers=[router])


async def test_live_and_ready_without_a_broker(tmp_path: Path) -> None:
    app = app_for(f"sqlite+aiosqlite:///{tmp_path / 'kit.db'}")
    async with running_app(app, wait_broker=False) as http:  # type: ignore[arg-type]
        live = await http.get("/healthz")
        assert live.status_code == 200 and live.json()["status"] == "ok" and "loop_lag_ms" in live.json()
        ready = await http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"ready": True, "database": "ok", "broker": "down"}
        broker = await http.get("/readyz/broker")
        assert broker.status_code == 503 and broker.json()["broker"] == "down" and broker.json()["error"]
        assert 'dvc_broker_up{service="kit-health"} 0.0' in (await http.get("/metrics")).text

        for path in ("/operational", "/refused", "/starting"):
            resp = await http.get(path)
            assert resp.status_code == 503, resp.text
            assert resp.json()["code"] == "database_unavailable"
            assert resp.headers["retry-after"] == "5"
        with pytest.raises(IntegrityError):  # not an outage: the app's own error, as before
            await http.get("/integrity")


async def test_not_ready_while_the_database_is_unreachable() -> None:
    app = app_for(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere")
    async with running_app(app, wait_broker=False) as http:  # type: ignore[arg-type]
        ready = await http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["ready"] is False
        assert ready.json()["database"].startswith("error")
        assert (await http.get("/healthz")).status_code == 200


def test_outage_is_told_from_bad_data_through_the_wrapping() -> None:
    """One classifier for HTTP (503) and consumers (redeliver, never dead-letter)."""
    outages = [
        wrapped(asyncpg.exceptions.CannotConnectNowError("the database system is starting up")),  # 57P03
        wrapped(asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command")),
        wrapped(asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already")),  # 53300
    ]
    for exc in outages:
        assert database_unavailable(exc) and _is_infra(exc), exc
    not_outages = [
        wrapped(asyncpg.exceptions.UniqueViolationError("duplicate key")),  # 23505
        wrapped(asyncpg.exceptions.CharacterNotInRepertoireError("invalid byte sequence")),  # 22021
        IntegrityError("INSERT", {}, ValueError("duplicate key")),
    ]
    for exc in not_outages:
        assert not database_unavailable(exc) and not _is_infra(exc), exc


def test_the_pool_is_sized_from_settings() -> None:
    """<PREFIX>DATABASE_POOL_SIZE / _MAX_OVERFLOW reach the engine (no overflow: no connection opened and closed
    per request under a steady load above the pool size)."""
    settings = ServiceSettings(
        service_name="kit-pool",
        database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none",
        database_pool_size=24,
        database_max_overflow=0,
        kafka=KafkaSettings(bootstrap="127.0.0.1:1"),
        auth=AuthSettings(jwks_file=None, jwks_url=None),
    )
    pool = build_runtime(settings, messaging_tables(new_metadata()), UnitOfWork).engine.pool
    assert (pool.size(), pool._max_overflow) == (24, 0)  # type: ignore[attr-defined]
