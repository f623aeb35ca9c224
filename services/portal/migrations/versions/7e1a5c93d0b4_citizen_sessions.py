"""citizen_sessions: the portal's server-side sessions (the cookie holds a random id, the token stays here)

Revision ID: 7e1a5c93d0b4
Revises:
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "7e1a5c93d0b4"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "citizen_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("sub", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_citizen_sessions")),
    )
    op.create_index("ix_citizen_sessions_expires_at", "citizen_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_citizen_sessions_expires_at", table_name="citizen_sessions")
    op.drop_table("citizen_sessions")
