"""The synthetic 3,000-procedure catalog."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from dvc_catalog.domain.generator import LEVEL_WEIGHTS, PROFILES, generate_catalog
from dvc_catalog.domain.reference import AGENCY_BY_CODE
from dvc_catalog.domain.seed_procedures import (
    DOCUMENT_TYPES,
    FIELD_LABELS,
    PROCEDURE_KEYS,
    SEED_PROCEDURES,
    procedure_problems,
)
from dvc_contracts.events import ProcedurePublishedV1
from dvc_contracts.fees import assess_fee


@pytest.fixture(scope="module")
def catalog() -> list[dict[str, Any]]:
    return list(generate_catalog())


def test_3000_unique_codes(catalog: list[dict[str, Any]]) -> None:
    assert len(catalog) == 3000
    assert len({p["code"] for p in catalog}) == 3000


def test_deterministic_for_a_seed(catalog: list[dict[str, Any]]) -> None:
    assert list(generate_catalog(3000, 42)) == catalog
    other = list(generate_catalog(3000, 7))
    assert other != catalog
    assert len({p["code"] for p in other}) == 3000


def test_seeds_come_first_as_copies(catalog: list[dict[str, Any]]) -> None:
    assert catalog[: len(SEED_PROCEDURES)] == list(SEED_PROCEDURES)
    catalog_copy = list(generate_catalog(5))
    catalog_copy[0]["required_fields"].append("mutated")
    assert "mutated" not in SEED_PROCEDURES[0]["required_fields"]
    assert [p["code"] for p in generate_catalog(3)] == [p["code"] for p in SEED_PROCEDURES[:3]]
    assert list(generate_catalog(0)) == []


def test_level_ratio_within_5_percent(catalog: list[dict[str, Any]]) -> None:
    counts = Counter(p["level"] for p in catalog)
    for level, weight in LEVEL_WEIGHTS.items():
        assert abs(counts[level] / len(catalog) - weight) <= 0.05, (level, counts)
    small = Counter(p["level"] for p in generate_catalog(200, 1))
    for level, weight in LEVEL_WEIGHTS.items():
        assert abs(small[level] / 200 - weight) <= 0.05, (level, small)


def test_every_procedure_is_valid(catalog: list[dict[str, Any]]) -> None:
    for p in catalog:
        assert tuple(p) == PROCEDURE_KEYS
        assert procedure_problems(p) == [], p
        assert all(f in FIELD_LABELS for f in p["required_fields"]), p["code"]
        assert all(d["code"] in DOCUMENT_TYPES for d in p["required_documents"]), p["code"]
        if p["fee"]["kind"] == "fixed":
            assert type(p["fee"]["amount_vnd"]) is int
        form = {f: 1_000_000 for f in p["required_fields"]}
        assert isinstance(assess_fee(p["fee"], form, external_amount_vnd=0), int)


def test_synthetic_procedures_look_real(catalog: list[dict[str, Any]]) -> None:
    synthetic = catalog[len(SEED_PROCEDURES) :]
    assert all(p["code"][0] in "12" and p["code"][1] == "." for p in synthetic)
    assert all(not p["name"].isascii() for p in synthetic)
    assert all(p["chained_flow"] is None and p["social_saving_vnd"] is None for p in synthetic)
    assert all(p["provinces"] == [] for p in synthetic if p["level"] == "central")
    assert len({p["sector"] for p in synthetic}) >= 30
    assert len({p["agency_code"] for p in synthetic}) >= 40
    assert len({p["name"] for p in synthetic}) >= 500
    kinds = Counter(p["fee"]["kind"] for p in synthetic)
    assert kinds["free"] > 0 and kinds["fixed"] > 0 and kinds["rule"] > 0
    verbs = {p["name"].split(" ")[0] for p in synthetic}
    assert {"Cấp", "Đăng", "Gia"} <= verbs
    for p in synthetic:
        agency = AGENCY_BY_CODE[p["agency_code"]]
        if agency.kind == "province_department" and agency.code.startswith("UBND-"):
            assert (
                p["level"]
                == {"UBND-TINH": "province", "UBND-HUYEN": "district", "UBND-XA": "commune"}[agency.code]
            )


def test_every_profile_level_has_subjects() -> None:
    for profile in PROFILES:
        for level in profile.agencies:
            assert profile.subjects_at(level), (profile.sector, level)
        for subject in profile.subjects:
            assert any(subject.fits(level, agencies) for level, agencies in profile.agencies.items()), subject


def test_snapshots_validate_against_the_contract(catalog: list[dict[str, Any]]) -> None:
    published_at = datetime(2024, 1, 1, tzinfo=UTC)
    for p in catalog[::7]:
        ProcedurePublishedV1.model_validate(
            {
                **p,
                "version": 1,
                "agency_name": AGENCY_BY_CODE[p["agency_code"]].name,
                "published_at": published_at,
            }
        )


def test_negative_n_is_rejected() -> None:
    with pytest.raises(ValueError):
        list(generate_catalog(-1))
