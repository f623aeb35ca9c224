"""feedback open by due date

``agg_feedback_open_due``: unanswered feedback by province and response deadline, so that the overdue feedback
of the headline (not answered, deadline before today) reads a few hundred aggregate rows instead of counting the
feedback rows. Filled from the existing feedback rows with the rules of ``feedback_contributions``.

Revision ID: 5c1e0b7d9a42
Revises: f27beb9ed60e
Create Date: 2026-11-21 09:06:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "5c1e0b7d9a42"
down_revision: str | None = "f27beb9ed60e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agg_feedback_open_due",
        sa.Column("province_code", sa.String(length=64), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("n", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("province_code", "due_date", name=op.f("pk_agg_feedback_open_due")),
    )
    op.execute(
        "INSERT INTO agg_feedback_open_due (province_code, due_date, n) "
        "SELECT coalesce(province_code, ''), due_date, count(*) FROM feedback "
        "WHERE received AND NOT answered AND due_date IS NOT NULL GROUP BY coalesce(province_code, ''), due_date"
    )


def downgrade() -> None:
    op.drop_table("agg_feedback_open_due")
