"""oidc sign-in: operator sessions keep the provider's tokens (encrypted), sign-ins in progress (oidc_logins)

Revision ID: 7e3c9a41d2b8
Revises: d4b2e6f8a1c3
Create Date: 2026-12-05 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "7e3c9a41d2b8"
down_revision: str | None = "d4b2e6f8a1c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("operator_sessions") as batch:
        batch.add_column(sa.Column("refresh_token", sa.Text(), nullable=True))
        batch.add_column(sa.Column("id_token", sa.Text(), nullable=True))
        batch.add_column(sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("refreshing_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "oidc_logins",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=128), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("return_to", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_oidc_logins")),
    )
    op.create_index("ix_oidc_logins_expires_at", "oidc_logins", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_oidc_logins_expires_at", table_name="oidc_logins")
    op.drop_table("oidc_logins")
    with op.batch_alter_table("operator_sessions") as batch:
        batch.drop_column("refreshing_until")
        batch.drop_column("access_expires_at")
        batch.drop_column("id_token")
        batch.drop_column("refresh_token")
