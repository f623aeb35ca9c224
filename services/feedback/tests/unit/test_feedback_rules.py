"""Deadlines (working days), duplicate detection (diacritics-insensitive similarity) and submission checks
with routing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dvc_contracts.calendar import is_working_day
from dvc_contracts.clock import vn_date
from dvc_feedback.domain.deadlines import response_due_date
from dvc_feedback.domain.duplicates import Candidate, best_match, fingerprint, similarity
from dvc_feedback.domain.model import FeedbackError
from dvc_feedback.domain.submission import (
    DossierInfo,
    ProcedureInfo,
    Submission,
    check_submission,
    route,
)

# --- deadlines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "n", "due"),
    [
        (date(2026, 11, 20), 10, date(2026, 12, 4)),  # Friday → Friday two weeks later
        (date(2026, 11, 21), 10, date(2026, 12, 4)),  # Saturday: counting starts Monday
        (date(2026, 11, 23), 10, date(2026, 12, 7)),  # Monday → Monday
        (date(2026, 11, 20), 1, date(2026, 11, 23)),  # Friday + 1 → Monday
        (date(2026, 12, 28), 5, date(2027, 1, 5)),  # Tết Dương lịch 1/1/2027 (a Friday) is skipped
        (date(2026, 2, 13), 1, date(2026, 2, 23)),  # Tết Nguyên đán 2026: 14/2–22/2 off
        (date(2026, 4, 24), 5, date(2026, 5, 6)),  # Giỗ Tổ on Sunday 26/4 → Monday 27/4 off; 30/4 and 1/5 off
    ],
)
def test_working_day_deadlines(at: date, n: int, due: date) -> None:
    noon = datetime(at.year, at.month, at.day, 5, 0, tzinfo=UTC)  # 12:00 in Hà Nội
    assert response_due_date(noon, n) == due


def test_deadline_counts_from_the_local_day() -> None:
    # 17:30 UTC on Thursday 19/11 is 00:30 on Friday 20/11 in Hà Nội.
    at = datetime(2026, 11, 19, 17, 30, tzinfo=UTC)
    assert vn_date(at) == date(2026, 11, 20)
    assert response_due_date(at, 10) == date(2026, 12, 4)
    with pytest.raises(ValueError):
        vn_date(datetime(2026, 11, 19, 17, 30))


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 6, 1)), st.integers(min_value=1, max_value=60)
)
def test_working_day_rule_properties(start: date, n: int) -> None:
    due = response_due_date(datetime(start.year, start.month, start.day, 5, 0, tzinfo=UTC), n)
    assert is_working_day(due)
    days = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    assert sum(is_working_day(d) for d in days) == n, "exactly n working days after the day of routing"


# --- duplicates -----------------------------------------------------------------------------------

COMPLAINT = (
    "Tôi nộp hồ sơ đổi giấy phép lái xe trực tuyến ngày 2/11 tại Sở Giao thông vận tải Hà Nội, "
    "đến nay đã quá hạn trả kết quả mười ngày nhưng chưa nhận được giấy phép, cũng không có thông báo lý do."
)


def test_text_is_compared_without_diacritics_case_or_punctuation() -> None:
    plain = (
        "toi nop ho so doi giay phep lai xe truc tuyen ngay 2 11 tai so giao thong van tai ha noi "
        "den nay da qua han tra ket qua muoi ngay nhung chua nhan duoc giay phep cung khong co thong bao ly do"
    )
    assert fingerprint(COMPLAINT) == plain
    assert similarity(fingerprint(COMPLAINT), fingerprint(COMPLAINT.upper().replace(",", " ;"))) == 1.0


def test_near_identical_text_is_similar_and_a_different_complaint_is_not() -> None:
    fp = fingerprint(COMPLAINT)
    edited = fingerprint(COMPLAINT.replace("mười ngày", "mười hai ngày") + " Đề nghị Sở kiểm tra.")
    other = fingerprint(
        "Cán bộ tiếp nhận hồ sơ đổi giấy phép lái xe tại Sở Giao thông vận tải yêu cầu nộp thêm bản sao "
        "chứng thực căn cước công dân dù thủ tục không quy định giấy tờ này."
    )
    assert similarity(fp, edited) >= 0.75
    assert similarity(fp, other) < 0.3


def test_best_match_prefers_the_same_dossier() -> None:
    fp = fingerprint(COMPLAINT)
    candidates = [
        Candidate("PA-1", fp, None),
        Candidate("PA-2", fingerprint("Nội dung khác hẳn về lệ phí trước bạ ô tô đã nộp hai lần."), "01-X"),
    ]
    assert best_match(fp, "01-X", candidates) == best_match(fp, "01-X", candidates[::-1])
    m = best_match(fp, "01-X", candidates)
    assert m is not None and (m.of, m.reason, m.score) == ("PA-2", "same_dossier", 1.0)
    m = best_match(fp, None, candidates)
    assert m is not None and (m.of, m.reason, m.score) == ("PA-1", "similar_text", 1.0)
    assert (
        best_match(fingerprint("Một nội dung hoàn toàn mới về bảo hiểm y tế hộ gia đình."), None, candidates)
        is None
    )


def test_a_long_text_that_repeats_itself_is_still_found() -> None:
    fp = fingerprint("giấy phép lái xe chưa trả kết quả")
    repeated = Candidate("PA-R", fingerprint(" ".join(["giấy phép lái xe chưa trả kết quả"] * 6)), None)
    short = Candidate("PA-S", fingerprint("giấy phép"), None)
    m = best_match(fp, None, [short, repeated])
    assert m is not None and m.of == "PA-R" and m.score >= 0.75


@settings(max_examples=200)
@given(
    st.lists(
        st.lists(st.sampled_from("a b c d e f".split()), min_size=1, max_size=12), min_size=1, max_size=8
    ),
    st.lists(st.sampled_from("a b c d e f".split()), min_size=1, max_size=12),
)
def test_best_match_is_the_most_similar_candidate_above_the_threshold(
    texts: list[list[str]], probe: list[str]
) -> None:
    fps = [" ".join(t) for t in texts]
    fp = " ".join(probe)
    m = best_match(fp, None, [Candidate(str(i), f, None) for i, f in enumerate(fps)])
    scores = [similarity(fp, f) for f in fps]
    if max(scores) >= 0.75:
        assert m is not None and m.score == round(max(scores), 4)
    else:
        assert m is None


VI_WORDS = st.sampled_from(
    "tôi nộp hồ sơ đổi giấy phép lái xe trễ hẹn cán bộ Sở Giao thông vận tải chưa trả lời đề nghị kiểm tra".split()
)


@settings(max_examples=200)
@given(st.lists(VI_WORDS, min_size=1, max_size=40), st.lists(VI_WORDS, min_size=1, max_size=40))
def test_similarity_properties(a: list[str], b: list[str]) -> None:
    fa, fb = fingerprint(" ".join(a)), fingerprint(" ".join(b))
    s = similarity(fa, fb)
    assert 0.0 <= s <= 1.0
    assert s == similarity(fb, fa)
    assert similarity(fa, fa) == 1.0
    # diacritics- and case-insensitive
    assert similarity(fa, fingerprint(" ".join(a).upper())) == 1.0


# --- submission and routing -----------------------------------------------------------------------

GOOD = Submission(
    kind="feedback",
    category="dossier_handling",
    title="Hồ sơ đổi giấy phép lái xe trễ hẹn",
    content=COMPLAINT,
    province_code="01",
    procedure_code="GPLX-DOI-L4",
    phone="0912 345 678",
)


def test_a_good_submission_is_cleaned() -> None:
    clean = check_submission(GOOD)
    assert clean.phone == "+84912345678" and clean.province_code == "01" and clean.kind == "feedback"


def test_every_problem_is_reported_at_once_in_vietnamese() -> None:
    bad = Submission(
        kind="complaint", category="x", title="ngắn", content="ngắn", province_code="99", phone="12345"
    )
    with pytest.raises(FeedbackError) as info:
        check_submission(bad)
    f = info.value.fields
    assert set(f) == {"kind", "category", "title", "content", "province_code", "phone", "subject"}
    assert f["title"] == "Tiêu đề phải có từ 10 đến 200 ký tự."
    assert f["content"] == "Nội dung phải có từ 20 đến 5000 ký tự."
    assert f["subject"].startswith("Cần nêu thủ tục")
    assert "không hợp lệ" in f["province_code"] and "không hợp lệ" in f["phone"]
    assert info.value.message.startswith("Phản ánh, kiến nghị chưa hợp lệ:")


def test_province_is_needed_unless_a_dossier_is_named() -> None:
    with pytest.raises(FeedbackError) as info:
        check_submission(Submission(**{**GOOD.__dict__, "province_code": None}))
    assert info.value.fields == {
        "province_code": "Cần chọn tỉnh/thành phố nơi phát sinh phản ánh, kiến nghị."
    }
    check_submission(
        Submission(**{**GOOD.__dict__, "province_code": None, "dossier_code": "01-261121-7KQ2MX"})
    )


@pytest.mark.parametrize("raw", ["0912345678", "+84912345678", "84 912 345 678", "091.234.5678"])
def test_phone_numbers(raw: str) -> None:
    assert check_submission(Submission(**{**GOOD.__dict__, "phone": raw})).phone == "+84912345678"


@pytest.mark.parametrize("raw", ["024 3823 4567", "0912 345 67", "+1 202 555 0100"])
def test_the_answer_goes_by_sms_so_only_a_vietnamese_mobile_is_taken(raw: str) -> None:
    with pytest.raises(FeedbackError) as info:
        check_submission(Submission(**{**GOOD.__dict__, "phone": raw}))
    assert info.value.fields["phone"].startswith("Số điện thoại không hợp lệ")


PROC = ProcedureInfo("GPLX-DOI-L4", "BGTVT-TCDBVN", ("SO-GTVT",))
DOSSIER = DossierInfo("79-261121-AAAAAA", "CA-TINH", "DKX-OTO", "79")


def _sub(**kw: object) -> Submission:
    return Submission(**{**GOOD.__dict__, "procedure_code": None, **kw})


@pytest.mark.parametrize(
    ("sub", "procedure", "dossier", "known", "expected"),
    [
        (_sub(procedure_code="GPLX-DOI-L4"), PROC, None, False, ("BGTVT-TCDBVN", "procedure", "01")),
        (
            _sub(procedure_code="GPLX-DOI-L4", agency_code="SO-GTVT"),
            PROC,
            None,
            True,
            ("SO-GTVT", "procedure", "01"),
        ),
        (
            _sub(procedure_code="GPLX-DOI-L4", agency_code="SO-TP"),
            PROC,
            None,
            True,
            ("BGTVT-TCDBVN", "procedure", "01"),
        ),
        (_sub(agency_code="SO-TP"), None, None, True, ("SO-TP", "agency", "01")),
        (
            _sub(dossier_code=DOSSIER.code, province_code=None),
            None,
            DOSSIER,
            False,
            ("CA-TINH", "dossier", "79"),
        ),
        (
            _sub(dossier_code=DOSSIER.code, procedure_code="GPLX-DOI-L4", province_code="79"),
            PROC,
            DOSSIER,
            False,
            ("CA-TINH", "dossier", "79"),
        ),
    ],
)
def test_routing(
    sub: Submission,
    procedure: ProcedureInfo | None,
    dossier: DossierInfo | None,
    known: bool,
    expected: tuple[str, str, str],
) -> None:
    r = route(check_submission(sub), dossier=dossier, procedure=procedure, named_agency_known=known)
    assert (r.agency_code, r.basis, r.province_code) == expected


@pytest.mark.parametrize(
    ("sub", "code", "field"),
    [
        (_sub(procedure_code="KHONG-CO"), "unknown_procedure", "procedure_code"),
        (_sub(dossier_code="01-000000-XXXXXX"), "unknown_dossier", "dossier_code"),
        (_sub(agency_code="KHONG-CO"), "unknown_agency", "agency_code"),
        (_sub(dossier_code=DOSSIER.code, province_code="01"), "province_mismatch", "province_code"),
    ],
)
def test_unknown_subjects_are_clear_errors(sub: Submission, code: str, field: str) -> None:
    dossier = DOSSIER if sub.dossier_code == DOSSIER.code else None
    with pytest.raises(FeedbackError) as info:
        route(check_submission(sub), dossier=dossier, procedure=None, named_agency_known=False)
    assert info.value.code == code and field in info.value.fields and info.value.status == 422
    assert "Không tìm thấy" in info.value.message or "thuộc tỉnh" in info.value.message


# --- provinces since 1 July 2025 (dvc_contracts.units) ------------------------------------------------------


def test_a_former_province_code_is_refused_naming_the_province_it_now_belongs_to() -> None:
    with pytest.raises(FeedbackError) as info:
        check_submission(Submission(**{**GOOD.__dict__, "province_code": "02"}))
    assert info.value.fields["province_code"] == (
        "Mã 02 (tỉnh Hà Giang cũ) không còn dùng từ ngày 01/07/2025: địa bàn này nay thuộc tỉnh Tuyên Quang, mã 08."
    )
    assert check_submission(Submission(**{**GOOD.__dict__, "province_code": "08"})).province_code == "08"


def test_feedback_on_a_dossier_of_a_former_province_goes_to_the_province_of_today() -> None:
    old = DossierInfo("74-240506-AAAAAA", "CA-TINH", "DKX-OTO", "74")  # Bình Dương, filed in 2024
    routed = route(check_submission(_sub(dossier_code=old.code, province_code="79")), dossier=old,
                   procedure=None, named_agency_known=False)  # fmt: skip
    assert (routed.agency_code, routed.basis, routed.province_code) == ("CA-TINH", "dossier", "79")
    with pytest.raises(FeedbackError) as info:
        route(check_submission(_sub(dossier_code=old.code, province_code="01")), dossier=old, procedure=None,
              named_agency_known=False)  # fmt: skip
    assert info.value.code == "province_mismatch" and "mã 79 (TP. Hồ Chí Minh)" in info.value.message
