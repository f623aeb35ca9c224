"""What notify's operator routes answer (dvckit.schemas); the integrators' API (templates, send, keys) has its
models in api_models.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from dvc_notify.entrypoints.api_models import Encoding
from dvckit.schemas import Out, Sparse


class EstimateOut(Out):
    encoding: Encoding
    segments: int
    characters: int = Field(description="GSM-7 septets or UCS-2 code units")
    text: str = Field(description="exactly the text that would be sent")


class MessageOut(Out):
    """One SMS (the number masked)."""

    id: str
    dossier_code: str | None
    province_code: str | None
    phone: str | None = Field(description="masked; None: the number was invalid")
    template: str
    text: str
    encoding: str
    segments: int
    provider: str | None
    status: str
    failure_reason: str | None
    sending_service: str = Field(description="notify (the portal's own SMS) or the API key's service")
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None


class ReceiptOut(Out):
    provider: str
    provider_ref: str | None
    status: str
    error_code: str | None
    outcome: str = Field(description="what the receipt did to the message")
    reported_at: datetime | None
    received_at: datetime


class Receipts(Out):
    items: list[ReceiptOut] = Field(description="every receipt received for the message, oldest first")


class OptOutOut(Out):
    phone: str = Field(description="masked")
    reason: str
    source: str = Field(description="operator | citizen (STOP) | …")
    created_by: str | None
    created_at: datetime


class OptedOut(Out):
    phone: str = Field(description="masked")
    opted_out: bool
    created: bool = Field(description="false: it was already on the list (then the status is 200, not 201)")


class ProviderOut(Sparse):
    """A provider's health (dvc_notify.domain.failover) and how it is reached."""

    provider: str
    state: str = Field(description="active | failing-over | recovering")
    share: float = Field(description="the share of its traffic it gets now (0–1)")
    error_rate: float | None = Field(description="over the window; None: too few samples")
    samples: int
    trips: int
    cooldown_left_s: float | None
    kind: str = Field(description="http | in-transaction")
    api: str
    url: str | None = Field(default=None, description="HTTP gateways only")
    fake: bool | None = Field(default=None, description="HTTP gateways only: a local fake gateway")
    idempotent: bool
    failing_over: bool
    fake_gateway: dict[str, Any] | None = Field(default=None, description="a local fake gateway's counters")


class LimitOut(Sparse):
    rate_per_second: float
    burst: float
    daily: int = Field(description="0: no daily cap")
    tokens: float | None = Field(default=None, description="per sending service: what its bucket holds now")
    used_today: int | None = Field(default=None, description="per sending service: SMS sent today")


class FailoverOut(Out):
    window_seconds: float
    min_samples: int
    error_threshold: float
    cooldown_seconds: float
    drift_seconds: float


class Providers(Out):
    order: list[str] = Field(description="failover order")
    carrier_routes: dict[str, list[str]] = Field(description="mobile network → providers, before the order")
    failover: FailoverOut
    providers: list[ProviderOut]
    limits: dict[str, LimitOut] = Field(description="per sending service")
    default_limit: LimitOut


class SandboxMessage(Out):
    provider_ref: str
    to: str
    text: str
    received_at: datetime


class SandboxReceiptOut(Out):
    outcome: str


class MyOptOut(Out):
    """Whether the signed-in citizen's own number receives SMS."""

    phone: str = Field(description="the token's number, masked")
    opted_out: bool
    since: datetime | None = Field(description="when it was stopped; None: it receives SMS")
    source: str | None = Field(description="who stopped it: citizen | operator | …; None: it receives SMS")


class MySmsItem(Out):
    """One SMS sent to the citizen's own number: what it said and where it is."""

    template: str
    text: str
    status: str = Field(description="created | sending | sent | delivered | temporary-failure | …-failure")
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None


class MySms(Out):
    """The SMS about one dossier sent to the signed-in citizen's own number, newest first."""

    phone: str = Field(description="the token's number, masked")
    items: list[MySmsItem]
