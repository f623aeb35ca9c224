"""What the sender's parts share (``sender``, ``sender_claim``, ``sender_dispatch``, ``sender_record``): its
clock, its settings, the report of one pass, and a message handed to an HTTP gateway."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from dvc_contracts import clock
from dvc_notify.adapters.providers.base import OutgoingSms, RemoteProvider


class Clock(Protocol):
    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...


class SystemClock:
    def now(self) -> datetime:
        return clock.now()

    def monotonic(self) -> float:
        return time.monotonic()


@dataclass(frozen=True)
class SenderConfig:
    default_order: tuple[str, ...]
    carrier_routes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    batch_size: int = 500
    max_attempts: int = 5
    retry_base_seconds: float = 2.0
    retry_cap_seconds: float = 300.0
    claim_timeout_seconds: float = 60.0
    hold_seconds: float = 1.0
    http_concurrency: int = 64
    max_inflight_batches: int = 4
    services_refresh_seconds: float = 1.0
    recovery_every_seconds: float = 5.0


@dataclass
class PassReport:
    sent: int = 0  # accepted by a provider in this pass
    failed: int = 0  # final failures decided in this pass
    retrying: int = 0
    held: int = 0
    remote: int = 0  # handed to HTTP gateways
    rate_limited: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.retrying + self.held


@dataclass(frozen=True)
class RemoteJob:
    row: Any
    provider: RemoteProvider
    sms: OutgoingSms
    claimed_at: datetime


def outgoing(row: Any) -> OutgoingSms:
    return OutgoingSms(
        message_id=row.id, phone=row.phone, text=row.text, encoding=row.encoding, segments=row.segments
    )
