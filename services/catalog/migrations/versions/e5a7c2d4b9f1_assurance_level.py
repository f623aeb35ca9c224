"""procedures.assurance_level: the level of assurance an applicant's account needs (1 or 2)

Revision ID: e5a7c2d4b9f1
Revises: c3e8a1f05d92
Create Date: 2026-12-05 03:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5a7c2d4b9f1"
down_revision: str | None = "c3e8a1f05d92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assurance_level", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.drop_column("assurance_level")
