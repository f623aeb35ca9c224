"""The queries on SMS messages: creating them, the sender's claims and outcomes, the operators' search, and
the sandbox provider's handset."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from dvc_notify.adapters.orm import messages, sandbox_inbox
from dvc_notify.adapters.sql import among, dialect_insert
from dvckit.db import dialect_name

_PENDING_SERVICES_PG = text(
    """
    WITH RECURSIVE s(svc) AS (
        (SELECT sending_service FROM sms_messages WHERE next_attempt_at IS NOT NULL
         ORDER BY sending_service LIMIT 1)
        UNION ALL
        SELECT (SELECT m.sending_service FROM sms_messages m
                WHERE m.next_attempt_at IS NOT NULL AND m.sending_service > s.svc
                ORDER BY m.sending_service LIMIT 1)
        FROM s WHERE s.svc IS NOT NULL
    )
    SELECT svc FROM s WHERE svc IS NOT NULL
    """
)


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_once(self, values: dict[str, Any]) -> bool:
        """Insert unless this (trigger event, template) already has a message. True if inserted."""
        result: Any = await self.session.execute(
            dialect_insert(self.session, messages)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["trigger_event_id", "template"])
        )
        return bool(result.rowcount)

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Insert in one statement, skipping (trigger event, template) pairs that already have a message.
        Returns the ids inserted. Every row must have the same keys."""
        if not rows:
            return set()
        # executemany with RETURNING: compiled once (cached), sent as multi-row VALUES batches.
        stmt = (
            dialect_insert(self.session, messages)
            .on_conflict_do_nothing(index_elements=["trigger_event_id", "template"])
            .returning(messages.c.id)
        )
        return set((await self.session.execute(stmt, list(rows))).scalars().all())

    async def get(self, message_id: str) -> Any:
        return (await self.session.execute(select(messages).where(messages.c.id == message_id))).first()

    async def get_by_provider_ref(self, provider: str, provider_ref: str) -> Any:
        q = select(messages).where(messages.c.provider == provider, messages.c.provider_ref == provider_ref)
        return (await self.session.execute(q.limit(1))).first()

    # --- the sender ---------------------------------------------------------------------------------

    async def pending_services(self) -> list[str]:
        """Sending services with messages waiting (due or not yet). On PostgreSQL a loose index scan of
        ``ix_sms_messages_due``: one index probe per service, however many messages wait."""
        if dialect_name(self.session) == "postgresql":
            return list((await self.session.execute(_PENDING_SERVICES_PG)).scalars().all())
        q = select(messages.c.sending_service).where(messages.c.next_attempt_at.is_not(None)).distinct()
        return list((await self.session.execute(q)).scalars().all())

    async def claim_due(self, sending_service: str, now: datetime, limit: int) -> list[Any]:
        """Due messages of one sending service, oldest first, locked (SKIP LOCKED: senders never collide)."""
        q = (
            select(messages)
            .where(messages.c.sending_service == sending_service, messages.c.next_attempt_at <= now)
            .order_by(messages.c.next_attempt_at)
            .limit(limit)
        )
        if dialect_name(self.session) == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return list((await self.session.execute(q)).all())

    async def claim_stale_sending(self, older_than: datetime, limit: int) -> list[Any]:
        q = (
            select(messages)
            .where(messages.c.status == "sending", messages.c.claimed_at < older_than)
            .order_by(messages.c.claimed_at)
            .limit(limit)
        )
        if dialect_name(self.session) == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return list((await self.session.execute(q)).all())

    async def hold(self, ids: Sequence[str], until: datetime, now: datetime) -> None:
        if ids:
            await self.session.execute(
                update(messages)
                .where(among(self.session, messages.c.id, ids))
                .values(next_attempt_at=until, updated_at=now)
            )

    async def mark_sending(self, ids: Sequence[str], provider: str, now: datetime) -> None:
        """Claimed for a remote provider: the call happens after this commits."""
        if ids:
            await self.session.execute(
                update(messages)
                .where(among(self.session, messages.c.id, ids))
                .values(
                    status="sending",
                    provider=provider,
                    claimed_at=now,
                    attempts=messages.c.attempts + 1,
                    next_attempt_at=None,
                    pinned_provider=None,
                    updated_at=now,
                )
            )

    async def mark_sent_many(self, ids: Sequence[str], provider: str, now: datetime) -> None:
        """Sent in this transaction by a provider whose reference is our message id (sandbox, Kafka
        channel): one UPDATE for the whole batch."""
        if ids:
            await self.session.execute(
                update(messages)
                .where(among(self.session, messages.c.id, ids))
                .values(
                    status="sent",
                    provider=provider,
                    provider_ref=messages.c.id,
                    attempts=messages.c.attempts + 1,
                    sent_at=now,
                    next_attempt_at=None,
                    claimed_at=None,
                    pinned_provider=None,
                    updated_at=now,
                )
            )

    async def finish_many(self, rows: Sequence[dict[str, Any]], now: datetime) -> None:
        """Final outcome decided before any send (opted out, over the daily limit).

        rows: {"_id", "_status", "_reason"}."""
        if rows:
            await self.session.execute(
                update(messages)
                .where(messages.c.id == bindparam("_id"))
                .values(
                    status=bindparam("_status"),
                    failure_reason=bindparam("_reason"),
                    failed_at=now,
                    next_attempt_at=None,
                    claimed_at=None,
                    updated_at=now,
                ),
                list(rows),
            )

    async def record_claimed(self, message_id: str, claim: datetime, values: dict[str, Any]) -> bool:
        """Record a remote send's outcome, only if this claim still holds the row (status sending,
        same claim time): a receipt may have moved it on already, or a recovery re-queued it."""
        result: Any = await self.session.execute(
            update(messages)
            .where(
                messages.c.id == message_id,
                messages.c.status == "sending",
                messages.c.claimed_at == claim,
            )
            .values(**values)
        )
        return bool(result.rowcount)

    async def set_provider_ref_if_missing(self, message_id: str, provider_ref: str) -> None:
        await self.session.execute(
            update(messages)
            .where(messages.c.id == message_id, messages.c.provider_ref.is_(None))
            .values(provider_ref=provider_ref)
        )

    async def transition(self, message_id: str, expected_status: str, **values: Any) -> bool:
        """Optimistic update: only if the status is still ``expected_status``."""
        result: Any = await self.session.execute(
            update(messages)
            .where(messages.c.id == message_id, messages.c.status == expected_status)
            .values(**values)
        )
        return bool(result.rowcount)

    # --- operators ----------------------------------------------------------------------------------

    async def search(
        self,
        *,
        dossier_code: str | None,
        status: str | None,
        limit: int,
        offset: int = 0,
        province: str | None = None,
        after: tuple[datetime, str] | None = None,
        phone: str | None = None,
    ) -> list[Any]:
        """Newest first. ``province``: only that province's messages (a province's operator); None: all of them.
        ``after``: only those after that (created_at, id) in this order (the key of a page: an index seek).
        ``phone``: only those sent to that number (E.164; a citizen's own)."""
        q = select(messages)
        if after is not None:
            created, message_id = after
            q = q.where(
                or_(
                    messages.c.created_at < created,
                    and_(messages.c.created_at == created, messages.c.id > message_id),
                )
            )
        if province is not None:
            q = q.where(messages.c.province_code == province)
        if dossier_code:
            q = q.where(messages.c.dossier_code == dossier_code)
        if phone is not None:
            q = q.where(messages.c.phone == phone)
        if status:
            q = q.where(messages.c.status == status)
        q = q.order_by(messages.c.created_at.desc(), messages.c.id).limit(limit).offset(offset)
        return list((await self.session.execute(q)).all())

    # --- the sandbox provider's "handset" -----------------------------------------------------------

    async def sandbox_deliver(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(sandbox_inbox.insert(), list(rows))

    async def sandbox_received(self, limit: int, offset: int = 0) -> list[Any]:
        q = select(sandbox_inbox).order_by(sandbox_inbox.c.received_at.desc(), sandbox_inbox.c.provider_ref)
        q = q.limit(limit).offset(offset)
        return list((await self.session.execute(q)).all())
