"""Fixtures of the portal's browser walks on the live stack (live.py): axe-core, a phone-sized Chromium, and the
stack itself, one per module. A module runs the portal's services named in its ``BACKENDS`` (all of them when
it names none)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from dvckit.browser import chromium
from dvckit.testing import PostgresServer

from .live import BACKENDS, Stack, install_axe, live_stack


@pytest.fixture(scope="session")
def axe_source() -> str:
    try:
        return install_axe()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium(window="412,915") as driver:
        yield driver


@pytest.fixture(scope="module")
async def stack(
    request: pytest.FixtureRequest,
    pg: PostgresServer,
    kafka_bootstrap: str,
    auth_env: dict[str, str],
    dev_keys: tuple[Any, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    backends = getattr(request.module, "BACKENDS", BACKENDS)
    logs = tmp_path_factory.mktemp(f"portal-{request.module.__name__.rpartition('.')[2]}")
    async with live_stack(pg, kafka_bootstrap, auth_env, dev_keys[1].parent, logs, backends) as running:
        yield running
