"""The feedback state machine: every (status, action) pair, who may act, and random walks (hypothesis)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dvc_contracts.calendar import add_working_days
from dvc_feedback.domain.model import (
    ALL_STATUSES,
    OPEN_STATUSES,
    SYSTEM,
    TERMINAL_STATUSES,
    TRANSITIONS,
    Actor,
    Feedback,
    FeedbackError,
    Forbidden,
    InvalidTransition,
    NotFound,
    new_feedback_id,
    redact_numbers,
)

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 20/11/2026, 09:00 in Hà Nội
CITIZEN = Actor("citizen", "001099012345")
OTHER_CITIZEN = Actor("citizen", "079201001234")
AGENCY = Actor("agency", "cb-01", agency="SO-GTVT", province="01")
AGENCY_OTHER_PROVINCE = Actor("agency", "cb-79", agency="SO-GTVT", province="79")
AGENCY_NATIONWIDE = Actor("agency", "cb-tw", agency="SO-GTVT")
OTHER_AGENCY = Actor("agency", "cb-02", agency="SO-TP", province="01")
OPERATOR = Actor("operator", "op-1")
PROVINCE_OPERATOR = Actor("operator", "op-hn", province="01")
OTHER_PROVINCE_OPERATOR = Actor("operator", "op-hcm", province="79")
ANSWER = "Sở Giao thông vận tải đã kiểm tra và trả kết quả cho ông/bà ngày 25/11/2026."
REASON = "Câu trả lời chưa giải quyết được vấn đề của tôi."


def routed(status: str = "routed", **kw: object) -> Feedback:
    fb = Feedback(
        id="PA-261120-AAAAAA",
        kind="feedback",
        category="dossier_handling",
        province_code="01",
        title="Hồ sơ đổi giấy phép lái xe trễ hẹn",
        content="Hồ sơ của tôi đã quá hạn trả kết quả mười ngày mà chưa có thông báo nào.",
        owner_sub=CITIZEN.sub,
        received_at=T0,
    )
    fb.receive(CITIZEN)
    fb.route("SO-GTVT", "procedure", SYSTEM, T0, response_working_days=10)
    fb.take_transitions()
    fb.status = status  # type: ignore[assignment]
    if status in {"answered", "closed"}:
        fb.answer, fb.answered_at = ANSWER, T0 + timedelta(days=2)
    for k, v in kw.items():
        setattr(fb, k, v)
    return fb


def act(fb: Feedback, action: str, actor: Actor, at: datetime | None = None) -> None:
    at = at or T0 + timedelta(days=3)
    match action:
        case "route":
            fb.route(
                "SO-TP" if fb.agency_code == "SO-GTVT" else "SO-GTVT",
                "operator",
                actor,
                at,
                response_working_days=10,
            )
        case "start":
            fb.start(actor, at)
        case "answer":
            fb.answer_with(ANSWER, actor, at, publish=False)
        case "not_responsible":
            fb.decline("Nội dung thuộc thẩm quyền của Sở Tư pháp.", actor, at)
        case "mark_duplicate":
            fb.mark_duplicate(routed(id="PA-261101-BBBBBB"), actor, at)  # type: ignore[arg-type]
        case "withdraw":
            fb.withdraw("Đã được giải quyết trực tiếp.", actor, at)
        case "rate":
            fb.rate(4, "Cảm ơn Sở.", actor, at)
        case "reopen":
            fb.reopen(REASON, actor, at, window=timedelta(days=7), response_working_days=10)
        case "close":
            fb.close(actor, at)
        case _:
            raise AssertionError(action)


ROLE_ACTOR = {"citizen": CITIZEN, "agency": AGENCY, "operator": OPERATOR, "system": SYSTEM}


def allowed_actor(action: str) -> Actor:
    roles = TRANSITIONS[action][2]  # type: ignore[index]
    return next(ROLE_ACTOR[r] for r in ("citizen", "agency", "operator", "system") if r in roles)


@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_status_and_action(status: str, action: str) -> None:
    sources, target, _ = TRANSITIONS[action]  # type: ignore[index]
    fb = routed(status)
    actor = allowed_actor(action)
    if action == "route" and status == "not_responsible":
        fb.agency_code = None
    if status in sources:
        act(fb, action, actor)
        assert fb.status == target
        [t] = fb.take_transitions()
        assert (t.action, t.from_status, t.to_status, t.actor) == (action, status, target, actor)
    else:
        with pytest.raises(InvalidTransition):
            act(fb, action, actor)
        assert fb.status == status and fb.pending == []


def test_the_lifecycle_the_issue_describes() -> None:
    fb = routed("routed")
    assert fb.due_date == date(2026, 12, 4)  # Friday + 10 working days
    act(fb, "start", AGENCY)
    act(fb, "answer", AGENCY)
    assert fb.answered_by == "agency:SO-GTVT:cb-01" and fb.answered_on_time is True
    act(fb, "reopen", CITIZEN)
    assert fb.status == "in_progress" and fb.reopen_count == 1
    assert fb.due_date == add_working_days(date(2026, 11, 23), 10), "reopening starts a new deadline"
    act(fb, "answer", AGENCY)
    act(fb, "rate", CITIZEN)
    assert (fb.status, fb.rating, fb.rating_comment) == ("closed", 4, "Cảm ơn Sở.")
    assert [t.action for t in fb.take_transitions()] == ["start", "answer", "reopen", "answer", "rate"]


def test_terminal_states_have_no_way_out() -> None:
    for status in TERMINAL_STATUSES:
        assert not [a for a, (sources, _, _) in TRANSITIONS.items() if status in sources]


@pytest.mark.parametrize(
    ("action", "actor"),
    [
        ("start", OTHER_AGENCY),
        ("start", AGENCY_OTHER_PROVINCE),
        ("answer", OTHER_PROVINCE_OPERATOR),
        ("withdraw", OTHER_CITIZEN),
        ("reopen", OTHER_CITIZEN),
    ],
)
def test_who_cannot_see_it_gets_not_found(action: str, actor: Actor) -> None:
    fb = routed("answered" if action == "reopen" else "routed")
    with pytest.raises(NotFound):
        act(fb, action, actor)


@pytest.mark.parametrize(("action", "actor"), [("start", CITIZEN), ("withdraw", AGENCY), ("route", AGENCY)])
def test_wrong_role_is_forbidden(action: str, actor: Actor) -> None:
    with pytest.raises(Forbidden):
        act(routed("routed"), action, actor)


def test_visibility() -> None:
    fb = routed("in_progress")
    assert fb.visible_to(CITIZEN) and not fb.visible_to(OTHER_CITIZEN)
    assert fb.visible_to(AGENCY) and fb.visible_to(AGENCY_NATIONWIDE)
    assert not fb.visible_to(AGENCY_OTHER_PROVINCE) and not fb.visible_to(OTHER_AGENCY)
    assert fb.visible_to(OPERATOR) and fb.visible_to(PROVINCE_OPERATOR)
    assert not fb.visible_to(OTHER_PROVINCE_OPERATOR)


def test_reopen_only_within_the_window() -> None:
    answered_at = T0 + timedelta(days=2)
    fb = routed("answered", answered_at=answered_at)
    with pytest.raises(InvalidTransition) as info:
        fb.reopen(
            REASON,
            CITIZEN,
            answered_at + timedelta(days=7, seconds=1),
            window=timedelta(days=7),
            response_working_days=10,
        )
    assert info.value.code == "reopen_window_passed" and "7 ngày" in info.value.message
    fb.reopen(
        REASON, CITIZEN, answered_at + timedelta(days=7), window=timedelta(days=7), response_working_days=10
    )
    assert fb.status == "in_progress"


def test_not_responsible_leaves_the_agency_and_a_reroute_restarts_the_deadline() -> None:
    fb = routed("in_progress")
    t = fb.decline("Nội dung thuộc thẩm quyền của Sở Tư pháp.", AGENCY, T0 + timedelta(days=1))
    assert (t.agency_code, t.previous_agency_code) == (None, "SO-GTVT"), "the history names who declined"
    assert fb.agency_code is None and not fb.visible_to(AGENCY)
    later = T0 + timedelta(days=6)  # Thursday 26/11
    fb.route("SO-TP", "operator", OPERATOR, later, response_working_days=10)
    assert fb.status == "routed" and fb.agency_code == "SO-TP" and fb.due_date == date(2026, 12, 10)


def test_reroute_to_the_same_agency_is_refused() -> None:
    with pytest.raises(FeedbackError) as info:
        routed("routed").route("SO-GTVT", "operator", OPERATOR, T0, response_working_days=10)
    assert info.value.code == "same_agency"


def test_duplicate_points_at_the_original_never_at_itself() -> None:
    fb = routed("routed")
    original = routed("duplicate", id="PA-261101-CCCCCC", duplicate_of="PA-261001-DDDDDD")
    fb.mark_duplicate(original, AGENCY, T0)
    assert fb.duplicate_of == "PA-261001-DDDDDD", "a duplicate of a duplicate points at the root"
    with pytest.raises(FeedbackError):
        routed("routed").mark_duplicate(routed("routed"), AGENCY, T0)


@pytest.mark.parametrize("score", [0, 6, -1, True])
def test_rating_is_one_to_five(score: int) -> None:
    with pytest.raises(FeedbackError) as info:
        routed("answered").rate(score, None, CITIZEN, T0)
    assert info.value.message == "Điểm đánh giá phải từ 1 đến 5."


def test_answer_text_is_checked_and_lateness_recorded() -> None:
    fb = routed("in_progress")
    with pytest.raises(FeedbackError) as info:
        fb.answer_with("Đã xử lý.", AGENCY, T0, publish=False)
    assert "từ 20 đến 10000 ký tự" in info.value.message and fb.status == "in_progress"
    on_time = replace(fb, pending=[])
    on_time.answer_with(ANSWER, AGENCY, datetime(2026, 12, 4, 16, 59, tzinfo=UTC), publish=False)
    assert on_time.answered_on_time is True, "23:59 on 4/12 (the due date) in Hà Nội is still on time"
    assert not on_time.answer_published and on_time.published_at is None
    fb.answer_with(ANSWER, AGENCY, datetime(2026, 12, 4, 17, 0, tzinfo=UTC), publish=True)
    assert fb.answered_on_time is False, "00:00 on 5/12 in Hà Nội is late"
    assert fb.answer_published and fb.published_at is not None


def test_publish_needs_an_answer() -> None:
    with pytest.raises(InvalidTransition):
        routed("in_progress").publish_answer(AGENCY, T0)
    fb = routed("answered")
    fb.publish_answer(AGENCY, T0)
    assert fb.answer_published
    with pytest.raises(Forbidden):
        routed("answered").publish_answer(CITIZEN, T0)


def test_overdue_is_open_and_past_the_deadline() -> None:
    fb = routed("in_progress")
    assert not fb.is_overdue(date(2026, 12, 4)) and fb.is_overdue(date(2026, 12, 5))
    for status in ("answered", "closed", "duplicate", "withdrawn"):
        assert not replace(fb, status=status).is_overdue(date(2027, 1, 1))
    assert replace(fb, status="not_responsible").is_overdue(date(2026, 12, 5))


def test_ids_and_redaction() -> None:
    assert new_feedback_id("feedback", T0).startswith("PA-261120-")
    assert new_feedback_id("petition", datetime(2026, 11, 20, 17, 30, tzinfo=UTC)).startswith("KN-261121-")
    assert redact_numbers("Gọi 0912 345 678 hoặc CCCD 001099012345, hồ sơ số 12") == (
        "Gọi ************ hoặc CCCD ************, hồ sơ số 12"
    )


# --- random walks ---------------------------------------------------------------------------------

ACTIONS = sorted(TRANSITIONS)
ACTORS = [CITIZEN, OTHER_CITIZEN, AGENCY, OTHER_AGENCY, OPERATOR, OTHER_PROVINCE_OPERATOR, SYSTEM]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ACTORS)), max_size=25))
def test_random_walks_keep_the_invariants(steps: list[tuple[str, Actor]]) -> None:
    fb = routed("routed")
    at = T0
    for action, actor in steps:
        at += timedelta(hours=7)
        before = fb.status
        try:
            act(fb, action, actor, at)
        except FeedbackError:
            assert fb.status == before, "a refused action changes nothing"
            continue
        sources, target, roles = TRANSITIONS[action]  # type: ignore[index]
        assert before in sources and fb.status == target and actor.role in roles
        assert actor.role in {"operator", "system"} or fb.visible_to(actor) or action == "not_responsible"
    history = fb.take_transitions()
    for prev, nxt in itertools.pairwise(history):
        assert prev.to_status == nxt.from_status, "history is a connected path"
    assert fb.status in ALL_STATUSES
    if fb.status in {"answered", "closed"}:
        assert fb.answered_at is not None and fb.answer is not None
    if fb.status in TERMINAL_STATUSES:
        assert fb.closed_at is not None
    if fb.status in OPEN_STATUSES - {"not_responsible"}:
        assert fb.agency_code is not None and fb.due_date is not None
