"""One feedback or petition and its rules: who may see it, each state change it may make, overdue."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final

from dvc_contracts.clock import VN_TZ, vn_date
from dvc_feedback.domain.deadlines import response_due_date
from dvc_feedback.domain.errors import FeedbackError, Forbidden, InvalidTransition, NotFound
from dvc_feedback.domain.states import (
    OPEN_STATUSES,
    STATUS_LABELS,
    TRANSITIONS,
    Action,
    Actor,
    Kind,
    Status,
    Transition,
)

_ID_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_LONG_NUMBER: Final = re.compile(r"\d(?:[ .\-]?\d){8,}")


def new_feedback_id(kind: Kind, at: datetime) -> str:
    """'PA-261121-7KQ2MX' (phản ánh) or 'KN-…' (kiến nghị): local date and 6 random characters."""
    prefix = "PA" if kind == "feedback" else "KN"
    suffix = "".join(secrets.choice(_ID_ALPHABET) for _ in range(6))
    return f"{prefix}-{at.astimezone(VN_TZ):%y%m%d}-{suffix}"


def redact_numbers(text: str) -> str:
    """Mask runs of 9+ digits (phone numbers, citizen ids) in text shown to the public."""
    return _LONG_NUMBER.sub(lambda m: "*" * len(m.group(0)), text)


def _text(value: str | None, name: str, label: str, lo: int, hi: int) -> str:
    text = (value or "").strip()
    if len(text) < lo or len(text) > hi:
        raise FeedbackError("invalid_input", f"{label} phải có từ {lo} đến {hi} ký tự.", {name: label})
    return text


@dataclass
class Feedback:
    id: str
    kind: Kind
    category: str
    province_code: str
    title: str
    content: str
    owner_sub: str
    received_at: datetime
    status: Status = "received"
    submitter_name: str | None = None
    organisation: str | None = None
    citizen_phone: str | None = None
    procedure_code: str | None = None
    dossier_code: str | None = None
    named_agency_code: str | None = None
    agency_code: str | None = None
    routed_by: str | None = None
    routed_at: datetime | None = None
    due_date: date | None = None
    answer: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    answered_on_time: bool | None = None
    answer_published: bool = False
    published_at: datetime | None = None
    rating: int | None = None
    rating_comment: str | None = None
    rated_at: datetime | None = None
    reopen_count: int = 0
    closed_at: datetime | None = None
    duplicate_of: str | None = None
    possible_duplicate_of: str | None = None
    duplicate_score: float | None = None
    duplicate_reason: str | None = None
    overdue_flagged_due: date | None = None
    updated_at: datetime | None = None
    fingerprint: str = ""
    pending: list[Transition] = field(default_factory=list, repr=False)

    # --- visibility ---------------------------------------------------------------------------------

    def visible_to(self, actor: Actor) -> bool:
        if actor.role == "system":
            return True
        if actor.role == "citizen":
            return self.owner_sub == actor.sub
        if actor.role == "agency":
            return (
                actor.agency is not None
                and self.agency_code == actor.agency
                and (actor.province is None or actor.province == self.province_code)
            )
        return actor.province is None or actor.province == self.province_code

    def is_overdue(self, today: date) -> bool:
        return self.status in OPEN_STATUSES and self.due_date is not None and today > self.due_date

    # --- transitions --------------------------------------------------------------------------------

    def _check(self, action: Action, actor: Actor) -> Status:
        """Raise unless ``actor`` may take ``action`` now; returns the status it leads to."""
        if not self.visible_to(actor):
            raise NotFound("not_found", f"Không tìm thấy phản ánh, kiến nghị {self.id}.")
        sources, target, roles = TRANSITIONS[action]
        if actor.role not in roles:
            raise Forbidden("forbidden", f"Vai trò '{actor.role}' không được thực hiện thao tác này.")
        if self.status not in sources:
            raise InvalidTransition(
                "invalid_transition",
                f"Không thể thực hiện thao tác này khi phản ánh, kiến nghị ở trạng thái "
                f"'{STATUS_LABELS[self.status]}'.",
            )
        return target

    def _move(
        self,
        action: Action,
        actor: Actor,
        at: datetime,
        note: str | None = None,
        *,
        new_agency: str | None = None,
    ) -> Transition:
        """Check, then change the status; routing sets ``new_agency``, not_responsible leaves the agency."""
        target = self._check(action, actor)
        before = self.agency_code
        if new_agency is not None or action == "not_responsible":
            self.agency_code = new_agency
        changed = before if before != self.agency_code else None
        t = Transition(action, self.status, target, actor, at, self.agency_code, changed, note)
        self.status = target
        self.updated_at = at
        self.pending.append(t)
        return t

    def receive(self, actor: Actor) -> Transition:
        t = Transition("submit", None, "received", actor, self.received_at, None)
        self.status = "received"
        self.updated_at = self.received_at
        self.pending.append(t)
        return t

    def route(
        self, agency_code: str, basis: str, actor: Actor, at: datetime, *, response_working_days: int
    ) -> Transition:
        """Send to the responsible agency; the response deadline starts (again) from here."""
        self._check("route", actor)
        if self.agency_code == agency_code and self.status in {"routed", "in_progress"}:
            raise FeedbackError("same_agency", f"Phản ánh, kiến nghị đang do cơ quan {agency_code} xử lý.")
        t = self._move("route", actor, at, note=basis, new_agency=agency_code)
        self.routed_by = basis
        self.routed_at = at
        self.due_date = response_due_date(at, response_working_days)
        return t

    def start(self, actor: Actor, at: datetime) -> Transition:
        return self._move("start", actor, at)

    def answer_with(self, text: str, actor: Actor, at: datetime, *, publish: bool) -> Transition:
        self._check("answer", actor)
        answer = _text(text, "answer", "Nội dung trả lời", 20, 10000)
        t = self._move("answer", actor, at, note=answer)
        self.answer = answer
        self.answered_at = at
        self.answered_by = actor.label
        self.answered_on_time = self.due_date is None or vn_date(at) <= self.due_date
        self.answer_published = publish
        self.published_at = at if publish else None
        return t

    def publish_answer(self, actor: Actor, at: datetime) -> None:
        """Make the answer public (no personal data is shown). Not a state change; idempotent."""
        if not self.visible_to(actor):
            raise NotFound("not_found", f"Không tìm thấy phản ánh, kiến nghị {self.id}.")
        if actor.role not in {"agency", "operator"}:
            raise Forbidden("forbidden", f"Vai trò '{actor.role}' không được công khai câu trả lời.")
        if self.status not in {"answered", "closed"} or self.answer is None:
            raise InvalidTransition(
                "not_answered", "Chỉ công khai được phản ánh, kiến nghị đã có câu trả lời."
            )
        if not self.answer_published:
            self.answer_published = True
            self.published_at = at
            self.updated_at = at

    def decline(self, reason: str, actor: Actor, at: datetime) -> Transition:
        """The agency says it is not the responsible one (không thuộc thẩm quyền)."""
        self._check("not_responsible", actor)
        text = _text(reason, "reason", "Lý do", 10, 2000)
        # no longer with that agency: an operator (or the suggestion) routes it on; the history keeps who
        return self._move("not_responsible", actor, at, note=text)

    def mark_duplicate(self, of: Feedback, actor: Actor, at: datetime) -> Transition:
        self._check("mark_duplicate", actor)
        root = of.duplicate_of or of.id
        if root == self.id:
            raise FeedbackError(
                "invalid_input", "Không thể đánh dấu trùng với chính nó.", {"duplicate_of": "Mã trùng"}
            )
        t = self._move("mark_duplicate", actor, at, note=f"trùng với {root}")
        self.duplicate_of = root
        self.closed_at = at
        return t

    def withdraw(self, reason: str | None, actor: Actor, at: datetime) -> Transition:
        t = self._move("withdraw", actor, at, note=(reason or "").strip()[:2000] or None)
        self.closed_at = at
        return t

    def rate(self, score: int, comment: str | None, actor: Actor, at: datetime) -> Transition:
        """The citizen rates the answer (1–5) and so accepts it: answered → closed."""
        self._check("rate", actor)
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise FeedbackError("invalid_input", "Điểm đánh giá phải từ 1 đến 5.", {"score": "Điểm đánh giá"})
        text = (comment or "").strip()
        if len(text) > 1000:
            raise FeedbackError("invalid_input", "Nhận xét tối đa 1000 ký tự.", {"comment": "Nhận xét"})
        t = self._move("rate", actor, at, note=f"{score}/5")
        self.rating = score
        self.rating_comment = text or None
        self.rated_at = at
        self.closed_at = at
        return t

    def reopen(
        self, reason: str, actor: Actor, at: datetime, *, window: timedelta, response_working_days: int
    ) -> Transition:
        """Not satisfied with the answer: back to the same agency, with a new deadline, within the window."""
        self._check("reopen", actor)
        text = _text(reason, "reason", "Lý do mở lại", 10, 2000)
        if self.answered_at is not None and at > self.answered_at + window:
            raise InvalidTransition(
                "reopen_window_passed",
                f"Đã quá {window.days} ngày kể từ khi có câu trả lời, không thể mở lại.",
            )
        t = self._move("reopen", actor, at, note=text)
        self.reopen_count += 1
        self.due_date = response_due_date(at, response_working_days)
        return t

    def close(self, actor: Actor, at: datetime, note: str | None = None) -> Transition:
        t = self._move("close", actor, at, note=note)
        self.closed_at = at
        return t

    def audit(self, action: Action, actor: Actor, at: datetime, note: str | None = None) -> Transition:
        """A history entry that is not a state change (the answer published, the deadline missed)."""
        t = Transition(action, self.status, self.status, actor, at, self.agency_code, note=note)
        self.updated_at = at
        self.pending.append(t)
        return t

    def take_transitions(self) -> list[Transition]:
        out, self.pending = self.pending, []
        return out
