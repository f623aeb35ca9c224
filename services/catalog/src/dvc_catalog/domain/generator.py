"""A realistic synthetic procedure catalog for scale tests (the real portal lists ~3,000 online services).

``generate_catalog(n, seed)`` yields the seed procedures first, then synthetic ones built from sector profiles
(``data/generator_profiles.yaml``, loaded by ``generator_profiles``): a sector, a responsible agency that exists at
the chosen administrative level, a Vietnamese name made of an action and its object ("Cấp lại giấy phép …",
"Đăng ký …", "Gia hạn …"), plausible fees, statutory working days, documents, form fields and provinces. Same
``n`` and ``seed`` → the same catalog; codes are unique (synthetic ones use the national "N.NNNNNN" style); the
levels follow ``LEVEL_WEIGHTS`` across the whole output. Synthetic procedures carry no social-cost saving (the
seeds give none) and no chained flow.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any, Final

from dvc_catalog.domain.generator_profiles import GENERATOR, LEVEL_WEIGHTS, PROFILES, Profile
from dvc_catalog.domain.reference import AGENCY_BY_CODE
from dvc_catalog.domain.seed_procedures import SEED_PROCEDURES
from dvc_catalog.domain.vocabulary import LEVELS, Level, doc
from dvc_contracts.units import CURRENT as PROVINCES

__all__ = ["LEVEL_WEIGHTS", "PROFILES", "generate_catalog"]

_LEVEL_NAMES: Final = {level: GENERATOR.levels[level].name for level in LEVELS}
_PROCESSING_DAYS: Final = {level: tuple(GENERATOR.levels[level].processing_days) for level in LEVELS}
_PERSON_FIELDS: Final = tuple(GENERATOR.applicant_fields.person)
_ORG_FIELDS: Final = tuple(GENERATOR.applicant_fields.org)
_VERB_SUFFIXES: Final = {verb: tuple(endings) for verb, endings in GENERATOR.verb_suffixes.items()}


def _level_plan(n: int, seed_levels: list[str], rng: random.Random) -> list[Level]:
    """Levels for the synthetic procedures so that the whole output matches LEVEL_WEIGHTS (largest remainder)."""
    exact = {level: n * LEVEL_WEIGHTS[level] for level in LEVELS}
    quota = {level: int(exact[level]) for level in LEVELS}
    by_remainder = sorted(LEVELS, key=lambda lv: exact[lv] - quota[lv], reverse=True)
    for level in by_remainder[: n - sum(quota.values())]:
        quota[level] += 1
    wanted = {level: max(0, quota[level] - seed_levels.count(level)) for level in LEVELS}
    synthetic = n - len(seed_levels)
    # When the seeds alone exceed a level's quota, take the difference from the largest level.
    while sum(wanted.values()) > synthetic:
        wanted[max(LEVELS, key=lambda lv: wanted[lv])] -= 1
    while sum(wanted.values()) < synthetic:
        wanted["province"] += 1
    plan = [level for level in LEVELS for _ in range(wanted[level])]
    rng.shuffle(plan)
    return plan


def _weighted_profiles(level: Level) -> list[Profile]:
    return [p for p in PROFILES if p.subjects_at(level) for _ in range(p.weight)]


def _fee(profile: Profile, rng: random.Random) -> dict[str, Any]:
    draw = rng.random()
    if profile.rule is not None and draw < profile.rule_share:
        return {
            "kind": "rule",
            "amount_vnd": None,
            "rule": profile.rule.model_dump(),
            "description": "Lệ phí tính theo giá trị tài sản",
        }
    if draw < profile.rule_share + profile.free_share or not profile.fixed_fees:
        return {"kind": "free", "amount_vnd": None, "rule": None, "description": "Không thu phí, lệ phí"}
    amount = rng.choice(profile.fixed_fees)
    text = f"{amount:,}".replace(",", ".")
    return {"kind": "fixed", "amount_vnd": amount, "rule": None, "description": f"{text} đồng/hồ sơ"}


def _synthetic(code: str, level: Level, profile: Profile, rng: random.Random) -> dict[str, Any]:
    subject = rng.choice(profile.subjects_at(level))
    agencies = [a for a in profile.agencies[level] if subject.agencies is None or a in subject.agencies]
    agency_code = rng.choice(agencies)
    agency = AGENCY_BY_CODE[agency_code]
    verb = rng.choice(subject.verbs)
    audience = subject.audience
    qualifier = ""
    if audience == "both":
        audience = rng.choice(("person", "org"))
        qualifier = rng.choice(("", "", " cho cá nhân" if audience == "person" else " cho tổ chức"))
    suffix = rng.choice(_VERB_SUFFIXES.get(verb, ("",)))
    name = f"{verb} {subject.phrase}{suffix or qualifier}"

    fee = _fee(profile, rng)
    fields = list(_PERSON_FIELDS if audience == "person" else _ORG_FIELDS)
    extra = [f for f in profile.fields if f not in fields]
    fields += rng.sample(extra, k=min(len(extra), rng.randint(1, 3)))
    if fee["kind"] == "rule" and fee["rule"]["value_field"] not in fields:
        fields.append(fee["rule"]["value_field"])

    documents = [doc(rng.choice(("DON-DE-NGHI", "TO-KHAI")))]
    if audience == "person" and rng.random() < 0.5:
        documents.append(doc("CCCD"))
    taken = {d["code"] for d in documents}
    others = [d for d in profile.documents if d not in taken]
    for code_ in rng.sample(others, k=min(len(others), rng.randint(0, 3))):
        documents.append(doc(code_, mandatory=rng.random() < 0.8))

    allowed: list[str] = []
    candidates = [c for c in (agency.parent_code, *profile.related) if c and c != agency_code]
    if candidates and rng.random() < 0.3:
        allowed.append(rng.choice(candidates))

    provinces: list[str] = []
    if level != "central" and rng.random() < 0.2:
        provinces = sorted(p.code for p in rng.sample(PROVINCES, k=rng.randint(1, 8)))

    days = rng.choice(_PROCESSING_DAYS[level])
    service_level = 4 if rng.random() < 0.45 else 3
    channel = "nộp hồ sơ và nhận kết quả trực tuyến" if service_level == 4 else "nộp hồ sơ trực tuyến"
    description = f"{name}: thủ tục {_LEVEL_NAMES[level]} do {agency.name} giải quyết trong {days} ngày làm việc, {channel}."
    return {
        "code": code,
        "name": name,
        "sector": profile.sector,
        "agency_code": agency_code,
        "level": level,
        "service_level": service_level,
        "fee": fee,
        "processing_days": days,
        "required_documents": documents,
        "required_fields": fields,
        "allowed_agency_codes": allowed,
        "chained_flow": None,
        "social_saving_vnd": None,
        "provinces": provinces,
        "description": description,
        "assurance_level": 1,
    }


def generate_catalog(n: int = 3000, seed: int = 42) -> Iterator[dict[str, Any]]:
    """Yield ``n`` procedure dicts (the keys of ``PROCEDURE_KEYS``): the seed procedures first (copies), then
    synthetic ones. Deterministic for a given ``(n, seed)``; codes are unique."""
    if n < 0:
        raise ValueError("n must be non-negative")
    seeds = SEED_PROCEDURES[:n]
    for procedure in seeds:
        yield copy.deepcopy(procedure)
    if n <= len(seeds):
        return
    rng = random.Random(seed)
    plan = _level_plan(n, [p["level"] for p in seeds], rng)
    profiles_by_level = {level: _weighted_profiles(level) for level in LEVELS}
    serial = 100
    for level in plan:
        serial += rng.randint(1, 9)
        code = f"{rng.choice('12')}.{serial:06d}"
        yield _synthetic(code, level, rng.choice(profiles_by_level[level]), rng)
