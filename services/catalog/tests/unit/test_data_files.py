"""The catalog's data files (dvc_catalog/data/*.yaml): shipped in the package, loaded into the seed procedures and
the generator's profiles, with their legal sources; a broken entry fails naming the file, the line, the entry and
the field."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from dvc_catalog.domain.datafile import DataFileError
from dvc_catalog.domain.generator import LEVEL_WEIGHTS, PROFILES
from dvc_catalog.domain.generator_profiles import parse_generator_file
from dvc_catalog.domain.seed_procedures import (
    BASE_SALARY_VND,
    DOCUMENT_TYPES,
    FIELD_LABELS,
    LPTB_CAR_RULE,
    SEED_PROCEDURE_BY_CODE,
    SEED_PROCEDURES,
)
from dvc_catalog.domain.seed_schema import parse_seed_file


def _text(name: str) -> str:
    return files("dvc_catalog").joinpath("data", name).read_text(encoding="utf-8")


PROCEDURES_YAML = _text("procedures.yaml")
PROFILES_YAML = _text("generator_profiles.yaml")


def test_counts() -> None:
    assert len(SEED_PROCEDURES) == 30
    assert len(PROFILES) == 45
    assert len(FIELD_LABELS) == 90
    assert len(DOCUMENT_TYPES) == 62
    assert dict(LEVEL_WEIGHTS) == {"central": 0.15, "province": 0.45, "district": 0.25, "commune": 0.15}


def test_known_procedures_and_their_fees() -> None:
    licence = SEED_PROCEDURE_BY_CODE["GPLX-DOI-L4"]
    assert licence["fee"] == {
        "kind": "fixed",
        "amount_vnd": 135_000,
        "rule": None,
        "description": "Lệ phí đổi giấy phép lái xe 135.000 đồng/lần",
    }
    assert licence["required_documents"][0] == {
        "code": "DON-DOI-GPLX",
        "name": "Đơn đề nghị đổi giấy phép lái xe",
        "mandatory": True,
    }
    assert (licence["assurance_level"], licence["social_saving_vnd"]) == (2, 342_751)
    # One shared rule (a YAML anchor) for the car registration and its registration fee, each its own copy.
    car = SEED_PROCEDURE_BY_CODE["DKX-OTO"]["fee"]["rule"]
    assert car == SEED_PROCEDURE_BY_CODE["LPTB-OTO"]["fee"]["rule"] == dict(LPTB_CAR_RULE)
    assert car is not SEED_PROCEDURE_BY_CODE["LPTB-OTO"]["fee"]["rule"]
    assert (car["percent"], car["percent_by_province"]["01"], car["percent_by_province"]["42"]) == (
        10,
        12,
        11,
    )
    household = SEED_PROCEDURE_BY_CODE["BHYT-HGD-GIA-HAN"]["fee"]["rule"]
    assert household["base_salary_vnd"] == BASE_SALARY_VND == 2_340_000
    assert type(household["percent"]) is float and household["percent"] == 4.5
    assert SEED_PROCEDURE_BY_CODE["HT-XN-HON-NHAN"]["required_documents"][1]["mandatory"] is False
    assert SEED_PROCEDURE_BY_CODE["HT-KHAI-SINH"]["fee"]["kind"] == "free"
    land = next(p for p in PROFILES if p.sector == "DAT-DAI")
    assert land.rule is not None and land.rule.model_dump()["percent"] == 0.5


@pytest.mark.parametrize(
    "citation",
    [
        "Thông tư 188/2016/TT-BTC",  # the driver-licence fee
        "Nghị định 10/2022/NĐ-CP",  # lệ phí trước bạ
        "Thông tư 226/2016/TT-BTC",  # certified copies
        "Nghị định 73/2024/NĐ-CP",  # the base salary
        "Nghị định 146/2018/NĐ-CP",  # household health insurance
        "Luật Hộ tịch 2014, Điều 16",  # birth registration, the same day
    ],
)
def test_the_legal_sources_stay_beside_the_data(citation: str) -> None:
    comments = " ".join(line.split("#", 1)[1] for line in PROCEDURES_YAML.splitlines() if "#" in line)
    assert citation in re.sub(r"\s+", " ", comments)


def _broken(text: str, code: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced by ``new`` in the entry of procedure ``code`` only."""
    start = text.index(f"  - code: {code}\n")
    end = text.find("\n  - code: ", start + 1)
    entry = text[start:end]
    assert old in entry
    return text[:start] + entry.replace(old, new, 1) + text[end:]


def _error(text: str) -> DataFileError:
    with pytest.raises(DataFileError) as caught:
        parse_seed_file(text)
    return caught.value


