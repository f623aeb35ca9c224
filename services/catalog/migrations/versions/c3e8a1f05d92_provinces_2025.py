"""offered-in lists move to the 34 provinces of 1 July 2025

Every code in ``procedures.provinces`` becomes its current unit (dvc_contracts.units.current_of: Hà Giang's 02
is Tuyên Quang's 08 now); two former units that became one are listed once. The list of a published version is
rewritten too: it says where the procedure is offered today, and the next publication carries it.

Revision ID: c3e8a1f05d92
Revises: f7b214c1d4f5
Create Date: 2026-12-05 10:30:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dvc_contracts.units import current_of

revision: str = "c3e8a1f05d92"
down_revision: str | None = "f7b214c1d4f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _today(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(current_of(c) or c for c in codes))


def upgrade() -> None:
    conn = op.get_bind()
    table = sa.table("procedures", sa.column("code"), sa.column("version"), sa.column("provinces", sa.JSON))
    for code, version, provinces in conn.execute(
        sa.select(table.c.code, table.c.version, table.c.provinces)
    ).all():
        codes = json.loads(provinces) if isinstance(provinces, str) else list(provinces or [])
        if _today(codes) != codes:
            conn.execute(
                table.update()
                .where(table.c.code == code, table.c.version == version)
                .values(provinces=_today(codes))
            )


def downgrade() -> None:
    pass  # the former units cannot be told apart again: today's codes are kept
