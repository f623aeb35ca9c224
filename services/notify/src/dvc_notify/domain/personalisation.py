"""How a personalisation value is shown in an SMS: amounts in đồng, dates and times in Vietnam time."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from dvc_contracts.clock import VN_TZ, vn_date
from dvc_notify.domain.template_model import FieldKind, InvalidPersonalisation

VND_SUFFIX: Final = "đ"
MAX_AMOUNT: Final = 10**15  # đồng: more than any fee or fine, and an amount that can still be shown


def format_vnd(amount: int) -> str:
    """``1250000`` → ``"1.250.000 đ"`` (dot thousands separator, đồng has no minor unit)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("amount must be an int number of đồng")
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + f" {VND_SUFFIX}"


def format_local_datetime(dt: datetime) -> str:
    """An aware datetime in Vietnam time as ``dd/mm/yyyy HH:MM``; naive datetimes are refused."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return dt.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def format_date(d: date) -> str:
    """A date as ``dd/mm/yyyy``. An aware datetime gives its Vietnam-local date; naive ones are refused."""
    if isinstance(d, datetime):
        if d.tzinfo is None or d.utcoffset() is None:
            raise ValueError("datetime must be timezone-aware")
        d = vn_date(d)
    return d.strftime("%d/%m/%Y")


def _as_money(name: str, value: object) -> str:
    if isinstance(value, bool):
        raise InvalidPersonalisation(name, "amount must be an integer number of đồng")
    if isinstance(value, int):
        if abs(value) > MAX_AMOUNT:
            raise InvalidPersonalisation(name, "amount out of range")
        return format_vnd(value)
    if isinstance(value, (Decimal, float, str)):
        try:
            number = Decimal(value.strip() if isinstance(value, str) else value)
        except (InvalidOperation, ValueError):
            raise InvalidPersonalisation(name, "amount must be an integer number of đồng") from None
        if number.is_finite() and abs(number) > MAX_AMOUNT:  # "1e5000" would be a 5001-digit int
            raise InvalidPersonalisation(name, "amount out of range")
        if number.is_finite() and number == number.to_integral_value():
            return format_vnd(int(number))
    raise InvalidPersonalisation(name, "amount must be an integer number of đồng")


def _as_datetime(name: str, value: object, kind: FieldKind) -> str:
    if isinstance(value, str):
        text = value.strip()
        try:
            # "YYYY-MM-DD" is a calendar date; anything longer must be a full timestamp.
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise InvalidPersonalisation(name, f"not an ISO 8601 {kind}") from None
    try:
        if isinstance(value, datetime):
            return format_local_datetime(value) if kind != "date" else format_date(value)
        if isinstance(value, date):
            return format_date(value)
    except ValueError as exc:
        raise InvalidPersonalisation(name, str(exc)) from None
    raise InvalidPersonalisation(name, f"expected a {kind}")


def show(name: str, value: object, kind: FieldKind) -> str:
    """``value`` as the SMS shows it for a placeholder of this kind (the kinds: see ``templates``)."""
    if kind == "money":
        return _as_money(name, value)
    if kind in ("date", "datetime") or isinstance(value, date):
        return _as_datetime(name, value, "datetime" if kind == "text" else kind)
    return str(value)
