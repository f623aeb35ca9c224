"""The send API's queries: keys, and the notifications it accepted (with their message's status)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dvc_notify.adapters.orm import api_keys, api_notifications, messages
from dvc_notify.adapters.sql import dialect_insert


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, values: dict[str, Any]) -> None:
        await self.session.execute(api_keys.insert().values(**values))

    async def get(self, key_id: str) -> Any:
        return (await self.session.execute(select(api_keys).where(api_keys.c.id == key_id))).first()

    async def page(
        self, *, service: str | None, include_revoked: bool, limit: int, offset: int
    ) -> tuple[list[Any], int]:
        """Newest first, and how many there are in all."""
        where = []
        if service is not None:
            where.append(api_keys.c.service == service)
        if not include_revoked:
            where.append(api_keys.c.revoked_at.is_(None))
        q = select(api_keys).where(*where).order_by(api_keys.c.created_at.desc(), api_keys.c.id)
        rows = list((await self.session.execute(q.limit(limit).offset(offset))).all())
        total = (
            await self.session.execute(select(func.count()).select_from(api_keys).where(*where))
        ).scalar()
        return rows, int(total or 0)

    async def revoke(self, key_id: str, by: str | None, now: datetime) -> None:
        """Revoked once: a second revocation keeps the first time and author."""
        await self.session.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by=by)
        )


_VIEW = (
    *api_notifications.c,
    messages.c.status.label("message_status"),
    messages.c.phone.label("message_phone"),
    messages.c.failure_reason,
    messages.c.sent_at,
    messages.c.delivered_at,
    messages.c.failed_at,
)


class ApiNotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_once(self, values: dict[str, Any]) -> bool:
        """Insert unless the (service, key type, reference) is taken. A concurrent insert of the same reference
        waits for the first transaction and then inserts nothing. True if inserted."""
        result: Any = await self.session.execute(
            dialect_insert(self.session, api_notifications)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["service", "key_type", "reference"])
        )
        return bool(result.rowcount)

    async def by_reference(self, service: str, key_type: str, reference: str) -> Any:
        q = select(api_notifications).where(
            api_notifications.c.service == service,
            api_notifications.c.key_type == key_type,
            api_notifications.c.reference == reference,
        )
        return (await self.session.execute(q)).first()

    async def set_message(self, notification_id: str, message_id: str | None) -> None:
        await self.session.execute(
            update(api_notifications)
            .where(api_notifications.c.id == notification_id)
            .values(message_id=message_id)
        )

    async def message_id(self, trigger_event_id: str, template: str) -> str | None:
        q = select(messages.c.id).where(
            messages.c.trigger_event_id == trigger_event_id, messages.c.template == template
        )
        return (await self.session.execute(q)).scalar_one_or_none()

    async def view(self, notification_id: str, service: str) -> Any:
        """A notification of ``service`` (another service's is None), with its message's status."""
        q = (
            select(*_VIEW)
            .select_from(
                api_notifications.outerjoin(messages, messages.c.id == api_notifications.c.message_id)
            )
            .where(api_notifications.c.id == notification_id, api_notifications.c.service == service)
        )
        return (await self.session.execute(q)).first()
