"""Checks of a procedure dict (the seeds', the generator's) against the catalog's reference data and the fee
contract: ``procedure_problems`` lists everything wrong with one (an empty list: valid)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from dvc_catalog.domain.reference import AGENCY_BY_CODE, CODE_PATTERN, PROVINCE_BY_CODE, SECTOR_BY_CODE
from dvc_catalog.domain.vocabulary import CHAINED_FLOWS, FIELD_NAME_PATTERN, LEVELS, PROCEDURE_KEYS
from dvc_contracts.fees import parse_fee

__all__ = ["fee_problems", "procedure_problems"]
NATIONAL_CODE = re.compile(r"^[1-3]\.[0-9]{6}$")


def procedure_problems(procedure: Mapping[str, Any]) -> list[str]:
    """Everything wrong with a procedure dict (empty list = valid): keys, codes, references to the reference
    data, fee shape, field names, document entries."""
    keys = tuple(procedure)
    if set(keys) != set(PROCEDURE_KEYS):
        missing = sorted(set(PROCEDURE_KEYS) - set(keys))
        extra = sorted(set(keys) - set(PROCEDURE_KEYS))
        return [f"keys: missing {missing}, unexpected {extra}"]
    checks = (_identity, _references, _numbers, _documents, _fields, _places)
    return [problem for check in checks for problem in check(procedure)] + fee_problems(procedure["fee"])


def _non_negative_int(value: Any, *, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _identity(procedure: Mapping[str, Any]) -> Iterator[str]:
    code = procedure["code"]
    if not isinstance(code, str) or not (CODE_PATTERN.match(code) or NATIONAL_CODE.match(code)):
        yield f"code {code!r} is not an upper-case ASCII code or a national 'N.NNNNNN' code"
    for key in ("name", "description"):
        if not isinstance(procedure[key], str) or not procedure[key].strip():
            yield f"{key} is empty"


def _references(procedure: Mapping[str, Any]) -> Iterator[str]:
    if procedure["sector"] not in SECTOR_BY_CODE:
        yield f"unknown sector {procedure['sector']!r}"
    if procedure["agency_code"] not in AGENCY_BY_CODE:
        yield f"unknown agency {procedure['agency_code']!r}"
    if procedure["level"] not in LEVELS:
        yield f"unknown level {procedure['level']!r}"
    if procedure["chained_flow"] is not None and procedure["chained_flow"] not in CHAINED_FLOWS:
        yield f"unknown chained flow {procedure['chained_flow']!r}"
    for a in procedure["allowed_agency_codes"]:
        if a not in AGENCY_BY_CODE:
            yield f"unknown allowed agency {a!r}"
        if a == procedure["agency_code"]:
            yield f"allowed agency {a!r} repeats the responsible agency"


def _numbers(procedure: Mapping[str, Any]) -> Iterator[str]:
    if procedure["service_level"] not in (3, 4) or isinstance(procedure["service_level"], bool):
        yield f"service_level {procedure['service_level']!r} is not 3 or 4"
    if not _non_negative_int(days := procedure["processing_days"], minimum=1):
        yield f"processing_days {days!r} is not a positive int"
    saving = procedure["social_saving_vnd"]
    if saving is not None and not _non_negative_int(saving):
        yield f"social_saving_vnd {saving!r} is not a non-negative int"


def _documents(procedure: Mapping[str, Any]) -> Iterator[str]:
    doc_codes = [d.get("code") for d in procedure["required_documents"]]
    if len(doc_codes) != len(set(doc_codes)):
        yield "duplicate required document codes"
    for d in procedure["required_documents"]:
        if set(d) != {"code", "name", "mandatory"} or not isinstance(d["mandatory"], bool):
            yield f"malformed required document {d!r}"


def _fields(procedure: Mapping[str, Any]) -> Iterator[str]:
    fields = procedure["required_fields"]
    if len(fields) != len(set(fields)):
        yield "duplicate required fields"
    for f in fields:
        if not isinstance(f, str) or not FIELD_NAME_PATTERN.match(f):
            yield f"malformed field name {f!r}"


def _places(procedure: Mapping[str, Any]) -> Iterator[str]:
    for p in procedure["provinces"]:
        if p not in PROVINCE_BY_CODE:
            yield f"unknown province {p!r}"
    if len(procedure["provinces"]) != len(set(procedure["provinces"])):
        yield "duplicate provinces"


def fee_problems(fee: Mapping[str, Any]) -> list[str]:
    """Everything wrong with a fee dict (empty list = valid): it must be a ``ProcedureFeeV1`` (a known rule with
    the fields it needs), and the catalog asks more of its own fees: a fixed amount above 0, nothing extra."""
    try:
        parse_fee(fee)
    except ValidationError as exc:
        return [
            f"invalid fee: {e['msg']} at {'.'.join(str(p) for p in e['loc']) or 'fee'}" for e in exc.errors()
        ]
    kind, amount, rule = fee.get("kind"), fee.get("amount_vnd"), fee.get("rule")
    if kind == "fixed":
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            return [f"fixed fee amount {amount!r} is not a positive int"]
        return [] if rule is None else ["fixed fee has a rule"]
    if kind == "free":
        return [] if amount is None and rule is None else ["free fee has an amount or a rule"]
    return [] if amount is None else ["rule-based fee has a fixed amount"]
