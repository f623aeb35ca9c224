"""A licence-renewal submission and an arriving health record (or fine payment) cannot miss each other:
while one transaction holds the prerequisite lock, the other waits for it to commit."""

from __future__ import annotations

import asyncio

import pytest

from dvc_contracts import clock
from dvc_dossier.adapters.orm import messaging
from dvc_dossier.service.uow import DossierUnitOfWork
from dvckit.db import make_engine, make_sessionmaker
from dvckit.testing import PostgresServer, migrated_database

pytestmark = pytest.mark.integration


async def test_health_record_waits_for_a_submission_holding_the_lock(pg: PostgresServer) -> None:
    engine = make_engine(await migrated_database(pg, "dvc_dossier"))
    sessions = make_sessionmaker(engine)
    try:
        submission_has_lock = asyncio.Event()
        release = asyncio.Event()

        async def submission() -> None:
            async with DossierUnitOfWork(sessions, messaging, service="dossier") as uow:
                await uow.sagas.lock_licence_checks()
                assert await uow.sagas.health_record("KSK-LOCK-1", "001099000001") is None
                submission_has_lock.set()
                await release.wait()
                await uow.commit()

        async def health_report() -> None:
            async with DossierUnitOfWork(sessions, messaging, service="dossier") as uow:
                await uow.sagas.lock_licence_checks()
                await uow.sagas.record_health("KSK-LOCK-1", "01-KSK-LOCK", "BYT", clock.now(), "001099000001")
                await uow.commit()

        first = asyncio.create_task(submission())
        await submission_has_lock.wait()
        second = asyncio.create_task(health_report())
        done, _ = await asyncio.wait({second}, timeout=1.0)
        assert not done, "the health record must wait while a submission checks the prerequisites"
        release.set()
        await asyncio.gather(first, second)
        async with DossierUnitOfWork(sessions, messaging, service="dossier") as uow:
            assert await uow.sagas.health_record("KSK-LOCK-1", "001099000001") is not None
    finally:
        await engine.dispose()
