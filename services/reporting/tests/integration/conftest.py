from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from dvc_reporting.config import Settings
from dvc_reporting.entrypoints.app import create_app
from dvckit.testing import PostgresServer, migrated_database, running_app


class Reporting:
    def __init__(self, client: httpx.AsyncClient, db_url: str, settings: Settings) -> None:
        self.client = client
        self.db_url = db_url
        self.settings = settings

    async def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return await self.client.get(path, params=params, headers=headers)


@pytest.fixture(scope="module")
async def reporting(
    pg: PostgresServer, reporting_settings: Callable[..., Settings]
) -> AsyncIterator[Reporting]:
    db_url = await migrated_database(pg, "dvc_reporting")
    settings = reporting_settings(db_url)
    async with running_app(create_app(settings)) as client:
        yield Reporting(client, db_url, settings)
