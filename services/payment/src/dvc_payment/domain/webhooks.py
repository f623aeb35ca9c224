"""Webhooks for agencies and refunds by staff: the rules, pure Python (no I/O).

- **Signature** (as Stripe and GitHub do it): ``X-DVC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
  "<t>.<body>")>``; ``t`` is the time of the attempt, the body is the same bytes on every attempt.
- **Rotation**: an endpoint's secret is replaced at once by a new one; for a grace period the previous secret
  still signs too, so the header carries two ``v1`` (the new secret's first): ``t=…,v1=<new>,v1=<old>``. A
  receiver accepts the delivery when any ``v1`` matches a secret it holds, and switches to the new secret
  within the grace period.
- **Backoff**: attempt n (1-based) failed → wait ``min(cap, base × 2^(n-1))``, of which a random half is
  jitter (so receivers that come back are not hit by every sender at the same instant); after ``max_attempts``
  the delivery is ``failed``.
- **Who**: an agency manages the endpoints of its own agency code, within the province its token names (all
  provinces for a nationwide agency); an operator those of any agency in their province (any, national).
  Refunds: an operator of the payment's province, or a national operator.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from dvc_contracts import units
from dvc_payment.domain.model import PaymentError
from dvckit.auth.jwt import Principal

SIGNATURE_HEADER = "X-DVC-Signature"
DELIVERY_HEADER = "X-DVC-Delivery"
EVENT_HEADER = "X-DVC-Event"
AGENCY_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,63}$")


class WebhookEvent(StrEnum):
    SUCCEEDED = "payment.succeeded"
    FAILED = "payment.failed"
    EXPIRED = "payment.expired"
    REFUNDED = "payment.refunded"
    REFUND_FAILED = "payment.refund_failed"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


# --- signing ------------------------------------------------------------------------------------------------


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature(secret: str, timestamp: int, body: bytes, *, previous: str | None = None) -> str:
    """The ``X-DVC-Signature`` header value for ``body`` sent at ``timestamp``; during a rotation's grace
    period ``previous`` signs too (a second ``v1``, after the current secret's)."""
    macs = [_mac(s, timestamp, body) for s in (secret, previous) if s]
    return ",".join([f"t={timestamp}", *(f"v1={m}" for m in macs)])


@dataclass(frozen=True)
class SigningSecrets:
    """An endpoint's secret, and the previous one while its grace period runs (``until``, exclusive)."""

    current: str
    previous: str | None = None
    until: datetime | None = None

    def previous_at(self, now: datetime) -> str | None:
        """The previous secret if it still signs at ``now``."""
        return self.previous if self.previous and self.until is not None and now < self.until else None

    def sign(self, timestamp: int, body: bytes, now: datetime) -> str:
        return signature(self.current, timestamp, body, previous=self.previous_at(now))

    def rotate(self, new: str, now: datetime, grace: timedelta) -> SigningSecrets:
        """``new`` signs from now on; the current one too until ``now + grace`` (0: not at all). A secret that
        was still in an earlier grace period stops signing now."""
        return SigningSecrets(new, self.current if grace > timedelta(0) else None, now + grace)


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (docs): the timestamp is recent and one ``v1`` matches (constant-time compare)."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance:
        return False
    expected = _mac(secret, int(stamps[0]), body)
    return any(k.strip() == "v1" and hmac.compare_digest(v, expected) for k, v in parts)


# --- retries ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backoff:
    base_seconds: float = 10.0
    cap_seconds: float = 3600.0
    max_attempts: int = 10

    def ceiling(self, attempt: int) -> float:
        """The longest wait after failed attempt number ``attempt`` (1-based)."""
        return min(self.cap_seconds, self.base_seconds * 2 ** min(max(attempt - 1, 0), 30))

    def delay(self, attempt: int, rand: random.Random | None = None) -> timedelta:
        """Wait after failed attempt ``attempt``: between half the ceiling and the ceiling ("equal jitter")."""
        ceiling = self.ceiling(attempt)
        return timedelta(seconds=ceiling / 2 + (rand or random).uniform(0, ceiling / 2))

    def gives_up(self, attempt: int) -> bool:
        return attempt >= self.max_attempts


# --- endpoint URLs ------------------------------------------------------------------------------------------


def check_url(url: str, *, production: bool, max_length: int) -> None:
    """An endpoint URL we are willing to call: https (http only to the loopback outside production), a host,
    no credentials, not longer than ``max_length``; in production no IP literal of a private network."""
    if len(url) > max_length:
        raise PaymentError("invalid_url", f"URL dài quá {max_length} ký tự.")
    invalid = PaymentError(
        "invalid_url", "URL không hợp lệ (cần https://máy-chủ/đường-dẫn, không kèm mật khẩu)."
    )
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port  # a port that is not a number raises here
    except ValueError as exc:
        raise invalid from exc
    if not host or parts.username or parts.password or parts.fragment or any(c.isspace() for c in url):
        raise invalid
    loopback = _is_loopback(host)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback and not production):
        raise PaymentError("insecure_url", "Địa chỉ nhận webhook phải dùng https://.")
    if production and _is_private(host):
        raise PaymentError("invalid_url", "Địa chỉ nhận webhook không được là địa chỉ mạng nội bộ.")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_loopback(host: str) -> bool:
    ip = _ip(host)
    return host.lower() == "localhost" or (ip is not None and ip.is_loopback)


