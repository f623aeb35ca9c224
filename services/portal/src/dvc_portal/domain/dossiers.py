"""A dossier as its owner reads it: the status in words, the saga's steps (done / current / still to come,
and the compensation when one was taken), the history newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dvc_portal.domain.vocabulary import (
    CURRENT_STEP,
    FLOWS,
    HISTORY_KINDS,
    SAGA_STATES,
    STATUS_TONE,
    STATUSES,
    Step,
    StepState,
)


def status_text(status: str | None) -> str:
    return STATUSES.get(status or "", status or "—")


def status_tone(status: str | None) -> str:
    return STATUS_TONE.get(status or "", "info")


@dataclass(frozen=True)
class SagaView:
    flow: str
    state: str
    state_text: str
    steps: list[Step]
    blocked_reason: str | None
    payment_id: str | None
    amount_vnd: int
    can_pay: bool
    result: str | None


def saga_view(saga: dict[str, Any] | None) -> SagaView | None:
    if not saga:
        return None
    flow, state = str(saga.get("flow")), str(saga.get("state"))
    steps_in = saga.get("steps") or []
    names = [s.get("name") for s in steps_in]
    current = CURRENT_STEP.get(flow, {}).get(state)
    if state == "blocked":  # the licence checks: which one stopped it is in the reason
        reason = str(saga.get("blocked_reason") or "")
        current = "check_unpaid_fines" if "xử phạt" in reason else "check_health_record"
    compensated = state in ("compensating", "compensated", "compensation_failed")  # the last step refused
    steps: list[Step] = []
    for i, s in enumerate(steps_in):
        name = s.get("name")
        st: StepState
        if state == "completed":
            st = "done"
        elif compensated:
            st = "stopped" if i == len(steps_in) - 1 else "done"
        elif state == "cancelled" or current not in names:
            st = "stopped" if state == "cancelled" else "todo"
        else:
            idx, cur = names.index(name), names.index(current)
            st = "done" if idx < cur else ("current" if idx == cur else "todo")
        steps.append(Step(str(name), str(s.get("title") or name), st, s.get("compensation")))
    if state == "cancelled":  # steps before the payment had happened
        pay = names.index("pay_fee") if "pay_fee" in names else 0
        steps = [
            Step(s.name, s.title, "done" if i < pay else "stopped", s.compensation)
            for i, s in enumerate(steps)
        ]
    payment_id = saga.get("payment_id")
    return SagaView(
        flow=FLOWS.get(flow, flow),
        state=state,
        state_text=SAGA_STATES.get(state, state),
        steps=steps,
        blocked_reason=saga.get("blocked_reason"),
        payment_id=payment_id,
        amount_vnd=int(saga.get("amount_vnd") or 0),
        can_pay=state == "awaiting_payment" and bool(payment_id),
        result=saga.get("result"),
    )


@dataclass(frozen=True)
class HistoryItem:
    at: str | None
    kind: str
    kind_text: str
    title: str
    note: str | None
    late: bool


def history(rows: list[dict[str, Any]]) -> list[HistoryItem]:
    """Newest first. A status row reads as its status; a saga, compensation or data-access row as its note."""
    out: list[tuple[str, int, HistoryItem]] = []
    for i, h in enumerate(rows):
        kind = str(h.get("kind") or "status")
        note = h.get("note")
        if kind == "status":
            title = status_text(h.get("status"))
        else:
            title, note = (note or HISTORY_KINDS.get(kind, kind)), None
        out.append(
            (
                str(h.get("occurred_at") or ""),
                i,
                HistoryItem(
                    at=h.get("occurred_at"),
                    kind=kind,
                    kind_text=HISTORY_KINDS.get(kind, kind),
                    title=title,
                    note=note,
                    late=kind == "status" and h.get("applied") is False,
                ),
            )
        )
    out.sort(key=lambda row: (row[0], row[1]), reverse=True)  # ties: the later row first
    return [item for _, _, item in out]
