"""attempt pending_seen_at

payment_attempts.pending_seen_at: when a status query last went out that the provider answered "not paid yet".
A provider that does not date its payments (MoMo) then still shows a payment was late: money that had not moved
when a query sent after the deadline was answered moved after the deadline.

Revision ID: 8f3a6c2d1e70
Revises: 5d1e7a0c9b42
Create Date: 2026-12-05 12:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8f3a6c2d1e70"
down_revision: str | None = "5d1e7a0c9b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_column("pending_seen_at")
