"""SQL notify's repositories share: an INSERT of the session's dialect (ON CONFLICT), an IN for batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, any_, cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dvckit.db import dialect_name


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT of the session's dialect (PostgreSQL or SQLite), for ``on_conflict_do_nothing``."""
    return (postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert)(table)


def among(session: AsyncSession, column: Any, values: Sequence[str]) -> Any:
    """``column IN values``; on PostgreSQL ``= ANY(:array)``: one parameter however many values (a batch
    of a thousand ids is planned and bound as fast as one)."""
    if dialect_name(session) == "postgresql":
        return column == any_(cast(list(values), postgresql.ARRAY(String)))
    return column.in_(values)
