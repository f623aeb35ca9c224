"""api keys and api notifications: the send API for integrators

Revision ID: 764eb8fcdefa
Revises: b7e1c2d3a4f5
Create Date: 2026-12-05 05:36:58.830596
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "764eb8fcdefa"
down_revision: str | None = "b7e1c2d3a4f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("key_type", sa.String(length=8), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
    )
    op.create_index("ix_api_keys_service", "api_keys", ["service", "created_at"])
    op.create_table(
        "api_notifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("key_type", sa.String(length=8), nullable=False),
        sa.Column("api_key_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("phone_masked", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("encoding", sa.String(length=8), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("price_per_segment_vnd", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_notifications")),
        sa.UniqueConstraint("service", "key_type", "reference", name="uq_api_notifications_reference"),
    )


def downgrade() -> None:
    op.drop_table("api_notifications")
    op.drop_index("ix_api_keys_service", table_name="api_keys")
    op.drop_table("api_keys")
