"""The seed catalog: real procedures named in the product brief (articles on the national portal), as dicts.

The data is ``dvc_catalog/data/procedures.yaml`` (with the comments that cite each fee's and each time limit's
legal source), validated on import by ``seed_schema`` (strict: a broken entry fails with the file, the line, the
procedure's code and the field); the form fields and document types it may name are ``data/vocabulary.yaml``.

Every procedure is a dict with exactly the keys in ``PROCEDURE_KEYS``; the catalog service turns it into its
model and into the ``procedure-published`` snapshot (``ProcedurePublishedV1``). ``procedure_problems`` checks a
dict against the reference data.

Fees (integer VND): ``kind`` is ``fixed`` (``amount_vnd``), ``free`` or ``rule`` (``rule``), the contract's
``dvc_contracts.fees.ProcedureFeeV1``; the rule types, and how each is computed (``assess_fee``), are that
module's: the catalog computes no fee of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from dvc_catalog.domain.datafile import load_data_file
from dvc_catalog.domain.procedure_checks import fee_problems, procedure_problems
from dvc_catalog.domain.seed_schema import SEED_ENTRIES, SeedFile
from dvc_catalog.domain.vocabulary import (
    CHAINED_FLOWS,
    DOCUMENT_TYPES,
    FIELD_LABELS,
    FIELD_NAME_PATTERN,
    LEVELS,
    PROCEDURE_KEYS,
    doc,
)

__all__ = [
    "BASE_SALARY_VND",
    "CHAINED_FLOWS",
    "DOCUMENT_TYPES",
    "FIELD_LABELS",
    "FIELD_NAME_PATTERN",
    "LEVELS",
    "LPTB_CAR_RULE",
    "LPTB_MOTORBIKE_RULE",
    "PROCEDURE_KEYS",
    "SEED_PROCEDURES",
    "SEED_PROCEDURE_BY_CODE",
    "SOCIAL_SAVING_NOTES",
    "doc",
    "fee_problems",
    "procedure_problems",
]

_SEEDS: Final = load_data_file("procedures.yaml", SeedFile, SEED_ENTRIES)

# Lương cơ sở (base salary) from 1 July 2024, Nghị định 73/2024/NĐ-CP (procedures.yaml).
BASE_SALARY_VND: Final = _SEEDS.base_salary_vnd
# Lệ phí trước bạ of cars and of motorbikes (Nghị định 10/2022/NĐ-CP; the rates and their sources: procedures.yaml).
LPTB_CAR_RULE: Final[Mapping[str, Any]] = MappingProxyType(_SEEDS.shared_rules["lptb_car"].model_dump())
LPTB_MOTORBIKE_RULE: Final[Mapping[str, Any]] = MappingProxyType(
    _SEEDS.shared_rules["lptb_motorbike"].model_dump()
)

SEED_PROCEDURES: Final[tuple[dict[str, Any], ...]] = tuple(p.to_dict() for p in _SEEDS.procedures)
SEED_PROCEDURE_BY_CODE: Final[Mapping[str, dict[str, Any]]] = MappingProxyType(
    {p["code"]: p for p in SEED_PROCEDURES}
)
# How each social-cost saving per online dossier was derived from the seeds' yearly figures.
SOCIAL_SAVING_NOTES: Final[Mapping[str, str]] = MappingProxyType(
    {p.code: p.social_saving_note for p in _SEEDS.procedures if p.social_saving_note is not None}
)
