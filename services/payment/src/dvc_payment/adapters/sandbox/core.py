"""What the three sandboxes share: the providers' own transaction store, the citizen's choice on the pay page
(with a decline rate and test scenarios), the delayed signed callback with retries, refunds, and HTML.

The sandboxes are the gateways' side: they keep their own tables and talk to the payment service only over
HTTP (pay page → signed callback → status query / refund APIs), exactly as the real gateways do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dvc_contracts import clock
from dvc_payment.adapters.orm import sandbox_refunds, sandbox_transactions
from dvc_payment.adapters.providers.base import HttpPort
from dvc_payment.config import Settings
from dvckit.db import dialect_name
from dvckit.logging import get_logger

log = get_logger("dvc_payment.sandbox")

# Test scenarios offered on the sandbox pay pages (what a real gateway's test cards do).
SCENARIOS = {
    "normal": "Thanh toán bình thường (theo tỷ lệ từ chối đã cấu hình)",
    "decline": "Ngân hàng từ chối: tài khoản không đủ số dư",
    "no_ipn": "Thành công nhưng không gửi thông báo (IPN) — chỉ đối soát mới phát hiện",
    "slow": "Ngân hàng xử lý chậm (thành công sau vài giây, có IPN)",
    "slow_no_ipn": "Ngân hàng xử lý chậm, không gửi IPN",
}
Notifier = Callable[[Any], Awaitable[bool]]


class SandboxError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Branding:
    name: str
    color: str


class SandboxCore:
    def __init__(
        self, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], http: HttpPort
    ) -> None:
        self.settings = settings
        self.http = http
        self._sm = sessionmaker
        self._tasks: set[asyncio.Task[None]] = set()
        self._notifiers: dict[str, Notifier] = {}
        self._rng = random.SystemRandom()

    def register_notifier(self, provider: str, notifier: Notifier) -> None:
        self._notifiers[provider] = notifier

    # --- the providers' transaction store -----------------------------------------------------------------

    async def create(
        self,
        provider: str,
        ref: str,
        *,
        amount_vnd: int,
        order_info: str,
        return_url: str | None,
        notify_url: str | None,
        expires_at: datetime | None,
        extra: dict[str, Any] | None = None,
    ) -> Any:
        """Open an order (idempotent by reference; the same reference with another amount is refused)."""
        now = clock.now()
        t = sandbox_transactions
        async with self._sm() as session, session.begin():
            ins: Any = (postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert)(t)
            row = (
                await session.execute(
                    ins.values(
                        provider=provider,
                        ref=ref,
                        txn_id=_txn_id(provider),
                        amount_vnd=amount_vnd,
                        order_info=order_info,
                        status="created",
                        notify=True,
                        return_url=return_url,
                        notify_url=notify_url,
                        extra=json.dumps(extra or {}, ensure_ascii=False),
                        refunded_vnd=0,
                        created_at=now,
                        expires_at=expires_at,
                    )
                    .on_conflict_do_nothing()
                    .returning(*t.c)
                )
            ).first()
            if row is None:  # the reference exists: a repeat (same amount) or a clash (another amount)
                row = await self._settled(session, provider, ref, now)
        if row is None or row.amount_vnd != amount_vnd:
            raise SandboxError("duplicate_ref", "Mã giao dịch đã tồn tại với số tiền khác.")
        return row

    async def get(self, provider: str, ref: str) -> Any:
        """The order as the provider sees it now (a slow payment settles when its time has come)."""
        async with self._sm() as session, session.begin():
            return await self._settled(session, provider, ref, clock.now())

    @staticmethod
    async def _settled(
        session: AsyncSession, provider: str, ref: str, now: datetime, *, lock: bool = False
    ) -> Any:
        """The order in ``session``'s transaction; a slow payment whose time has come is settled first."""
        t = sandbox_transactions
        q = select(t).where(t.c.provider == provider, t.c.ref == ref)
        if lock and dialect_name(session) == "postgresql":
            q = q.with_for_update()
        row = (await session.execute(q)).first()
        if row is not None and row.status == "processing" and row.settle_at and row.settle_at <= now:
            row = (
                await session.execute(
                    update(t)
                    .where(t.c.provider == provider, t.c.ref == ref, t.c.status == "processing")
                    .values(status="success", completed_at=row.settle_at)
                    .returning(*t.c)
                )
            ).first() or (await session.execute(q)).first()
        return row

    async def find_by_txn(self, provider: str, txn_id: str) -> Any:
        t = sandbox_transactions
        async with self._sm() as session:
            return (
                await session.execute(select(t).where(t.c.provider == provider, t.c.txn_id == txn_id))
            ).first()

    @staticmethod
    def extra(row: Any) -> dict[str, Any]:
        value = json.loads(row.extra or "{}")
        return value if isinstance(value, dict) else {}

    async def complete(self, provider: str, ref: str, action: str, scenario: str) -> Any:
        """The citizen pressed "Thanh toán" or "Hủy" on the pay page (one transaction: read, decide, write)."""
        now = clock.now()
        s = self.settings
        t = sandbox_transactions
        async with self._sm() as session, session.begin():
            row = await self._settled(session, provider, ref, now, lock=True)
            if row is None:
                raise SandboxError("not_found", "Không tìm thấy giao dịch.")
            if row.status != "created":
                return row  # already done: a second click changes nothing
            values: dict[str, Any] = {"scenario": scenario, "completed_at": now}
            delay = s.sandbox_callback_delay_seconds
            if row.expires_at is not None and now > row.expires_at:
                values |= {"status": "failed", "result_code": "timeout"}
            elif action == "cancel":
                values |= {"status": "cancelled", "result_code": "cancelled"}
            elif scenario == "decline" or (
                scenario == "normal" and self._rng.random() < s.sandbox_decline_rate
            ):
                values |= {"status": "failed", "result_code": "insufficient_funds"}
            elif scenario in ("slow", "slow_no_ipn"):
                values |= {
                    "status": "processing",
                    "completed_at": None,
                    "settle_at": now + timedelta(seconds=s.sandbox_slow_seconds),
                    "notify": scenario == "slow",
                }
                delay += s.sandbox_slow_seconds
            else:
                values |= {"status": "success", "notify": scenario != "no_ipn"}
            row = (
                await session.execute(
                    update(t)
                    .where(t.c.provider == provider, t.c.ref == ref, t.c.status == "created")
                    .values(**values)
                    .returning(*t.c)
                )
            ).first() or await self._settled(session, provider, ref, now)
        log.info(
            "sandbox.payment_completed",
            provider=provider,
            ref=ref,
            status=values["status"],
            scenario=scenario,
        )
        # With no delay the callback goes out with the row just written (committed), not a fresh read.
        self.schedule_notify(provider, ref, delay, row if delay <= 0 else None)
        return row

    async def refund(self, provider: str, request_id: str, ref: str, amount_vnd: int) -> Any:
        """Refund (all or part of) a paid order; idempotent by the merchant's request id."""
        r, t = sandbox_refunds, sandbox_transactions
        async with self._sm() as session, session.begin():
            found = (
                await session.execute(select(r).where(r.c.provider == provider, r.c.request_id == request_id))
            ).first()
            if found is not None:
                return found
            txn = (await session.execute(select(t).where(t.c.provider == provider, t.c.ref == ref))).first()
            status, reason = "success", None
            if txn is None or txn.status != "success":
                status, reason = "rejected", "not_paid"
            elif amount_vnd <= 0 or amount_vnd > txn.amount_vnd - txn.refunded_vnd:
                status, reason = "rejected", "amount_exceeds"
            else:
                await session.execute(
                    update(t)
                    .where(t.c.provider == provider, t.c.ref == ref)
                    .values(refunded_vnd=txn.refunded_vnd + amount_vnd)
                )
            await session.execute(
                insert(r).values(
                    provider=provider,
                    request_id=request_id,
                    ref=ref,
                    refund_txn_id=_txn_id(provider),
                    amount_vnd=amount_vnd,
                    status=status,
                    reason=reason,
                    created_at=clock.now(),
                )
            )
            found = (
                await session.execute(select(r).where(r.c.provider == provider, r.c.request_id == request_id))
            ).first()
        log.info("sandbox.refund", provider=provider, ref=ref, status=status, amount_vnd=amount_vnd)
        return found

    # --- the signed callback, later ----------------------------------------------------------------------

    def schedule_notify(self, provider: str, ref: str, delay: float, row: Any = None) -> None:
        """Send the signed callback ``delay`` seconds from now; ``row``: the order as just committed (first
        try only; retries read it again)."""
        task = asyncio.get_running_loop().create_task(self._notify_later(provider, ref, delay, row))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _notify_later(self, provider: str, ref: str, delay: float, fresh: Any = None) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        for attempt in range(4):
            row, fresh = (fresh if fresh is not None else await self.get(provider, ref)), None
            if row is None or not row.notify or row.status in ("created", "processing"):
                return
            try:
                if await self._notifiers[provider](row):
                    return
            except Exception as exc:
                log.warning("sandbox.callback_failed", provider=provider, ref=ref, error=repr(exc)[:200])
            await asyncio.sleep(0.5 * 2**attempt)
        log.warning("sandbox.callback_given_up", provider=provider, ref=ref)

    async def run(self) -> None:
        """Background task: keeps the sandbox's pending callbacks tied to the app's lifetime."""
        try:
            await asyncio.Event().wait()
        finally:
            await self.cancel_pending()

    async def cancel_pending(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task


def _txn_id(provider: str) -> str:
    digits = "".join(secrets.choice("0123456789") for _ in range(12))
    return {"momo": "4" + digits, "paygov": "PG" + digits}.get(provider, digits)


# --- HTML --------------------------------------------------------------------------------------------------
