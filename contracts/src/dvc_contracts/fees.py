"""A procedure's fee, typed, and the portal's one way of computing it: ``assess_fee``.

The catalog publishes a procedure's fee (``ProcedureFeeV1``, part of ``procedure-published``): ``fixed`` (an
amount), ``free``, or ``rule`` with one of the rules below. Whoever needs the amount for a filled-in form — the
catalog's seeds and tests, the dossier service's vehicle-registration saga (the tax authority's assessment of
lệ phí trước bạ) — calls ``assess_fee``; no service computes a fee by itself.

Rules (``type``), all amounts integer đồng:

- ``percent_of_value``: ``form[value_field] × percent / 100``; ``percent_by_province`` (keyed by today's province
  codes, ``dvc_contracts.units``; a former province pays the rate of the one it belongs to now) overrides
  ``percent``; the result is then kept within ``min_vnd`` / ``max_vnd`` (None: no bound).
- ``per_page``: per copy, ``first_page_vnd`` for each of the first ``first_pages`` pages and ``extra_page_vnd``
  for each further page, at most ``max_per_copy_vnd``; times ``form[copies_field]`` (1 without one).
- ``contribution``: ``clamp(form[value_field], min_base_vnd, max_base_vnd) × percent / 100``, rounded, times
  ``form[months_field]``.
- ``household_health_insurance``: member *i* pays ``base_salary_vnd × percent / 100 × member_factors_percent[i]
  / 100`` a month, rounded (the last factor applies to every further member); the sum times
  ``form[months_field]``.
- ``declared_amount``: what the applicant declares in ``form[value_field]`` (a tax return).
- ``fine_amount`` / ``external_amount``: owed in another system (the fine decision, an electricity bill, a court
  fee notice): the amount is that system's, passed as ``external_amount_vnd``; None when unknown.

Rounding. Fees are paid in whole đồng. Nghị định 10/2022/NĐ-CP (lệ phí trước bạ) computes the fee as giá tính
lệ phí trước bạ × mức thu theo tỷ lệ (%) — 2% for motorbikes, 10% for cars up to 9 seats (up to 50% more by
provincial resolution: 12% in Hà Nội, 11% in Hà Tĩnh), 0.5% for houses and land — and states no rounding, though
2%, 11% or 0.5% of some values leaves a fraction of a đồng; nor do the other rules' sources. Here a fraction is
rounded to the nearest đồng, half up (0.5 → 1): ordinary arithmetic rounding, off by at most half a đồng either
way (a floor would always fall short, by up to a whole đồng). This is the portal's reading, to be confirmed against
the tax authority's own notices (thông báo nộp lệ phí trước bạ) when the portal is connected to them. Arithmetic
is in ``Decimal`` (a rate such as 4.5% is exact), never a float, never a truncated rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Final, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from dvc_contracts import units

__all__ = [
    "Contribution",
    "DeclaredAmount",
    "ExternalAmount",
    "FeeAssessmentError",
    "FeeRule",
    "FineAmount",
    "HouseholdHealthInsurance",
    "PerPage",
    "PercentOfValue",
    "ProcedureFeeV1",
    "Rule",
    "Vnd",
    "assess_fee",
    "parse_fee",
    "parse_rule",
    "round_vnd",
]

# Integer VND, never negative. Strict: a float (150000.0), a string or a bool is an error, not a silent cast.
Vnd = Annotated[int, Field(ge=0, strict=True)]
# A rate in percent, as published (10, 2, 0.5, 4.5): an int or a float on the wire, computed as a Decimal.
Percent = (
    Annotated[int, Field(ge=0, le=100, strict=True)] | Annotated[float, Field(ge=0, le=100, strict=True)]
)
# The name of a form field the rule reads (the catalog's vocabulary: vehicle_value_vnd, page_count …).
FormField = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
ProvinceCode = Annotated[str, Field(pattern=r"^\d{2}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PercentOfValue(_Model):
    """A percentage of a declared value (lệ phí trước bạ: of the vehicle's or the land's value)."""

    type: Literal["percent_of_value"]
    value_field: FormField
    percent: Percent
    percent_by_province: dict[ProvinceCode, Percent] = Field(default_factory=dict)
    min_vnd: Vnd | None = None
    max_vnd: Vnd | None = None


class PerPage(_Model):
    """By the number of pages, per copy (chứng thực bản sao)."""

    type: Literal["per_page"]
    count_field: FormField
    copies_field: FormField | None = None
    first_pages: int = Field(ge=0)
    first_page_vnd: Vnd
    extra_page_vnd: Vnd
    max_per_copy_vnd: Vnd | None = None


class Contribution(_Model):
    """A percentage of a chosen monthly base, times the months paid (bảo hiểm xã hội tự nguyện)."""

    type: Literal["contribution"]
    value_field: FormField
    percent: Percent
    min_base_vnd: Vnd | None = None
    max_base_vnd: Vnd | None = None
    months_field: FormField


class HouseholdHealthInsurance(_Model):
    """Bảo hiểm y tế hộ gia đình: the first member pays ``percent`` of the base salary, the next ones less."""

    type: Literal["household_health_insurance"]
    base_salary_vnd: Vnd
    percent: Percent
    member_factors_percent: list[Percent] = Field(min_length=1)
    members_field: FormField
    months_field: FormField


class DeclaredAmount(_Model):
    """The amount the applicant declares (a tax return)."""

    type: Literal["declared_amount"]
    value_field: FormField


class FineAmount(_Model):
    """The amount of the traffic-fine decision (known to the payment service, not to the form)."""

    type: Literal["fine_amount"]


class ExternalAmount(_Model):
    """An amount owed in another system (``source``: EVN's electricity bill, a court's fee notice)."""

    type: Literal["external_amount"]
    source: str | None = None


Rule: TypeAlias = (
    PercentOfValue
    | PerPage
    | Contribution
    | HouseholdHealthInsurance
    | DeclaredAmount
    | FineAmount
    | ExternalAmount
)
# What ``ProcedureFeeV1.rule`` holds: one of the rules, chosen by its ``type``.
FeeRule: TypeAlias = Annotated[Rule, Field(discriminator="type")]
RULE_TYPES: Final[tuple[str, ...]] = (
    "percent_of_value",
    "per_page",
    "contribution",
    "household_health_insurance",
    "declared_amount",
    "fine_amount",
    "external_amount",
)
_RULE: Final[TypeAdapter[FeeRule]] = TypeAdapter(FeeRule)


class ProcedureFeeV1(_Model):
    """A procedure's fee: a fixed amount, a rule (``dvc_contracts.fees``: e.g. lệ phí trước bạ as a percentage
    of a vehicle's value; its amount is ``assess_fee``'s), or free."""

    kind: Literal["fixed", "rule", "free"]
    amount_vnd: Vnd | None = None
    rule: FeeRule | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ProcedureFeeV1:
        if self.kind == "fixed" and self.amount_vnd is None:
            raise ValueError("a fixed fee needs amount_vnd")
        if self.kind == "rule" and self.rule is None:
            raise ValueError("a rule-based fee needs rule")
        return self


def parse_rule(data: Mapping[str, Any]) -> Rule:
    """A rule from its JSON form (raises pydantic's ValidationError, a ValueError, when it is not one)."""
    return _RULE.validate_python(data)


def parse_fee(data: ProcedureFeeV1 | Mapping[str, Any]) -> ProcedureFeeV1:
    """A fee from its JSON form (as stored or carried by procedure-published); a model is returned as it is."""
    return data if isinstance(data, ProcedureFeeV1) else ProcedureFeeV1.model_validate(data)


class FeeAssessmentError(ValueError):
    """The fee cannot be computed from the form: ``field`` is missing or not a non-negative integer. The message
    is Vietnamese, for the applicant."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def round_vnd(amount: Decimal) -> int:
    """To the nearest whole đồng, half up (see the module's docstring)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _pct(percent: int | float) -> Decimal:
    return Decimal(str(percent))  # 4.5 → Decimal("4.5"), not the float's binary expansion


def _int_field(form: Mapping[str, Any], field: str) -> int:
    value = form.get(field)
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        number = None
    if number is None:
        shown = "trống" if value in (None, "") else f"nhận {value!r}"
        raise FeeAssessmentError(field, f"{field} phải là số nguyên không âm (đồng), {shown}")
    if number < 0:
        raise FeeAssessmentError(field, f"{field} phải là số nguyên không âm (đồng), nhận {number}")
    return number


def _clamp(value: int, low: int | None, high: int | None) -> int:
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def _assess_rule(
    rule: Rule, form: Mapping[str, Any], province: str | None, external_amount_vnd: int | None
) -> int | None:
    if isinstance(rule, PercentOfValue):
        value = _int_field(form, rule.value_field)
        percent = rule.percent_by_province.get(units.today(province) or "", rule.percent)
        return _clamp(round_vnd(Decimal(value) * _pct(percent) / 100), rule.min_vnd, rule.max_vnd)
    if isinstance(rule, PerPage):
        pages = _int_field(form, rule.count_field)
        copies = _int_field(form, rule.copies_field) if rule.copies_field else 1
        first = min(pages, rule.first_pages)
        per_copy = first * rule.first_page_vnd + (pages - first) * rule.extra_page_vnd
        return _clamp(per_copy, None, rule.max_per_copy_vnd) * copies
    if isinstance(rule, Contribution):
        base = _clamp(_int_field(form, rule.value_field), rule.min_base_vnd, rule.max_base_vnd)
        months = _int_field(form, rule.months_field)
        return round_vnd(Decimal(base) * _pct(rule.percent) / 100) * months
    if isinstance(rule, HouseholdHealthInsurance):
        members = _int_field(form, rule.members_field)
        months = _int_field(form, rule.months_field)
        first_member = Decimal(rule.base_salary_vnd) * _pct(rule.percent) / 100
        factors = rule.member_factors_percent
        monthly = sum(
            (round_vnd(first_member * _pct(factors[min(i, len(factors) - 1)]) / 100) for i in range(members)),
            start=0,
        )
        return monthly * months
    if isinstance(rule, DeclaredAmount):
        return _int_field(form, rule.value_field)
    return external_amount_vnd  # FineAmount, ExternalAmount


def assess_fee(
    fee: ProcedureFeeV1 | Rule | Mapping[str, Any],
    form: Mapping[str, Any],
    province_code: str | None = None,
    external_amount_vnd: int | None = None,
) -> int | None:
    """The amount due, in whole đồng, for a fee (or a bare rule) and the values declared in a dossier's form.

    ``fee``: a ``ProcedureFeeV1``, a rule, or either's JSON form (a mapping with ``kind``: a fee; with ``type``: a
    rule; validated, so a malformed one raises pydantic's ValidationError). ``province_code`` (the dossier's
    province, current or former) selects a provincial rate; without it, ``form["province_code"]``.
    Returns None when the amount is owed in another system and ``external_amount_vnd`` is not given. Raises
    ``FeeAssessmentError`` when a field the rule reads is missing or not a non-negative integer."""
    if isinstance(fee, Mapping):
        fee = parse_rule(fee) if "kind" not in fee else parse_fee(fee)
    if isinstance(fee, ProcedureFeeV1):
        if fee.kind == "free":
            return 0
        if fee.kind == "fixed":
            return fee.amount_vnd
        assert fee.rule is not None  # the model's own check
        fee = fee.rule
    province = province_code if province_code is not None else form.get("province_code")
    return _assess_rule(fee, form, province if isinstance(province, str) else None, external_amount_vnd)
