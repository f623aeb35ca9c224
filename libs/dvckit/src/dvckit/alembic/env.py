"""Shared alembic environment: async engine, SQLite batch mode, metadata handed in by dvckit.migrate."""

import asyncio

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from dvckit.db import UtcDateTime

config = context.config
target_metadata = config.attributes["target_metadata"]
url = config.get_main_option("sqlalchemy.url") or ""


def _render_item(type_, obj, autogen_context):  # type: ignore[no-untyped-def]
    """Render the kit's column types as plain SQLAlchemy types in revisions."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection):  # type: ignore[no-untyped-def]
    if connection.dialect.name == "postgresql":
        # Two pods starting together must not migrate at once (released when the connection closes).
        connection.execute(text("SELECT pg_advisory_lock(72720001)"))
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run() -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_configure)
        await conn.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run())
