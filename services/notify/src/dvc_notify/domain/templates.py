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

The registered templates (``TEMPLATES``) and :func:`render` are here; what a template is, with the errors, in
``template_model``; how a value is shown, in ``personalisation``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from dvc_notify.domain.encoding import estimate
from dvc_notify.domain.personalisation import (
    MAX_AMOUNT,
    VND_SUFFIX,
    format_date,
    format_local_datetime,
    format_vnd,
    show,
)
from dvc_notify.domain.template_model import (
    FORMATTER,
    FieldKind,
    InvalidPersonalisation,
    MissingPersonalisation,
    RenderedSms,
    Template,
    TemplateError,
    UnknownTemplate,
    placeholder_names,
)

__all__ = [
    "DOSSIER_STATUS_WORDING",
    "MAX_AMOUNT",
    "TEMPLATES",
    "TRACKING",
    "VND_SUFFIX",
    "FieldKind",
    "InvalidPersonalisation",
    "MissingPersonalisation",
    "RenderedSms",
    "Template",
    "TemplateError",
    "UnknownTemplate",
    "format_date",
    "format_local_datetime",
    "format_vnd",
    "render",
]


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
            for literal, name, _spec, _conv in FORMATTER.parse(body)
        )

    # 2. Every remaining placeholder needs a value.
    names = [n for n in dict.fromkeys(placeholder_names(body)) if n not in template.choices]
    missing.extend(n for n in names if not present(n))
    if missing:
        raise MissingPersonalisation(missing)

    values = {n: show(n, personalisation[n], template.kinds.get(n, "text")) for n in names}
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
