"""accounts read model and the operators' sign-in events

Revision ID: 00e6587ce3bd
Revises: 7e3c9a41d2b8
Create Date: 2026-12-05 05:40:34.560127
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "00e6587ce3bd"
down_revision: str | None = "7e3c9a41d2b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("day", "account_id", name=op.f("pk_account_days")),
    )
    op.create_table(
        "account_sign_ins",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("assurance_level", sa.Integer(), nullable=False),
        sa.Column("sign_ins", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "channel", "role", "assurance_level", name=op.f("pk_account_sign_ins")
        ),
    )
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "known_accounts",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_known_accounts")),
    )


def downgrade() -> None:
    op.drop_table("known_accounts")
    op.drop_table("accounts")
    op.drop_table("account_sign_ins")
    op.drop_table("account_days")
