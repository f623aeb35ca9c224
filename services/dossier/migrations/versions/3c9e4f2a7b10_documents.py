"""documents: a citizen's uploaded files (PDF/JPEG/PNG), attached to a dossier on submission

Revision ID: 3c9e4f2a7b10
Revises: 5b1e0c7a9d42
Create Date: 2026-12-05 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "3c9e4f2a7b10"
down_revision: str | None = "5b1e0c7a9d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner_sub", sa.String(length=128), nullable=False),
        sa.Column("dossier_code", sa.String(length=64), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_dossier_code"), ["dossier_code"], unique=False)
        batch_op.create_index("ix_documents_owner_unattached", ["owner_sub", "dossier_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_owner_unattached")
        batch_op.drop_index(batch_op.f("ix_documents_dossier_code"))
    op.drop_table("documents")
