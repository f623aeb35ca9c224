"""The submission form of a procedure, generated from its ``required_fields``; the citizen's answers checked
with Vietnamese messages, one per field; the dossier service's 422s turned into the same per-field messages.

The dossier service is the judge of a submission: what the portal checks here (a date is a date, a citizen id
has 12 digits) only saves the citizen a round trip and gives a precise message; whatever the dossier service
still refuses is shown on the field it names (``errors_from_dossier``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from dvc_contracts import phone, units
from dvc_portal.domain.vocabulary import TOP_LEVEL_FIELDS, FieldSpec, spec
from dvckit.text import fold

_DIGITS = re.compile(r"^\d+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class FormField:
    spec: FieldSpec
    required: bool
    value: str = ""
    error: str | None = None
    options: tuple[tuple[str, str], ...] = ()  # (value, text) for selects and the province

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def input_id(self) -> str:
        return f"f-{self.spec.name}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def province_options(procedure: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Where the procedure is offered: its provinces, or all 34 of today when it is nationwide."""
    offered = [code for code in procedure.get("provinces") or [] if code in units.CURRENT_BY_CODE]
    chosen = [units.CURRENT_BY_CODE[c] for c in offered] if offered else list(units.CURRENT)
    return tuple((u.code, u.name) for u in sorted(chosen, key=lambda u: fold(u.name)))


def field_names(procedure: dict[str, Any]) -> list[str]:
    """What the form asks, in order: the applicant's name, the procedure's fields as the catalog lists them,
    then the phone and the province if the catalog did not list them (the dossier service needs the province,
    and the phone receives the SMS)."""
    names = ["applicant_name"]
    for name in procedure.get("required_fields") or []:
        if name not in names:
            names.append(name)
    for name in ("phone", "province_code"):
        if name not in names:
            names.append(name)
    return names


def required_names(procedure: dict[str, Any]) -> set[str]:
    return {*(procedure.get("required_fields") or []), "applicant_name", "province_code"}


def build(
    procedure: dict[str, Any], values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> list[FormField]:
    values, errors = values or {}, errors or {}
    required = required_names(procedure)
    out = []
    for name in field_names(procedure):
        s = spec(name)
        options: tuple[tuple[str, str], ...] = ()
        if s.kind == "province":
            options = province_options(procedure)
        elif s.kind == "select":
            options = tuple((o, o) for o in s.options)
        out.append(FormField(s, name in required, values.get(name, ""), errors.get(name), options))
    return out


def parse_date(text: str) -> date | None:
    m = _DMY.match(text) or _ISO.match(text)
    if not m:
        return None
    a, b, c = (int(g) for g in m.groups())
    year, month, day = (a, b, c) if _ISO.match(text) else (c, b, a)
    try:
        return date(year, month, day)
    except ValueError:
        return None


Checked = tuple[Any, str | None]  # (the value to send, or an error message)


def _check(s: FieldSpec, text: str, today: date) -> Checked:
    """(the value to send, or an error message)."""
    if len(text) > s.max_length:
        return None, f"{s.label} dài quá {s.max_length} ký tự."
    checker = _CHECKERS.get(s.kind)
    return checker(s, text, today) if checker else (text, None)


def _citizen_id(s: FieldSpec, text: str, _today: date) -> Checked:
    digits = text.replace(" ", "")
    if not (_DIGITS.match(digits) and len(digits) == 12):
        return None, f"{s.label} gồm đúng 12 chữ số, ví dụ 001099012345."
    return digits, None


def _tel(_s: FieldSpec, text: str, _today: date) -> Checked:
    """The portal's one rule for Vietnamese mobiles, as dossier checks it (E.164 out)."""
    try:
        return phone.normalise(text), None
    except phone.InvalidPhone as exc:
        return None, exc.message_vi


def _email(_s: FieldSpec, text: str, _today: date) -> Checked:
    if not _EMAIL.match(text):
        return None, "Thư điện tử chưa đúng dạng, ví dụ ten@example.vn."
    return text, None


def _date(s: FieldSpec, text: str, today: date) -> Checked:
    day = parse_date(text)
    if day is None:
        return None, f"{s.label} phải là một ngày có thật, viết theo dạng ngày/tháng/năm, ví dụ 12/05/1990."
    if s.past_only and day > today:
        return None, f"{s.label} không được sau ngày hôm nay ({today:%d/%m/%Y})."
    return day.isoformat(), None


def _integer(s: FieldSpec, text: str, _today: date) -> Checked:
    digits = re.sub(r"[\s.,]", "", text)
    if not _DIGITS.match(digits):
        return None, f"{s.label} phải là số nguyên, chỉ gồm chữ số."
    value = int(digits)
    if value < s.minimum:
        return None, f"{s.label} phải lớn hơn hoặc bằng {s.minimum}."
    return value, None


def _select(s: FieldSpec, text: str, _today: date) -> Checked:
    if text not in s.options:
        return None, f"Vui lòng chọn {_lower_first(s.label)} trong danh sách."
    return text, None


def _province(_s: FieldSpec, text: str, _today: date) -> Checked:
    if text not in units.CURRENT_BY_CODE:
        return None, "Vui lòng chọn một tỉnh, thành phố trong danh sách."
    return text, None


_CHECKERS: dict[str, Callable[[FieldSpec, str, date], Checked]] = {
    "citizen_id": _citizen_id, "tel": _tel, "email": _email, "date": _date, "integer": _integer,
    "select": _select, "province": _province,
}  # fmt: skip


def missing_message(s: FieldSpec) -> str:
    verb = "chọn" if s.kind in ("select", "province") else "nhập"
    return f"Vui lòng {verb} {_lower_first(s.label)}."


def validate(
    procedure: dict[str, Any], raw: dict[str, str], today: date
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(the body for ``POST /dossiers``, errors by field name, the values to show again)."""
    required = required_names(procedure)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    checked: dict[str, Any] = {}
    for name in field_names(procedure):
        s = spec(name)
        text = (
            " ".join((raw.get(name) or "").split()) if s.kind != "textarea" else (raw.get(name) or "").strip()
        )
        values[name] = text
        if not text:
            if name in required:
                errors[name] = missing_message(s)
            continue
        value, error = _check(s, text, today)
        if error:
            errors[name] = error
        else:
            checked[name] = value
    body: dict[str, Any] = {
        "procedure_code": procedure["code"],
        "province_code": checked.get("province_code", ""),
        "applicant_name": checked.get("applicant_name"),
        "fields": {k: v for k, v in checked.items() if k not in TOP_LEVEL_FIELDS},
    }
    if checked.get("phone"):
        body["phone"] = checked["phone"]
    return body, errors, values


def errors_from_dossier(
    procedure: dict[str, Any], detail: dict[str, Any]
) -> tuple[dict[str, str], str | None]:
    """The dossier service's 422 (``{"error", "message", "fields"}``) as per-field messages of this form, and
    a message for the page when it names no field of the form."""
    names = set(field_names(procedure))
    code = str(detail.get("error") or "")
    message = str(detail.get("message") or "Hồ sơ chưa hợp lệ.")
    named = [str(f).removeprefix("fields.") for f in detail.get("fields") or []]
    if code == "not_offered_in_province":
        named = ["province_code"]
    errors: dict[str, str] = {}
    for name in named:
        if name not in names:
            continue
        errors[name] = missing_message(spec(name)) if code == "missing_fields" else message
    unplaced = [n for n in named if n not in names]
    if not errors or unplaced:
        return errors, message
    return errors, None