def _is_private(host: str) -> bool:
    ip = _ip(host)
    return _is_loopback(host) or (ip is not None and (ip.is_private or ip.is_link_local or ip.is_reserved))


# --- who may do what ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The payments an endpoint hears about: those collected for ``agency_code`` in ``province_code`` (None:
    every province)."""

    agency_code: str
    province_code: str | None

    def covers(self, agency_code: str | None, province_code: str | None) -> bool:
        return agency_code == self.agency_code and (
            self.province_code is None or units.today(province_code) == self.province_code
        )


def _forbidden(message: str) -> PaymentError:
    return PaymentError("forbidden", message)


def scope_for(who: Principal, agency_code: str | None, province_code: str | None) -> Scope:
    """The scope a caller may register an endpoint for (what it asked, checked against its token)."""
    province = units.today(province_code)
    if who.role == "agency":
        if not who.agency:
            raise _forbidden("Token của cơ quan không ghi mã cơ quan (agency).")
        if agency_code is not None and agency_code.upper() != who.agency.upper():
            raise _forbidden(f"Cơ quan {who.agency} chỉ đăng ký webhook cho các khoản thu của chính mình.")
        agency_code = who.agency
    elif who.role == "operator":
        if not agency_code:
            raise PaymentError("agency_code_required", "Cần mã cơ quan (agency_code) nhận webhook.")
    else:
        raise _forbidden("Chỉ cơ quan hoặc cán bộ vận hành được đăng ký webhook.")
    if who.province is not None:
        if province is not None and province != who.province:
            raise _forbidden(f"Tài khoản này chỉ được đăng ký webhook cho tỉnh/thành {who.province}.")
        province = who.province
    code = agency_code.upper()
    if not AGENCY_CODE.match(code):
        raise PaymentError("invalid_agency_code", "Mã cơ quan không hợp lệ.")
    return Scope(code, province)


def sees(who: Principal, scope: Scope) -> bool:
    """May this caller see (and remove) an endpoint of ``scope`` and its deliveries?"""
    in_province = who.province is None or who.province == scope.province_code
    if who.role == "agency":
        return who.agency is not None and who.agency.upper() == scope.agency_code and in_province
    return who.role == "operator" and in_province


def may_refund(who: Principal, payment_province: str | None) -> bool:
    """Refunds by API: an operator of the payment's province (today's unit), or a national operator."""
    return who.role == "operator" and (who.province is None or who.province == units.today(payment_province))
