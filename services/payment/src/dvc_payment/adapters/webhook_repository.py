"""Webhook queries: endpoints, deliveries (the outbox of agency webhooks), their attempts, and the agency of
each procedure. The unit of work commits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from dvc_payment.adapters.orm import (
    procedure_agencies,
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
)
from dvc_payment.adapters.repository import _Repo
from dvc_payment.domain.webhooks import DeliveryStatus, Scope, SigningSecrets

E, D, A = webhook_endpoints, webhook_deliveries, webhook_attempts


def _in_scope(table: Any, agency: str | None, province: str | None) -> list[Any]:
    """Filters for what a caller sees: an agency code and/or a province (None: any)."""
    return ([table.c.agency_code == agency] if agency else []) + (
        [table.c.province_code == province] if province else []
    )


class WebhookRepository(_Repo):
    # --- endpoints --------------------------------------------------------------------------------------
    async def add_endpoint(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(E).values(**values))

    async def endpoint(self, endpoint_id: str, *, for_update: bool = False) -> Any:
        q = select(E).where(E.c.id == endpoint_id)
        return await self._first(self._locked(q) if for_update else q)

    async def count_active(self, scope: Scope) -> int:
        q = (
            select(func.count())
            .select_from(E)
            .where(
                E.c.agency_code == scope.agency_code,
                E.c.province_code.is_(None)
                if scope.province_code is None
                else E.c.province_code == scope.province_code,
                E.c.disabled_at.is_(None),
            )
        )
        return int(await self.session.scalar(q) or 0)

    async def endpoints(
        self, *, agency: str | None, province: str | None, limit: int, offset: int
    ) -> list[Any]:
        where = [*_in_scope(E, agency, province), E.c.disabled_at.is_(None)]
        q = select(E).where(*where).order_by(E.c.created_at, E.c.id).limit(limit).offset(offset)
        return list((await self.session.execute(q)).all())

    async def rotate(self, endpoint_id: str, secrets: SigningSecrets) -> None:
        await self.session.execute(
            update(E)
            .where(E.c.id == endpoint_id)
            .values(
                secret=secrets.current, previous_secret=secrets.previous, previous_secret_until=secrets.until
            )
        )

    async def disable(self, endpoint_id: str, at: datetime) -> None:
        await self.session.execute(update(E).where(E.c.id == endpoint_id).values(disabled_at=at))

    async def listening(self, agency_code: str) -> list[Any]:
        """Active endpoints of an agency (the caller filters by province and event type)."""
        q = select(E).where(E.c.agency_code == agency_code, E.c.disabled_at.is_(None)).order_by(E.c.id)
        return list((await self.session.execute(q)).all())

    # --- deliveries -------------------------------------------------------------------------------------
    async def add_deliveries(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(D), rows)

    async def delivery(self, delivery_id: str, *, for_update: bool = False) -> Any:
        q = select(D).where(D.c.id == delivery_id)
        return await self._first(self._locked(q) if for_update else q)

    async def update_delivery(self, delivery_id: str, **values: Any) -> None:
        await self.session.execute(update(D).where(D.c.id == delivery_id).values(**values))

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Any]:
        """Pending deliveries due now, leased (next_attempt_at moved on) so that one sender sends each; a sender
        that dies leaves the lease to run out and the delivery to be sent again."""
        q = (
            select(D)
            .where(D.c.status == DeliveryStatus.PENDING.value, D.c.next_attempt_at <= now)
            .order_by(D.c.next_attempt_at)
            .limit(limit)
        )
        rows = list((await self.session.execute(self._locked(q, skip_locked=True))).all())
        if rows:
            await self.session.execute(
                update(D).where(D.c.id.in_([r.id for r in rows])).values(next_attempt_at=now + lease)
            )
        return rows

    async def deliveries(
        self,
        *,
        agency: str | None,
        province: str | None,
        status: str | None,
        payment_id: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Any], int]:
        where = _in_scope(D, agency, province)
        where += [D.c.status == status] if status else []
        where += [D.c.payment_id == payment_id] if payment_id else []
        total = int(await self.session.scalar(select(func.count()).select_from(D).where(*where)) or 0)
        q = select(D).where(*where).order_by(D.c.created_at.desc(), D.c.id).limit(limit).offset(offset)
        return list((await self.session.execute(q)).all()), total

    async def prune_log(self, before: datetime, batch: int) -> int:
        """Up to ``batch`` finished deliveries (delivered or failed) made before ``before``, with their attempts;
        how many deliveries went. Pending ones stay, however old."""
        old = (
            select(D.c.id)
            .where(D.c.created_at < before, D.c.status != DeliveryStatus.PENDING.value)
            .order_by(D.c.created_at)
            .limit(batch)
        )
        ids = list((await self.session.execute(old)).scalars())
        if ids:
            await self.session.execute(delete(A).where(A.c.delivery_id.in_(ids)))
            await self.session.execute(delete(D).where(D.c.id.in_(ids)))
        return len(ids)

    # --- attempts ---------------------------------------------------------------------------------------
    async def add_attempt(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(A).values(**values))

    async def attempts_of(self, delivery_ids: list[str]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {d: [] for d in delivery_ids}
        if delivery_ids:
            q = select(A).where(A.c.delivery_id.in_(delivery_ids)).order_by(A.c.id)
            for row in (await self.session.execute(q)).all():
                out[row.delivery_id].append(row)
        return out

    # --- the agency of each procedure --------------------------------------------------------------------
    async def procedure_agency(self, procedure_code: str | None) -> str | None:
        if not procedure_code:
            return None
        q = select(procedure_agencies.c.agency_code).where(
            procedure_agencies.c.procedure_code == procedure_code
        )
        return await self.session.scalar(q)

    async def set_procedure_agency(self, procedure_code: str, agency_code: str, version: int) -> None:
        """Keep the newest version's agency (versions may arrive out of order)."""
        t = procedure_agencies
        stmt = (
            self._insert(t)
            .values(procedure_code=procedure_code, agency_code=agency_code, version=version)
            .on_conflict_do_update(
                index_elements=[t.c.procedure_code],
                set_={"agency_code": agency_code, "version": version},
                where=t.c.version <= version,
            )
        )
        await self.session.execute(stmt)
