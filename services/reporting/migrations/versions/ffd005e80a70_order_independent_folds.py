"""order-independent folds: a payment's own province, a feedback answer's reported on-time flag

Both are facts the folds need to derive the row again whatever the arrival order of the topics (a payment shows
its dossier's province unless it carries its own; an answer judged before its feedback-received arrives is
judged again against the received deadline). Existing rows keep what they show: their current values are taken
as the facts (a rebuild, ``python -m dvc_reporting.replay``, derives them from the events).

Revision ID: ffd005e80a70
Revises: bed10c440fec
Create Date: 2026-11-21 07:01:38.436284
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "ffd005e80a70"
down_revision: str | None = "bed10c440fec"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reported_on_time", sa.Boolean(), nullable=True))

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("own_province", sa.String(length=8), nullable=True))

    op.execute("UPDATE feedback SET reported_on_time = answered_on_time WHERE answered")
    op.execute("UPDATE payments SET own_province = province_code WHERE province_code IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("own_province")

    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_column("reported_on_time")
