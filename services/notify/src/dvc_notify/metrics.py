"""Notify's domain metrics (Prometheus), next to the shared dvc_* ones from dvckit."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import Counter, Gauge

SMS_TOTAL = Counter(
    "dvc_sms_total",
    "SMS messages reaching a status (created, sent, delivered, failures …), by provider",
    ["status", "provider"],
)
SMS_SEGMENTS = Counter(
    "dvc_sms_segments_total", "SMS segments handed to providers (what is billed)", ["provider", "encoding"]
)
SMS_RATE_LIMITED = Counter(
    "dvc_sms_rate_limited_total",
    "Sender passes where a sending service had no tokens left",
    ["sending_service"],
)
SMS_HELD = Counter("dvc_sms_held_total", "Messages held back, by reason", ["reason"])
PROVIDER_ERROR_RATE = Gauge(
    "dvc_sms_provider_error_rate", "Provider error rate over the failover window", ["provider"]
)
PROVIDER_SHARE = Gauge(
    "dvc_sms_provider_share",
    "Share of its routed traffic a provider takes (0 failing over … 1 active)",
    ["provider"],
)
RECEIPTS = Counter(
    "dvc_sms_receipts_total", "Delivery receipts by provider and outcome", ["provider", "outcome"]
)


class PendingMetrics:
    """Counts gathered inside a transaction, applied after it commits (``uow.after_commit``; a rollback counts
    nothing)."""

    def __init__(self, after_commit: Callable[[Callable[[], None]], None]) -> None:
        self._after_commit = after_commit

    def sms(self, status: str, provider: str | None, n: int = 1) -> None:
        self._after_commit(lambda: SMS_TOTAL.labels(status, provider or "none").inc(n))

    def billed(self, provider: str, encoding: str, segments: int) -> None:
        self._after_commit(lambda: SMS_SEGMENTS.labels(provider, encoding).inc(segments))

    def receipt(self, provider: str, outcome: str) -> None:
        self._after_commit(lambda: RECEIPTS.labels(provider, outcome).inc())