def test_the_file_as_shipped_parses() -> None:
    assert [p.to_dict() for p in parse_seed_file(PROCEDURES_YAML).procedures] == list(SEED_PROCEDURES)
    assert parse_generator_file(PROFILES_YAML).profiles == list(PROFILES)


def test_an_amount_written_as_text_names_file_line_procedure_and_field() -> None:
    error = _error(_broken(PROCEDURES_YAML, "GPLX-DOI-L4", "amount_vnd: 135_000", 'amount_vnd: "135000"'))
    line = PROCEDURES_YAML.splitlines().index("      amount_vnd: 135_000") + 1
    assert error.file == "procedures.yaml"
    assert error.problems == [
        (line, "procedure GPLX-DOI-L4", "fee.amount_vnd", "Input should be a valid integer (got '135000')")
    ]
    assert str(error).startswith("procedures.yaml: 1 problem\n")
    assert f"line {line}, procedure GPLX-DOI-L4, fee.amount_vnd: Input should be a valid integer" in str(
        error
    )


@pytest.mark.parametrize(
    ("code", "old", "new", "field", "says"),
    [
        ("DKX-XEMAY", "sector: DANG-KY-XE", "sector: NO-SUCH", "sector", "unknown sector"),
        ("HT-KHAI-SINH", "processing_days: 1", "processing_days: 1\n    fees: 0", "fees", "Extra inputs"),
        ("HT-KHAI-SINH", 'provinces: ["01"]', "provinces: [01]", "provinces[0]", "valid string"),
        ("HT-KHAI-SINH", 'provinces: ["01"]', 'provinces: ["30"]', "provinces[0]", "unknown province"),
        ("CT-BAN-SAO-DT", "first_pages: 2", "first_pages: two", "fee.rule.first_pages", "integer"),
        (
            "CT-BAN-SAO-DT",
            "type: per_page",
            "type: per_word",
            "fee.rule",
            "does not match any of the expected",
        ),
        (
            "LLTP-CAP-PHIEU",
            "TK-LLTP, CCCD",
            "TK-LLTP, CMND",
            "required_documents[1].code",
            "unknown document",
        ),
        (
            "THUE-DN-NOP",
            "tax_period, tax_type, tax_amount_vnd",
            "tax_period, tax_type",
            "required_fields",
            "rule",
        ),
        ("GPLX-CAP-MOI", "[BGTVT-TCDBVN]", "[SO-GTVT]", "allowed_agency_codes", "responsible agency"),
        ("GPLX-DOI-L4", "    social_saving_vnd: 342_751", "    #", "social_saving_note", "go together"),
        ("YT-KSK-LAI-XE", "amount_vnd: 350_000", "amount_vnd: 0", "fee", "not a positive int"),
        ("YT-KSK-LAI-XE", "    processing_days: 1", "    processing: 1", "processing_days", "Field required"),
    ],
)
def test_a_broken_entry_is_refused_with_its_code_and_field(
    code: str, old: str, new: str, field: str, says: str
) -> None:
    error = _error(_broken(PROCEDURES_YAML, code, old, new))
    named = [p for p in error.problems if p[1] == f"procedure {code}" and p[2] == field and says in p[3]]
    assert named, str(error)
    assert all(line > 0 for line, *_ in error.problems)


def test_a_repeated_code_and_bad_yaml_are_refused() -> None:
    repeated = _broken(PROCEDURES_YAML, "GPLX-CAP-MOI", "code: GPLX-CAP-MOI", "code: GPLX-DOI-L4")
    assert "procedure code listed more than once: GPLX-DOI-L4" in str(_error(repeated))
    error = _error(PROCEDURES_YAML.replace("procedures:\n", "procedures:\n  - [unclosed\n", 1))
    assert error.problems[0][0] > 0 and "not YAML" in error.problems[0][3]


def test_a_broken_profile_names_its_sector_and_field() -> None:
    text = PROFILES_YAML.replace("province: [SO-GTVT], district: [UBND-HUYEN]}", "province: [SO-GTVTT]}", 1)
    with pytest.raises(DataFileError) as caught:
        parse_generator_file(text)
    assert caught.value.file == "generator_profiles.yaml"
    assert ("profile DUONG-BO", "agencies.province[0]") in {(p[1], p[2]) for p in caught.value.problems}
    assert "agencies.province[0]: unknown agency 'SO-GTVTT' (not in domain/reference.py)" in str(caught.value)
    no_fixed_fees = PROFILES_YAML.replace("    fixed_fees: [40_000, 70_000, 100_000]\n", "", 1)
    with pytest.raises(DataFileError, match=r"profile GTVT: .*fixed_fees are needed"):
        parse_generator_file(no_fixed_fees)
