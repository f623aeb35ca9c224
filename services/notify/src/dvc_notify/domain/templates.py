"""Vietnamese SMS templates and personalisation (pure functions, no I/O).

A :class:`Template` body uses ``{name}`` placeholders. Each placeholder has a *kind*
(``Template.kinds``, default ``"text"``) that says how a value is shown:

* ``"money"``: an integer amount of đồng (``int``, or an integral ``Decimal``/``float``/digit
  string) → ``format_vnd`` → ``"1.250.000 đ"``. The suffix ``đ`` (U+0111) is **not** in the GSM-7
  alphabet, so any amount forces UCS-2 unless the template strips diacritics (``đ`` → ``d``:
  ``"1.250.000 d"``). ``₫`` (U+20AB) was not chosen: it is not GSM-7 either, is not converted by
  stripping, and ``đ`` is how amounts are usually written in Vietnamese SMS.
* ``"datetime"``: a timezone-aware ``datetime`` or an ISO 8601 string with an offset → shown in
  Asia/Ho_Chi_Minh as ``dd/mm/yyyy HH:MM``. A plain ``date`` is shown as ``dd/mm/yyyy``.
* ``"date"``: a ``date``, an ISO ``YYYY-MM-DD`` string, or an aware ``datetime`` (its local
  Vietnamese date) → ``dd/mm/yyyy``.
* ``"text"``: ``str(value)``, except that ``datetime``/``date`` values are formatted as above.

``Template.choices`` turns a placeholder into a closed vocabulary: the value (e.g. a dossier
status ``"forwarded"``) selects a Vietnamese wording, which may itself use placeholders
(``"đã được chuyển sang {to_agency}"``) that are then required too.

``Template.strip_diacritics`` is the per-template không dấu policy (cheaper: GSM-7, 160/153
characters per segment instead of 70/67); :func:`render` may override it per call.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final, Literal

from dvc_contracts.clock import VN_TZ, vn_date
from dvc_notify.domain.encoding import SmsEstimate, estimate

VND_SUFFIX: Final = "đ"
MAX_AMOUNT: Final = 10**15  # đồng: more than any fee or fine, and an amount that can still be shown

FieldKind = Literal["text", "money", "date", "datetime"]

_FORMATTER: Final = string.Formatter()


class TemplateError(ValueError):
    """Base class for template and personalisation errors."""


class UnknownTemplate(TemplateError, LookupError):
    def __init__(self, template_id: str) -> None:
        self.template_id = template_id
        super().__init__(f"unknown SMS template {template_id!r}")


class MissingPersonalisation(TemplateError):
    """Placeholders without a value; ``names`` is sorted and has no duplicates."""

    def __init__(self, names: list[str]) -> None:
        self.names = sorted(set(names))
        super().__init__(f"missing personalisation: {', '.join(self.names)}")


class InvalidPersonalisation(TemplateError):
    """A value that cannot be shown for its placeholder (bad amount, naive datetime, unknown choice)."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"invalid personalisation {name!r}: {reason}")


def _placeholders(body: str) -> list[str]:
    names: list[str] = []
    for _literal, name, spec, conversion in _FORMATTER.parse(body):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise TemplateError(f"placeholder {{{name}}} must be a plain name without format spec")
        names.append(name)
    return names


