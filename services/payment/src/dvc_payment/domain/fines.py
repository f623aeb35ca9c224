"""Traffic fine decisions: validation of what the police send, the three-factor lookup match, the
early-payment discount (and that a payment is for exactly what is due), and which staff may see a decision.
Pure Python, no I/O.

A citizen finds their decision with the record (biên bản) number, the violation date and their full name,
as on the portal: all three must match, the name ignoring case, extra spaces and Vietnamese diacritics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from dvc_contracts.clock import vn_date
from dvc_payment.domain.model import PaymentError, format_vnd
from dvckit.text import fold

if TYPE_CHECKING:
    from dvckit.auth.jwt import Principal

_SPACES = re.compile(r"\s+")
# The issuing agency as the police system names itself in the event source: urn:agency:HNI-CSGT, /agency/BCA-CSGT
_AGENCY_SOURCE = re.compile(r"^(?:urn:agency:|/agency/)([A-Za-z0-9][A-Za-z0-9._-]{0,63})$")


class FineRejected(Exception):
    """A fine-issued record that is not allowed (goes to dead-letter with ``reason``)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def record_key(record_no: str) -> str:
    """Record numbers compare without surrounding/inner spaces and case: ' 12345/bb ' == '12345/BB'."""
    return _SPACES.sub("", record_no).upper()


def name_key(name: str) -> str:
    """'  nguyen  van AN ' and 'Nguyễn Văn An' → 'nguyen van an'."""
    return fold(name)


def names_match(given: str, on_record: str) -> bool:
    key = name_key(given)
    return bool(key) and key == name_key(on_record)


def check_fine(
    *,
    record_no: str,
    offender_name: str,
    amount: int,
    violation_date: date,
    decided_at: datetime,
    now: datetime,
    max_clock_skew: timedelta = timedelta(minutes=10),
) -> None:
    """Rules beyond the contract's types; raise FineRejected."""
    if not record_key(record_no):
        raise FineRejected("invalid_fine", "record_no: must not be blank")
    if not name_key(offender_name):
        raise FineRejected("invalid_fine", "offender_name: must not be blank")
    if amount <= 0:
        raise FineRejected("invalid_fine", "amount: must be greater than 0")
    if decided_at > now + max_clock_skew:
        raise FineRejected("invalid_fine", "decided_at: is in the future")
    if violation_date > vn_date(decided_at):
        raise FineRejected("invalid_fine", "violation_date: is after the decision date")


@dataclass(frozen=True)
class FineQuote:
    amount: int  # the decision's amount
    discount_vnd: int
    amount_due: int  # what the citizen pays now
    discount_percent: int
    discount_until: date | None  # last Vietnam calendar day the discount applies (inclusive)


@dataclass(frozen=True)
class DiscountRule:
    """``percent`` off when paid online within ``days`` calendar days of the decision (Vietnam time)."""

    percent: int = 10
    days: int = 15

    def __post_init__(self) -> None:
        if not 0 <= self.percent <= 100 or self.days < 0:
            raise ValueError("discount percent must be 0..100 and days >= 0")

    def until(self, decided_at: datetime) -> date | None:
        if self.percent == 0:
            return None
        return vn_date(decided_at) + timedelta(days=self.days)

    def quote(self, amount: int, decided_at: datetime, now: datetime) -> FineQuote:
        until = self.until(decided_at)
        applies = until is not None and vn_date(now) <= until
        discount = amount * self.percent // 100 if applies else 0
        return FineQuote(
            amount=amount,
            discount_vnd=discount,
            amount_due=amount - discount,
            discount_percent=self.percent if applies else 0,
            discount_until=until,
        )


def check_amount_due(quote: FineQuote, amount_vnd: int, decision_no: str) -> None:
    """An intent for a fine must be for exactly what is due now (the discount applied by rule)."""
    if amount_vnd != quote.amount_due:
        raise PaymentError(
            "amount_mismatch",
            f"Số tiền phải nộp cho quyết định {decision_no} lúc này là {format_vnd(quote.amount_due)}"
            f" (không phải {format_vnd(amount_vnd)}).",
        )


def intent_settles(
    rule: DiscountRule,
    fine_amount: int,
    decided_at: datetime,
    *,
    amount_vnd: int,
    discount_vnd: int,
    quoted_at: datetime,
) -> bool:
    """Does an intent made at ``quoted_at`` pay this decision in full? Its amount plus its discount is the
    decision's amount, and the discount is no more than the rule gave on that day (a decision corrected after
    the intent was made, or an intent made for another amount, does not settle it)."""
    allowed = rule.quote(fine_amount, decided_at, quoted_at).discount_vnd
    return amount_vnd + discount_vnd == fine_amount and 0 <= discount_vnd <= allowed


def agency_from_source(source: str) -> str | None:
    """The issuing agency's code from a fine-issued CloudEvent source, or None if it names none."""
    match = _AGENCY_SOURCE.match(source.strip())
    return match.group(1).upper() if match else None


def visible_to(who: Principal, *, agency_code: str | None, province_code: str) -> bool:
    """An agency sees the decisions it issued (in its province, if its token names one); an operator those of
    their province (all of them for a national operator, no province); nobody else."""
    in_province = who.province is None or who.province == province_code
    if who.role == "agency":
        return who.agency is not None and who.agency.upper() == (agency_code or "") and in_province
    return who.role == "operator" and in_province
