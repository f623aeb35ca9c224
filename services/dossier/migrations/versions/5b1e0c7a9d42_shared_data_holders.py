"""shared data bound to a person: fines.offender_id, health_records.holder_id

Revision ID: 5b1e0c7a9d42
Revises: d8caf0d53969
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "5b1e0c7a9d42"
down_revision: str | None = "d8caf0d53969"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offender_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_fines_offender_id"), ["offender_id"], unique=False)

    with op.batch_alter_table("health_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder_id", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("health_records", schema=None) as batch_op:
        batch_op.drop_column("holder_id")

    with op.batch_alter_table("fines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fines_offender_id"))
        batch_op.drop_column("offender_id")
