"""SMS, keyed by message id: sent (with its segments), delivered, failed — in any arrival order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dvc_contracts.clock import vn_date
from dvc_contracts.events import SmsDeliveredV1, SmsFailedV1, SmsSentV1
from dvc_reporting.domain.projection.aggregates import Contributions, add
from dvc_reporting.domain.projection.state import evolve


@dataclass(frozen=True)
class SmsState:
    message_id: str
    dossier_code: str | None = None
    province_code: str | None = None  # the dossier's province, once known
    provider: str | None = None
    template: str | None = None
    encoding: str | None = None
    segments: int = 0
    sent: bool = False
    sent_at: datetime | None = None
    delivered: bool = False
    delivered_at: datetime | None = None
    failed: bool = False
    failed_at: datetime | None = None
    failure_status: str | None = None
    former_province: str | None = None  # the dossier's, with province_code


def _agreed(a: str | None, b: str | None) -> str | None:
    """The value two events of one key both name (or the one that names it). Commutative: if they ever
    disagree, the same one is kept whatever their arrival order."""
    if a is None or b is None:
        return a if b is None else b
    return max(a, b)


def fold_sms(s: SmsState, data: SmsSentV1 | SmsDeliveredV1 | SmsFailedV1) -> SmsState:
    """sent, delivered and failed are three topics: any arrival order gives the same row. The provider and
    template are the send's; without it the receipt's, else the failure's."""
    dossier = _agreed(s.dossier_code, data.dossier_code)
    if isinstance(data, SmsSentV1):
        return evolve(
            s,
            sent=True,
            sent_at=data.sent_at,
            provider=data.provider,
            template=data.template,
            encoding=data.encoding,
            segments=data.segments,
            dossier_code=dossier,
        )
    if isinstance(data, SmsDeliveredV1):
        return evolve(
            s,
            delivered=True,
            delivered_at=data.delivered_at,
            provider=s.provider if s.sent else data.provider,
            dossier_code=dossier,
        )
    return evolve(
        s,
        failed=True,
        failed_at=data.failed_at,
        failure_status=data.status,
        provider=s.provider if s.sent or s.delivered else (data.provider or s.provider),
        template=s.template if s.sent else data.template,
        dossier_code=dossier,
    )


def sms_contributions(s: SmsState) -> Contributions:
    c: Contributions = {}
    key = (s.province_code or "", s.provider or "", s.former_province or "")
    if s.sent and s.sent_at is not None:
        add(c, "agg_sms", (vn_date(s.sent_at), *key), sent=1, segments=s.segments)
        add(c, "agg_sms_total", key, sent=1, segments=s.segments)
    if s.delivered and s.delivered_at is not None:
        add(c, "agg_sms", (vn_date(s.delivered_at), *key), delivered=1)
        add(c, "agg_sms_total", key, delivered=1)
    if s.failed and s.failed_at is not None:
        add(c, "agg_sms", (vn_date(s.failed_at), *key), failed=1)
        add(c, "agg_sms_total", key, failed=1)
    return c
