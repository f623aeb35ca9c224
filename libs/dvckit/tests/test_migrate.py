"""`python -m dvckit.migrate <package> current|history|upgrade|downgrade` on PostgreSQL: every service's history
goes down to base and up to head again (each downgrade runs), and `current` says where the database is."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from dvckit import migrate
from dvckit.testing import PostgresServer

pytestmark = pytest.mark.integration
PACKAGES = (
    "dvc_catalog",
    "dvc_dossier",
    "dvc_payment",
    "dvc_feedback",
    "dvc_notify",
    "dvc_reporting",
    "dvc_portal",
)


@pytest.mark.parametrize("package", PACKAGES)
async def test_every_history_goes_down_to_base_and_up_to_head(pg: PostgresServer, package: str) -> None:
    url = pg.sqlalchemy_url(await pg.create_database(f"mig_{package}"))
    head = migrate.history(package)[0].split()[0]

    def cycle() -> list[str | None]:
        seen = [migrate.current(package, url)]
        migrate.upgrade(package, url)
        seen.append(migrate.current(package, url))
        migrate.main([package, "--url", url, "downgrade", "base"])
        seen.append(migrate.current(package, url))
        migrate.main([package, "--url", url, "upgrade"])
        seen.append(migrate.current(package, url))
        return seen

    assert await asyncio.to_thread(cycle) == [None, head, None, head]


async def test_the_cli_names_the_revision_and_steps_one_back(pg: PostgresServer) -> None:
    url = pg.sqlalchemy_url(await pg.create_database("mig_cli"))
    revisions = [line.split()[0] for line in migrate.history("dvc_dossier")]

    def run(*args: str) -> str:
        cmd = [sys.executable, "-m", "dvckit.migrate", "dvc_dossier", "--url", url, *args]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120).stdout.strip()

    assert await asyncio.to_thread(run, "current") == "dvc_dossier: not migrated (base)"
    await asyncio.to_thread(run, "upgrade")
    assert await asyncio.to_thread(run, "downgrade", "-1") == f"dvc_dossier: database at {revisions[1]}"
    assert await asyncio.to_thread(run, "current") == f"dvc_dossier: {revisions[1]}"
    assert "(head)" in (await asyncio.to_thread(run, "history")).splitlines()[0]
