"""How numbers, money and times read in Vietnamese: 135.000 đồng, 12/05/2026, 09:30 12/05/2026 (Hà Nội time)."""

from __future__ import annotations

from datetime import date, datetime

from dvc_contracts.clock import VN_TZ


def number(value: int | float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{int(value):,}".replace(",", ".")


def vnd(value: int | None) -> str:
    return "—" if value is None else f"{number(value)} đồng"


def percent(value: float | int) -> str:
    return f"{number(value)}%"


def _parse(value: str | date | datetime | None) -> date | datetime | None:
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def day(value: str | date | datetime | None) -> str:
    """dd/mm/yyyy; a timestamp is read in Hà Nội time."""
    parsed = _parse(value)
    if parsed is None:
        return "—"
    if isinstance(parsed, datetime):
        parsed = (parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)).astimezone(VN_TZ).date()
    return f"{parsed:%d/%m/%Y}"


def moment(value: str | datetime | None) -> str:
    """HH:MM dd/mm/yyyy in Hà Nội time."""
    parsed = _parse(value)
    if parsed is None:
        return "—"
    if not isinstance(parsed, datetime):
        return f"{parsed:%d/%m/%Y}"
    local = (parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)).astimezone(VN_TZ)
    return f"{local:%H:%M %d/%m/%Y}"


def iso_moment(value: str | datetime | None) -> str:
    """The machine-readable form for <time datetime=…>."""
    parsed = _parse(value)
    return parsed.isoformat() if parsed is not None else ""


def file_size(n: int | None) -> str:
    """1,5 MB / 320 KB / 900 byte (binary multiples, as file managers show them)."""
    if n is None:
        return "—"
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".").replace(".", ",") + " MB"
    if n >= 1024:
        return f"{round(n / 1024)} KB"
    return f"{n} byte"


def working_days(n: int | None) -> str:
    if not n:
        return "Không quy định thời hạn"
    return f"{n} ngày làm việc"
