"""sms_messages.province_code: a province's operators read only their province's messages

Revision ID: b7e1c2d3a4f5
Revises: 58295016bd1c
Create Date: 2026-12-04 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e1c2d3a4f5"
down_revision: str | None = "58295016bd1c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sms_messages", sa.Column("province_code", sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column("sms_messages", "province_code")
