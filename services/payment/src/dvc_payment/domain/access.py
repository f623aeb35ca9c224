"""Who may start paying an intent (open its pay page, create provider orders): the citizen who owns it (their
token's ``sub``), or whoever holds a pay link the service signed. Pure Python, no I/O.

A pay link is ``/payments/{id}/pay?exp=<unix seconds>&sig=<hex>``, ``sig`` = HMAC-SHA256(secret,
"{payment id}.{exp}"), valid until ``exp`` (the intent's expiry). Links are given only to those entitled to
them: the agency that created the intent, the citizen who proved the three facts of a fine, the owner.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime

from dvc_payment.domain.model import PaymentError


@dataclass(frozen=True)
class PayLinkSigner:
    secret: bytes

    def signature(self, payment_id: str, exp: int) -> str:
        return hmac.new(self.secret, f"{payment_id}.{exp}".encode(), hashlib.sha256).hexdigest()

    def params(self, payment_id: str, until: datetime) -> dict[str, str]:
        exp = math.ceil(until.timestamp())
        return {"exp": str(exp), "sig": self.signature(payment_id, exp)}

    def check(self, payment_id: str, exp: str | None, sig: str | None, now: datetime) -> None:
        """Raise PaymentError (pay_link_invalid | pay_link_expired) unless ``exp``/``sig`` is a link we signed
        for this intent and it has not expired."""
        if not exp or not sig or not exp.isdigit() or len(exp) > 12:
            raise PaymentError("pay_link_invalid", LINK_INVALID)
        expected = self.signature(payment_id, int(exp))
        if not hmac.compare_digest(expected.encode(), sig.strip().lower().encode()):
            raise PaymentError("pay_link_invalid", LINK_INVALID)
        if now.timestamp() > int(exp):
            raise PaymentError("pay_link_expired", "Liên kết thanh toán đã hết hạn.")


LINK_INVALID = "Liên kết thanh toán không hợp lệ. Vui lòng mở lại liên kết được cấp cho bạn."


@dataclass(frozen=True)
class PayAccess:
    """How the caller was let in: a valid signed link, or a citizen token (``owner_sub``, checked against the
    intent once it is read)."""

    owner_sub: str | None = None

    @classmethod
    def by_link(cls) -> PayAccess:
        return cls()

    @classmethod
    def by_owner(cls, sub: str) -> PayAccess:
        return cls(owner_sub=sub)

    @property
    def actor(self) -> str:
        return "citizen:pay_link" if self.owner_sub is None else "citizen:owner"

    def check(self, intent_owner: str | None) -> None:
        """Raise PaymentError(not_owner) if a citizen token is not the intent's owner's."""
        if self.owner_sub is not None and self.owner_sub != intent_owner:
            raise PaymentError("not_owner", "Khoản thanh toán này không thuộc tài khoản của bạn.")


def check_attempts(count: int, limit: int) -> None:
    if count >= limit:
        raise PaymentError(
            "too_many_attempts",
            "Khoản thanh toán này đã được thử quá nhiều lần, vui lòng liên hệ cơ quan tiếp nhận.",
        )
