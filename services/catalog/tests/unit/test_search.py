"""Citizens' words for procedures: known phrases expand to their equivalents, other words stay as they are."""

from __future__ import annotations

from dvc_catalog.domain.search import SYNONYMS, query_parts
from dvc_catalog.domain.seed_procedures import SEED_PROCEDURES
from dvckit.text import fold


def matches(query: str, text: str) -> bool:
    folded = fold(text)
    return all(any(all(p in folded for p in alt) for alt in alts) for alts in query_parts(fold(query)))


def codes(query: str) -> set[str]:
    return {p["code"] for p in SEED_PROCEDURES if matches(query, f"{p['code']} {p['name']}")}


def test_plain_words_stay_words() -> None:
    assert query_parts("ho chieu pho thong") == [(("ho",),), (("chieu",),), (("pho",),), (("thong",),)]


def test_the_longest_known_phrase_wins_and_the_rest_stays() -> None:
    parts = query_parts("gia han bang lai o to")
    assert ("doi giay phep lai xe",) in parts[0]
    assert parts[0][-1] == ("gia", "han", "bang", "lai"), "the typed words on their own still count"
    assert parts[1:] == [(("o",),), (("to",),)]


def test_a_phrase_only_matches_whole_words() -> None:
    assert query_parts("sao yen") == [(("sao",),), (("yen",),)]


def test_typed_words_still_match_apart_as_before_synonyms() -> None:
    assert matches("đăng ký xe", "Đăng ký sang tên xe ô tô")
    assert matches("đổi giấy phép lái xe", "Cấp lại giấy phép lái xe quốc tế do thay đổi thông tin")


def test_what_people_type_finds_the_procedure() -> None:
    assert {"GPLX-DOI-L4", "GPLX-CAP-MOI"} <= codes("bằng lái")
    assert "GPLX-DOI-L4" in codes("gia hạn bằng lái")
    assert "XLVP-GTDB" in codes("phạt nguội")
    assert "HT-XN-HON-NHAN" in codes("xác nhận độc thân")
    assert "LPTB-OTO" in codes("thuế trước bạ ô tô")
    assert "LLTP-CAP-PHIEU" in codes("LLTP")
    assert codes("bằng lái") <= {"GPLX-DOI-L4", "GPLX-CAP-MOI"}, "nothing unrelated"


def test_every_group_names_some_seed_procedure_by_its_first_phrase() -> None:
    texts = [fold(p["name"]) for p in SEED_PROCEDURES]
    for group in SYNONYMS:
        assert group == tuple(fold(p) for p in group), f"{group} must be folded"
        assert any(group[0] in t for t in texts), f"{group[0]!r} names no seed procedure"
