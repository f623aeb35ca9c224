"""What a citizen or business sends, checked with clear Vietnamese messages, and where it is routed.

Routing, in order (the service's read models of the catalog and of dossiers answer the look-ups):

1. a dossier is named → the agency handling that dossier now (its province and procedure come with it);
2. else a procedure is named → the agency the citizen named, if it is one of the procedure's agencies
   (``agency_code`` or ``allowed_agency_codes``), otherwise the procedure's own agency;
3. else an agency is named → that agency;
4. a named dossier, procedure or agency the portal does not know is an error (422), never a guess.

A local body (``SO-GTVT``, ``UBND-TINH`` …) exists in every province: the office that answers is the pair
(agency code, province code), which is what an agency user's token carries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, cast

from dvc_contracts import phone as vn_phone
from dvc_contracts import units
from dvc_feedback.domain.model import CATEGORIES, KINDS, FeedbackError, Kind

# New feedback names one of today's 34 provinces and centrally-run cities (dvc_contracts.units, since
# 1 July 2025); a former province's code is refused with a message naming the province it now belongs to.
PROVINCE_CODES: Final = units.CURRENT_CODES
_CODE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_/]{0,63}$")
_KIND_MESSAGE: Final = "Loại phải là 'feedback' (phản ánh) hoặc 'petition' (kiến nghị)."
_CATEGORY_MESSAGE: Final = f"Lĩnh vực phải là một trong: {', '.join(CATEGORIES)}."
# the order of the messages in an error's detail: the order of the form
_FIELD_ORDER: Final = ("kind", "category", "title", "content", "province_code", "procedure_code", "dossier_code",
                       "agency_code", "subject", "phone", "organisation")  # fmt: skip


@dataclass(frozen=True)
class Submission:
    kind: str | None
    category: str | None
    title: str | None
    content: str | None
    province_code: str | None = None
    procedure_code: str | None = None
    dossier_code: str | None = None
    agency_code: str | None = None
    phone: str | None = None
    organisation: str | None = None


@dataclass(frozen=True)
class CleanSubmission:
    kind: Kind
    category: str
    title: str
    content: str
    province_code: str | None
    procedure_code: str | None
    dossier_code: str | None
    agency_code: str | None
    phone: str | None
    organisation: str | None


def _blank(v: str | None) -> str | None:
    v = (v or "").strip()
    return v or None


def check_submission(sub: Submission) -> CleanSubmission:
    """Every problem at once, each with a Vietnamese message, keyed by field."""
    errors: dict[str, str] = {}
    clean = CleanSubmission(
        kind=cast(Kind, _choice(sub.kind, KINDS, "kind", _KIND_MESSAGE, errors)),
        category=_choice(sub.category, CATEGORIES, "category", _CATEGORY_MESSAGE, errors),
        title=" ".join((sub.title or "").split()),
        content=(sub.content or "").strip(),
        province_code=_blank(sub.province_code),
        procedure_code=_blank(sub.procedure_code),
        dossier_code=_blank(sub.dossier_code),
        agency_code=_blank(sub.agency_code),
        phone=_phone(sub.phone, errors),
        organisation=_blank(sub.organisation),
    )
    errors.update(_text_errors(clean))
    errors.update(_subject_errors(clean))
    if errors:
        errors = {field: errors[field] for field in sorted(errors, key=_FIELD_ORDER.index)}
        raise FeedbackError(
            "invalid_input", "Phản ánh, kiến nghị chưa hợp lệ: " + " ".join(errors.values()), errors
        )
    return clean


def _choice(
    value: str | None, allowed: Mapping[str, str], field: str, message: str, errors: dict[str, str]
) -> str:
    chosen = _blank(value)
    if chosen is None or chosen not in allowed:
        errors[field] = message
        return ""
    return chosen


def _phone(value: str | None, errors: dict[str, str]) -> str | None:
    """For the SMS about the answer: a Vietnamese mobile number, kept as E.164."""
    if not _blank(value):
        return None
    try:
        return vn_phone.normalise(value or "")
    except vn_phone.InvalidPhone as exc:
        errors["phone"] = f"{exc.message_vi} Ví dụ: 0912345678 hoặc +84912345678."
        return None


def _text_errors(sub: CleanSubmission) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not 10 <= len(sub.title) <= 200:
        errors["title"] = "Tiêu đề phải có từ 10 đến 200 ký tự."
    if not 20 <= len(sub.content) <= 5000:
        errors["content"] = "Nội dung phải có từ 20 đến 5000 ký tự."
    if sub.organisation is not None and len(sub.organisation) > 200:
        errors["organisation"] = "Tên tổ chức, doanh nghiệp tối đa 200 ký tự."
    return errors


def _subject_errors(sub: CleanSubmission) -> dict[str, str]:
    """What the feedback is about (procedure, dossier or agency) and where (province)."""
    errors: dict[str, str] = {}
    province, dossier = sub.province_code, sub.dossier_code
    if province is not None and province not in PROVINCE_CODES:
        errors["province_code"] = units.check_current(province) or ""
    named = {"procedure_code": sub.procedure_code, "dossier_code": dossier, "agency_code": sub.agency_code}
    for name, value in named.items():
        if value is not None and not _CODE.match(value):
            errors[name] = "Mã không hợp lệ (chữ, số, dấu chấm, gạch ngang; tối đa 64 ký tự)."
    if not any(named.values()):
        errors["subject"] = (
            "Cần nêu thủ tục (procedure_code), hồ sơ (dossier_code) hoặc cơ quan (agency_code)."
        )
    if province is None and dossier is None:
        errors["province_code"] = "Cần chọn tỉnh/thành phố nơi phát sinh phản ánh, kiến nghị."
    return errors


@dataclass(frozen=True)
class ProcedureInfo:
    code: str
    agency_code: str
    allowed_agency_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DossierInfo:
    code: str
    agency_code: str
    procedure_code: str
    province_code: str


@dataclass(frozen=True)
class Routing:
    agency_code: str
    basis: str  # "dossier" | "procedure" | "agency"
    province_code: str
    procedure_code: str | None


def route(
    sub: CleanSubmission,
    *,
    dossier: DossierInfo | None,
    procedure: ProcedureInfo | None,
    named_agency_known: bool,
) -> Routing:
    """Where the feedback goes. The caller looked up what ``sub`` names; None means unknown to the portal."""
    if sub.dossier_code:
        if dossier is None:
            raise FeedbackError(
                "unknown_dossier",
                f"Không tìm thấy hồ sơ {sub.dossier_code} trên Cổng Dịch vụ công (hồ sơ vừa nộp có thể cần "
                "ít phút để được đồng bộ).",
                {"dossier_code": "Mã hồ sơ"},
            )
        # a dossier filed before 1 July 2025 keeps its former province's code: compare today's units
        today = units.today(dossier.province_code)
        if sub.province_code and sub.province_code != today:
            raise FeedbackError(
                "province_mismatch",
                f"Hồ sơ {dossier.code} thuộc tỉnh/thành phố mã {today} ({units.name(today)}), không phải "
                f"{sub.province_code}.",
                {"province_code": "Mã tỉnh/thành phố"},
            )
        return Routing(dossier.agency_code, "dossier", today, dossier.procedure_code)
    assert sub.province_code is not None  # checked: a province is required without a dossier
    if sub.agency_code and not named_agency_known:
        raise FeedbackError(
            "unknown_agency",
            f"Không tìm thấy cơ quan có mã {sub.agency_code} trong Cơ sở dữ liệu thủ tục hành chính.",
            {"agency_code": "Mã cơ quan"},
        )
    if sub.procedure_code:
        if procedure is None:
            raise FeedbackError(
                "unknown_procedure",
                f"Không tìm thấy thủ tục {sub.procedure_code} trong Cơ sở dữ liệu thủ tục hành chính.",
                {"procedure_code": "Mã thủ tục"},
            )
        agencies = {procedure.agency_code, *procedure.allowed_agency_codes}
        agency = sub.agency_code if sub.agency_code in agencies else procedure.agency_code
        return Routing(agency, "procedure", sub.province_code, procedure.code)
    assert sub.agency_code is not None
    return Routing(sub.agency_code, "agency", sub.province_code, None)
