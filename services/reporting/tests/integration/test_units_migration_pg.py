"""Migration a9d34c2e7b15 on PostgreSQL: a read model written before it (every code one of the 63) moves to
today's provinces, keeps the former ones, and its aggregates still equal a recount (see the SQLite twin)."""

from __future__ import annotations

import pytest

from dvckit.testing import PostgresServer

from ..unit.test_units_migration import migrate_and_check

pytestmark = pytest.mark.integration


async def test_the_migration_moves_rows_to_todays_provinces_on_postgresql(pg: PostgresServer) -> None:
    name = await pg.create_database("dvct_reporting_units")
    await migrate_and_check(pg.sqlalchemy_url(name))
