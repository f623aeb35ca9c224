"""oidc sign-in: the provider's tokens on the session (encrypted), sign-ins under way (state, nonce, PKCE)

Revision ID: b3f07d2e9a61
Revises: 7e1a5c93d0b4
Create Date: 2026-12-05 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "b3f07d2e9a61"
down_revision: str | None = "7e1a5c93d0b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("citizen_sessions") as batch:
        batch.add_column(sa.Column("citizen_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("refresh_token", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("id_token", sa.LargeBinary(), nullable=True))
    op.create_table(
        "oidc_logins",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("verifier", sa.LargeBinary(), nullable=False),
        sa.Column("next_path", sa.String(length=2000), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_oidc_logins")),
    )
    op.create_index("ix_oidc_logins_expires_at", "oidc_logins", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_oidc_logins_expires_at", table_name="oidc_logins")
    op.drop_table("oidc_logins")
    with op.batch_alter_table("citizen_sessions") as batch:
        batch.drop_column("id_token")
        batch.drop_column("refresh_token")
        batch.drop_column("token_expires_at")
        batch.drop_column("citizen_id")
