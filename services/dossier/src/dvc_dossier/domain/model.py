"""Dossier submission rules: the procedure must be published and offered in the province; required
fields must be present; a level-4 (fully online) procedure's mandatory documents must be attached; due date
counts statutory working days."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dvc_contracts.calendar import add_working_days
from dvc_contracts.clock import VN_TZ, vn_date
from dvc_dossier.domain.documents import DocumentRef
from dvckit.text import fold

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class SubmissionError(Exception):
    """``fields``: the names in error, or {name: its own message}."""

    def __init__(self, code: str, message: str, fields: list[str] | dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields: list[str] | dict[str, str] = fields or []


@dataclass(frozen=True)
class Submission:
    procedure_code: str
    province_code: str
    applicant_name: str
    citizen_phone: str | None
    fields: dict[str, Any]
    documents: tuple[DocumentRef, ...] = ()  # uploads to attach (dvc_dossier.service.documents)


def new_dossier_code(province_code: str, at: datetime) -> str:
    """e.g. '01-261121-7KQ2MX': province, local date, 6 random characters (no 0/O/1/I)."""
    local = at.astimezone(VN_TZ)
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{province_code}-{local:%y%m%d}-{suffix}"


def check_submission(snapshot: dict[str, Any], status: str, sub: Submission) -> None:
    if status != "published":
        raise SubmissionError("procedure_not_available", f"Thủ tục {sub.procedure_code} đã ngừng áp dụng.")
    provinces = snapshot.get("provinces") or []
    if provinces and sub.province_code not in provinces:
        raise SubmissionError(
            "not_offered_in_province",
            f"Thủ tục {sub.procedure_code} chưa được cung cấp tại tỉnh/thành phố mã {sub.province_code}.",
        )
    provided = {
        "applicant_name": sub.applicant_name,
        "phone": sub.citizen_phone,
        "province_code": sub.province_code,
        **sub.fields,
    }
    missing = [f for f in snapshot.get("required_fields", []) if provided.get(f) in (None, "")]
    if missing:
        raise SubmissionError(
            "missing_fields", f"Thiếu thông tin bắt buộc: {', '.join(missing)}.", fields=missing
        )
    check_documents(snapshot, sub.documents)


def check_documents(snapshot: dict[str, Any], refs: tuple[DocumentRef, ...]) -> None:
    """A named document type (``code``) must be one the procedure lists; on a level-4 procedure (filed and
    handled entirely online) every mandatory document of the catalog's ``required_documents`` must be attached.
    A reference counts for a type by its ``code`` or, without one, by its ``name`` being the catalog's name of
    that document (diacritics, case and spacing aside). Level 3 takes the originals at the counter: not checked."""
    listed = [d for d in snapshot.get("required_documents") or [] if isinstance(d, dict) and d.get("code")]
    codes = {str(d["code"]) for d in listed}
    by_name = {fold(str(d.get("name") or "")): str(d["code"]) for d in listed}
    given: set[str] = set()
    for i, ref in enumerate(refs):
        if ref.code is not None and ref.code not in codes:
            raise SubmissionError(
                "invalid_documents",
                f"Thủ tục này không có loại giấy tờ mã {ref.code} (“{ref.name}”).",
                [f"documents.{i}.code"],
            )
        code = ref.code or by_name.get(fold(ref.name))
        if code:
            given.add(code)
    if int(snapshot.get("service_level") or 0) != 4:
        return
    missing = [d for d in listed if d.get("mandatory", True) and str(d["code"]) not in given]
    if missing:
        names = "; ".join(f"“{d.get('name') or d['code']}”" for d in missing)
        raise SubmissionError(
            "missing_documents",
            f"Thiếu giấy tờ bắt buộc khi nộp hồ sơ trực tuyến: {names}. Hãy tải lên và đính kèm rồi nộp lại.",
            {
                f"documents.{d['code']}": f"Chưa đính kèm “{d.get('name') or d['code']}”: giấy tờ bắt buộc "
                "của thủ tục này khi nộp trực tuyến."
                for d in missing
            },
        )


def due_date(submitted_at: datetime, processing_days: int) -> date | None:
    if processing_days <= 0:
        return None
    return add_working_days(vn_date(submitted_at), processing_days)


def fixed_fee(snapshot: dict[str, Any]) -> int:
    fee = snapshot.get("fee") or {}
    return int(fee.get("amount_vnd") or 0) if fee.get("kind") == "fixed" else 0
