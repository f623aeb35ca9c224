"""procedures.search_title: the folded code and name, which search ranks above the rest of the text

``search_text`` folds code, name and description together; ranking needs the title apart (a query matching the
name outranks one matching only the description). Existing rows are filled with dvckit.text.fold, as the
repository fills new ones.

Revision ID: b18e0e995671
Revises: e5a7c2d4b9f1
Create Date: 2026-12-05 06:16:56
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dvckit.text import fold

revision: str = "b18e0e995671"
down_revision: str | None = "e5a7c2d4b9f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_title", sa.Text(), nullable=False, server_default=""))
    conn = op.get_bind()
    table = sa.table(
        "procedures", sa.column("code"), sa.column("version"), sa.column("name"), sa.column("search_title")
    )
    for code, version, name in conn.execute(sa.select(table.c.code, table.c.version, table.c.name)).all():
        conn.execute(
            table.update()
            .where(table.c.code == code, table.c.version == version)
            .values(search_title=fold(f"{code} {name}"))
        )


def downgrade() -> None:
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.drop_column("search_title")
