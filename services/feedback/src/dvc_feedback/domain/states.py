"""The state machine's vocabulary: kinds, categories, statuses, the transition table, actors, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, get_args

Kind = Literal["feedback", "petition"]
Status = Literal[
    "received", "routed", "in_progress", "answered", "closed", "duplicate", "not_responsible", "withdrawn"
]
Action = Literal[
    "submit",
    "route",
    "start",
    "answer",
    "not_responsible",
    "mark_duplicate",
    "withdraw",
    "rate",
    "reopen",
    "close",
    "publish",  # audit only: the answer was made public
    "overdue",  # audit only: the response deadline passed without an answer
]
Role = Literal["citizen", "agency", "operator", "system"]

KINDS: Final[dict[str, str]] = {"feedback": "Phản ánh", "petition": "Kiến nghị"}
CATEGORIES: Final[dict[str, str]] = {
    "procedure_rules": "Quy định, thủ tục hành chính",
    "dossier_handling": "Giải quyết hồ sơ (chậm, sai hẹn, đòi thêm giấy tờ)",
    "staff_conduct": "Thái độ, hành vi của cán bộ, công chức",
    "fees": "Phí, lệ phí, thanh toán trực tuyến",
    "portal": "Cổng Dịch vụ công (lỗi, khó sử dụng)",
    "covid_support": "Hỗ trợ người dân, doanh nghiệp gặp khó khăn do dịch COVID-19",
    "other": "Khác",
}
STATUS_LABELS: Final[dict[str, str]] = {
    "received": "Đã tiếp nhận",
    "routed": "Đã chuyển cơ quan có thẩm quyền",
    "in_progress": "Đang xử lý",
    "answered": "Đã trả lời",
    "closed": "Đã kết thúc",
    "duplicate": "Trùng nội dung đã phản ánh",
    "not_responsible": "Không thuộc thẩm quyền, chờ chuyển cơ quan khác",
    "withdrawn": "Người gửi đã rút",
}
ALL_STATUSES: Final[tuple[str, ...]] = get_args(Status)
# Waiting for an answer: these count as overdue once the response deadline has passed.
OPEN_STATUSES: Final = frozenset({"received", "routed", "in_progress", "not_responsible"})
TERMINAL_STATUSES: Final = frozenset({"closed", "duplicate", "withdrawn"})

# action -> (statuses it may start from, status it leads to, roles allowed to take it)
TRANSITIONS: Final[dict[Action, tuple[frozenset[str], Status, frozenset[str]]]] = {
    "route": (
        frozenset({"received", "not_responsible", "routed", "in_progress"}),
        "routed",
        frozenset({"operator", "system"}),
    ),
    "start": (frozenset({"routed"}), "in_progress", frozenset({"agency", "operator"})),
    "answer": (frozenset({"routed", "in_progress"}), "answered", frozenset({"agency", "operator"})),
    "not_responsible": (
        frozenset({"routed", "in_progress"}),
        "not_responsible",
        frozenset({"agency", "operator"}),
    ),
    "mark_duplicate": (frozenset(OPEN_STATUSES), "duplicate", frozenset({"agency", "operator"})),
    "withdraw": (frozenset(OPEN_STATUSES), "withdrawn", frozenset({"citizen"})),
    "rate": (frozenset({"answered"}), "closed", frozenset({"citizen"})),
    "reopen": (frozenset({"answered"}), "in_progress", frozenset({"citizen"})),
    "close": (frozenset({"answered"}), "closed", frozenset({"operator", "system"})),
}


@dataclass(frozen=True)
class Actor:
    role: Role
    sub: str
    agency: str | None = None
    province: str | None = None

    @property
    def label(self) -> str:
        """How the history table names the actor: 'agency:SO-GTVT:cb-01', 'citizen:…', 'system:scheduler'."""
        if self.role == "agency":
            return f"agency:{self.agency}:{self.sub}"
        return f"{self.role}:{self.sub}"


SYSTEM: Final = Actor("system", "scheduler")


@dataclass(frozen=True)
class Transition:
    """One entry of the history: the agency responsible after it, and the one before when that changed."""

    action: Action
    from_status: Status | None
    to_status: Status
    actor: Actor
    at: datetime
    agency_code: str | None
    previous_agency_code: str | None = None
    note: str | None = None
