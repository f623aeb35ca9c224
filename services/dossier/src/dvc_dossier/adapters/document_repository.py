from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from dvc_dossier.adapters.orm import documents
from dvckit.db import dialect_name


class DocumentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(documents).values(**values))

    async def get(self, document_id: str) -> Any:
        q = select(documents).where(documents.c.id == document_id)
        return (await self.session.execute(q)).first()

    async def lock_owner(self, owner_sub: str) -> None:
        """One citizen's uploads are counted and added one transaction at a time (PostgreSQL advisory lock, to
        the end of the transaction), so parallel uploads cannot pass the per-citizen bound together."""
        if dialect_name(self.session) == "postgresql":
            key = f"dvc-documents:{owner_sub}"
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key}
            )

    async def unattached(self, owner_sub: str) -> int:
        """How many uploads of this citizen no submission has used yet."""
        q = select(func.count()).select_from(documents)
        q = q.where(documents.c.owner_sub == owner_sub, documents.c.dossier_code.is_(None))
        return int(await self.session.scalar(q) or 0)

    async def lock(self, ids: list[str]) -> dict[str, Any]:
        """These documents, locked until the transaction ends (two submissions cannot both attach one)."""
        if not ids:
            return {}
        q = select(documents).where(documents.c.id.in_(ids)).with_for_update()
        return {r.id: r for r in (await self.session.execute(q)).all()}

    async def attach(self, document_id: str, dossier_code: str, name: str, at: datetime) -> None:
        await self.session.execute(
            update(documents)
            .where(documents.c.id == document_id)
            .values(dossier_code=dossier_code, name=name, attached_at=at)
        )

    async def of_dossier(self, dossier_code: str) -> list[Any]:
        q = (
            select(documents)
            .where(documents.c.dossier_code == dossier_code)
            .order_by(documents.c.attached_at)
        )
        return list((await self.session.execute(q)).all())

    async def take_unattached_before(self, before: datetime, limit: int) -> list[Any]:
        """Delete up to ``limit`` uploads no submission took, uploaded before ``before``; answers the deleted
        rows (id, storage_key). The rows are locked first (``SKIP LOCKED``: one held by a submission attaching
        it, or by another replica sweeping, is left), and the delete checks again that they are unattached."""
        q = (
            select(documents.c.id)
            .where(documents.c.dossier_code.is_(None), documents.c.uploaded_at < before)
            .order_by(documents.c.uploaded_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list((await self.session.execute(q)).scalars())
        if not ids:
            return []
        gone = (
            delete(documents)
            .where(documents.c.id.in_(ids), documents.c.dossier_code.is_(None))
            .returning(documents.c.id, documents.c.storage_key)
        )
        return list((await self.session.execute(gone)).all())
