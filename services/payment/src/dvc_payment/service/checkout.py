"""Checkout: paying an intent through a provider. The provider call never runs inside a database transaction:
the attempt is opened and committed, the provider is called, then its answer is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dvc_contracts import clock
from dvc_payment.adapters.providers.base import CheckoutRequest, Provider, ProviderError
from dvc_payment.domain.access import PayAccess, check_attempts
from dvc_payment.domain.model import AttemptStatus, PaymentError, PaymentStatus, check_payable
from dvc_payment.service.common import Policy, UowFactory, Urls, log, new_attempt_ref, transition


@dataclass(frozen=True)
class CheckoutResult:
    payment_id: str
    provider: str
    ref: str
    pay_url: str
    amount_vnd: int
    expires_at: datetime


async def start_checkout(
    uow_factory: UowFactory,
    providers: dict[str, Provider],
    payment_id: str,
    provider_name: str,
    *,
    urls: Urls,
    client_ip: str,
    policy: Policy,
    access: PayAccess | None = None,
) -> CheckoutResult:
    """``access``: how the caller was let in (a signed link, or a citizen token checked against the intent's
    owner here); None when the caller already proved the right another way (a fine's three facts)."""
    actor = access.actor if access is not None else "citizen"
    provider = providers.get(provider_name)
    if provider is None:
        raise PaymentError("unknown_provider", f"Không hỗ trợ kênh thanh toán '{provider_name}'.")
    now = clock.now()
    ref = new_attempt_ref()
    p = await _open_attempt(
        uow_factory, payment_id, provider_name, ref, access=access, policy=policy, now=now
    )
    request = CheckoutRequest(
        ref=ref,
        payment_id=p.id,
        amount_vnd=p.amount_vnd,
        description=p.description,
        return_url=urls.return_url(p.id, p.expires_at),
        notify_url=urls.notify_url(provider_name),
        created_at=now,
        expires_at=p.expires_at,
        client_ip=client_ip,
    )
    try:
        checkout = await provider.checkout(request)
    except ProviderError as exc:
        await _checkout_failed(uow_factory, p.id, provider_name, ref, exc, now=now)
        raise PaymentError(
            "provider_unavailable",
            f"{provider.display_name} tạm thời không phản hồi, vui lòng chọn kênh khác.",
        ) from exc
    p = await _checkout_started(
        uow_factory, payment_id, provider_name, ref, actor=actor, policy=policy, now=now
    )
    log.info("payment.checkout_started", payment_id=p.id, provider=provider_name, ref=ref)
    return CheckoutResult(
        p.id, provider_name, ref, urls.absolute(checkout.pay_url), p.amount_vnd, p.expires_at
    )


async def _open_attempt(
    uow_factory: UowFactory,
    payment_id: str,
    provider_name: str,
    ref: str,
    *,
    access: PayAccess | None,
    policy: Policy,
    now: datetime,
) -> Any:
    """Open (and commit) an attempt on a payable intent the caller may pay; returns the intent."""
    async with uow_factory() as uow:
        p = await uow.payments.get(payment_id, for_update=True)
        if p is None:
            raise PaymentError("not_found", f"Không tìm thấy khoản thanh toán {payment_id}.")
        if access is not None:
            access.check(p.owner_sub)
        check_payable(p.status, p.expires_at, now)
        check_attempts(await uow.attempts.count_for(p.id), policy.max_attempts)
        await uow.attempts.add(
            {
                "ref": ref,
                "payment_id": p.id,
                "provider": provider_name,
                "amount_vnd": p.amount_vnd,
                "status": AttemptStatus.OPEN.value,
                "created_at": now,
                "updated_at": now,
                "polls": 0,
            }
        )
        await uow.commit()
    return p


async def _checkout_failed(
    uow_factory: UowFactory,
    payment_id: str,
    provider_name: str,
    ref: str,
    exc: ProviderError,
    *,
    now: datetime,
) -> None:
    """The provider did not take the order: the attempt is failed (nothing to reconcile)."""
    log.warning(
        "payment.checkout_failed", payment_id=payment_id, provider=provider_name, error=str(exc)[:300]
    )
    async with uow_factory() as uow:
        await uow.attempts.update(
            ref, status=AttemptStatus.FAILED.value, failure_reason="provider_error", updated_at=now
        )
        await uow.commit()


async def _checkout_started(
    uow_factory: UowFactory,
    payment_id: str,
    provider_name: str,
    ref: str,
    *,
    actor: str,
    policy: Policy,
    now: datetime,
) -> Any:
    """The provider took the order: the intent, if still payable, is pending; returns it as read before."""
    async with uow_factory() as uow:
        p = await uow.payments.get(payment_id, for_update=True)
        later = clock.now()
        # From now on the provider knows the order: reconciliation asks about it until it is settled.
        await uow.attempts.update(ref, next_poll_at=now + policy.reconcile_interval, updated_at=later)
        try:
            check_payable(p.status, p.expires_at, later)
        except PaymentError:
            await uow.commit()
            raise
        await transition(
            uow, p, PaymentStatus.PENDING, action="checkout", actor=actor, now=later,
            provider=provider_name, attempt_ref=ref,
        )  # fmt: skip
        await uow.commit()
    return p