@dataclass(frozen=True, slots=True)
class Template:
    """An SMS template. ``kinds`` and ``choices`` are keyed by placeholder name (see module doc)."""

    id: str
    body: str
    strip_diacritics: bool = False
    kinds: Mapping[str, FieldKind] = field(default_factory=dict)
    choices: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        names = set(_placeholders(self.body))
        for wording in (w for options in self.choices.values() for w in options.values()):
            names.update(_placeholders(wording))
        unknown = (set(self.kinds) | set(self.choices)) - names
        if unknown:
            raise TemplateError(f"template {self.id!r}: kinds/choices for unused {sorted(unknown)}")

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Placeholders of the body, in order of first appearance (choice wordings excluded)."""
        return tuple(dict.fromkeys(_placeholders(self.body)))


@dataclass(frozen=True, slots=True)
class RenderedSms:
    template_id: str
    text: str  # exactly what is sent (== estimate.text)
    estimate: SmsEstimate


# --- formatting helpers -----------------------------------------------------------------------


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


def _show(name: str, value: object, kind: FieldKind) -> str:
    if kind == "money":
        return _as_money(name, value)
    if kind in ("date", "datetime") or isinstance(value, date):
        return _as_datetime(name, value, "datetime" if kind == "text" else kind)
    return str(value)


# --- rendering --------------------------------------------------------------------------------


def render(
    template_id: str,
    personalisation: Mapping[str, object],
    *,
    strip_diacritics: bool | None = None,
    templates: Mapping[str, Template] | None = None,
) -> RenderedSms:
    """Render a registered template.

    Raises :class:`UnknownTemplate`, :class:`MissingPersonalisation` (every missing name at once;
    ``None`` counts as missing) or :class:`InvalidPersonalisation`. Extra keys are ignored.
    ``strip_diacritics`` overrides the template's policy when not ``None``.
    """
    registry = TEMPLATES if templates is None else templates
    template = registry.get(template_id)
    if template is None:
        raise UnknownTemplate(template_id)

    def present(name: str) -> bool:
        return personalisation.get(name) is not None

    # 1. Expand choices into the body (template-author text; citizen values are never re-parsed).
    body = template.body
    missing: list[str] = []
    expansions: dict[str, str] = {}
    for name in template.placeholders:
        if name not in template.choices:
            continue
        if not present(name):
            missing.append(name)
            continue
        key = str(personalisation[name])
        options = template.choices[name]
        if key not in options:
            raise InvalidPersonalisation(name, f"must be one of {', '.join(options)}")
        expansions[name] = options[key]
    if expansions:
        body = "".join(
            literal.replace("{", "{{").replace("}", "}}")
            + ("" if name is None else expansions.get(name, "{" + name + "}"))
            for literal, name, _spec, _conv in _FORMATTER.parse(body)
        )

    # 2. Every remaining placeholder needs a value.
    names = [n for n in dict.fromkeys(_placeholders(body)) if n not in template.choices]
    missing.extend(n for n in names if not present(n))
    if missing:
        raise MissingPersonalisation(missing)

    values = {n: _show(n, personalisation[n], template.kinds.get(n, "text")) for n in names}
    text = body.format_map(values)
    policy = template.strip_diacritics if strip_diacritics is None else strip_diacritics
    est = estimate(text, strip_diacritics=policy)
    return RenderedSms(template_id=template.id, text=est.text, estimate=est)


# --- registry ---------------------------------------------------------------------------------

TRACKING: Final = "Tra cứu: dichvucong.gov.vn"

DOSSIER_STATUS_WORDING: Final[Mapping[str, str]] = {
    "received": "đã được tiếp nhận",
    "processing": "đang được xử lý",
    "supplement_requested": "cần bổ sung giấy tờ",
    "forwarded": "đã được chuyển sang {to_agency}",
    "completed": "đã có kết quả",
    "returned": "đã được trả kết quả",
    "rejected": "bị từ chối",
    "withdrawn": "đã được rút",
    "cancelled": "đã bị hủy",
}


def _templates(*items: Template) -> dict[str, Template]:
    return {t.id: t for t in items}


TEMPLATES: Final[dict[str, Template]] = _templates(
    Template(
        id="dossier-submitted",
        body=(
            "Cổng DVC: Hồ sơ {dossier_code} ({procedure_name}) đã được tiếp nhận ngày {submitted_at}."
            " Hạn trả kết quả: {due_date}. " + TRACKING
        ),
        kinds={"submitted_at": "date", "due_date": "date"},
        description="A citizen's dossier was submitted and received.",
    ),
    Template(
        id="dossier-submitted-undated",
        body="Cổng DVC: Hồ sơ {dossier_code} ({procedure_name}) đã được tiếp nhận ngày {submitted_at}. "
        + TRACKING,
        kinds={"submitted_at": "date"},
        description="A dossier was received; its procedure has no statutory due date.",
    ),
    Template(
        id="dossier-status-changed",
        body="Cổng DVC: Hồ sơ {dossier_code} {status}. " + TRACKING,
        choices={"status": DOSSIER_STATUS_WORDING},
        # The highest-volume template (every agency status update): sent không dấu, GSM-7.
        strip_diacritics=True,
        description="An agency reported a new status (status: " + ", ".join(DOSSIER_STATUS_WORDING) + ").",
    ),
    Template(
        id="dossier-forwarded",
        body=(
            "Cổng DVC: Hồ sơ {dossier_code} đã được chuyển sang {to_agency},"
            " mời bạn đến {office} để làm thủ tục. " + TRACKING
        ),
        description="Cross-agency step, e.g. to_agency='CSGT', office='phòng đăng ký xe'.",
    ),
    Template(
        id="dossier-forwarded-to-agency",
        body="Cổng DVC: Hồ sơ {dossier_code} đã được chuyển sang {to_agency} để tiếp tục xử lý. " + TRACKING,
        description="dossier-forwarded without an office to visit (the receiving agency continues).",
    ),
    Template(
        id="dossier-completed",
        body="Cổng DVC: Hồ sơ {dossier_code} đã có kết quả: {result}. " + TRACKING,
        strip_diacritics=True,  # same policy as dossier-status-changed, of which it is the completed case
        description="An agency completed a dossier and reported its result (e.g. a plate or certificate number).",
    ),
    Template(
        id="fee-paid",
        body="Cổng DVC: Bạn đã nộp thành công {amount} cho hồ sơ {dossier_code} lúc {paid_at}. " + TRACKING,
        kinds={"amount": "money", "paid_at": "datetime"},
        description="A fee for a dossier was paid.",
    ),
    Template(
        id="tax-declaration-paid",
        body=(
            "Cổng DVC: Bạn đã nộp hồ sơ kê khai thuế thành công. Mã hồ sơ {dossier_code},"
            " số tiền {amount}. " + TRACKING
        ),
        kinds={"amount": "money"},
        description="Vehicle registration saga, step 2: tax declaration and fee paid.",
    ),
    Template(
        id="fee-refunded",
        body="Cổng DVC: Khoản phí {amount} của hồ sơ {dossier_code} đã được hoàn trả cho bạn. " + TRACKING,
        kinds={"amount": "money"},
        description="A fee was refunded (e.g. compensation after a rejection).",
    ),
    Template(
        id="fee-refunded-payment",
        body="Cổng DVC: Khoản tiền {amount} (mã thanh toán {payment_id}) đã được hoàn trả cho bạn. "
        + TRACKING,
        kinds={"amount": "money"},
        description="A refund that is not tied to a dossier.",
    ),
    Template(
        id="payment-due",
        body="Cổng DVC: Vui lòng nộp {amount} cho hồ sơ {dossier_code} trước {due_at}. " + TRACKING,
        kinds={"amount": "money", "due_at": "datetime"},
        description="A fee to pay (e.g. requested by the dossier service through sms-requested).",
    ),
    Template(
        id="fine-settled-decision",
        body="Cổng DVC: Bạn đã nộp phạt thành công {amount} cho quyết định xử phạt {decision_no}. "
        + TRACKING,
        kinds={"amount": "money"},
        description="A traffic fine was paid; the plate is not known.",
    ),
    Template(
        id="fine-settled",
        body=(
            "Cổng DVC: Bạn đã nộp phạt thành công {amount} cho quyết định xử phạt {decision_no}"
            " (biển số {plate}). " + TRACKING
        ),
        kinds={"amount": "money"},
        description="A traffic fine was paid.",
    ),
    Template(
        id="feedback-answered",
        body=(
            "Cổng DVC: Phản ánh, kiến nghị {feedback_code} của bạn đã được {agency_name} trả lời."
            " Xem chi tiết: dichvucong.gov.vn"
        ),
        description="An agency answered a citizen's feedback or petition.",
    ),
    Template(
        id="plate-issued",
        body="Cổng DVC: Hồ sơ {dossier_code} đã hoàn thành. Biển số xe của bạn: {plate}. " + TRACKING,
        description="Vehicle registration completed with a plate number.",
    ),
)
