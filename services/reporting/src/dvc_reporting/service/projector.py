"""Apply a batch of events to the read model in the current transaction: lock the rows the batch touches,
fold the events into them with the domain functions, write the rows, the history lines and the aggregate
deltas. One batch is a handful of statements, whatever its size (replay speed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import and_, true

from dvc_contracts.events import (
    AccountRegisteredV1,
    AccountSignedInV1,
    AgencyStatusRejectedV1,
    DossierForwardedV1,
    DossierStatusChangedV1,
    DossierSubmittedV1,
    FeedbackAnsweredV1,
    FeedbackReceivedV1,
    FeePaidV1,
    FineIssuedV1,
    FineSettledV1,
    ProcedurePublishedV1,
    ProcedureRetiredV1,
    SmsDeliveredV1,
    SmsFailedV1,
    SmsSentV1,
)
from dvc_reporting.adapters import orm
from dvc_reporting.adapters.store import ReadModelStore
from dvc_reporting.domain import accounts as acc
from dvc_reporting.domain.projection.aggregates import Contributions, delta, merge_into
from dvc_reporting.domain.projection.dossiers import (
    DossierState,
    HistoryEntry,
    dossier_contributions,
    fold_dossier,
)
from dvc_reporting.domain.projection.feedback import FeedbackState, feedback_contributions, fold_feedback
from dvc_reporting.domain.projection.fines import FineState, fine_contributions, fold_fine
from dvc_reporting.domain.projection.health import rejection_row
from dvc_reporting.domain.projection.payments import PaymentState, fold_payment, payment_contributions
from dvc_reporting.domain.projection.procedures import ProcedureState, fold_procedure
from dvc_reporting.domain.projection.sms import SmsState, fold_sms, sms_contributions
from dvc_reporting.domain.projection.state import Placed, resolve_province, state_from_row, state_to_row
from dvckit.bulk import insert_rows

Fact = tuple[str, BaseModel]  # (event id, payload)
S = TypeVar("S")


class Projector:
    def __init__(self, store: ReadModelStore) -> None:
        self.store = store
        self.deltas: Contributions = {}
        self.changed: set[str] = set()

    async def apply(self, facts: Sequence[Fact]) -> set[str]:
        """Fold ``facts`` (in order) into the read model. Returns the areas that changed (for live updates)."""
        procs = [(e, d) for e, d in facts if isinstance(d, ProcedurePublishedV1 | ProcedureRetiredV1)]
        doss = [
            (e, d)
            for e, d in facts
            if isinstance(d, DossierSubmittedV1 | DossierStatusChangedV1 | DossierForwardedV1)
        ]
        pays = [(e, d) for e, d in facts if isinstance(d, FeePaidV1)]
        fins = [(e, d) for e, d in facts if isinstance(d, FineIssuedV1 | FineSettledV1)]
        fbs = [(e, d) for e, d in facts if isinstance(d, FeedbackReceivedV1 | FeedbackAnsweredV1)]
        smss = [(e, d) for e, d in facts if isinstance(d, SmsSentV1 | SmsDeliveredV1 | SmsFailedV1)]
        rejs = [(e, d) for e, d in facts if isinstance(d, AgencyStatusRejectedV1)]
        accs = [d for _, d in facts if isinstance(d, AccountRegisteredV1 | AccountSignedInV1)]

        if procs:
            await self._fold_simple(
                "procedures", ProcedureState, [(d.code, d) for _, d in procs], fold_procedure, None
            )
        # Payments and SMS that name a dossier but carry no province show the dossier's: lock those dossiers
        # too, so a dossier arriving at the same moment on another consumer is seen by one side or the other.
        wanted = {d.dossier_code for _, d in pays if d.dossier_code and not d.province_code}
        wanted |= {d.dossier_code for _, d in smss if d.dossier_code}
        provinces, moved = await self._dossiers(doss, wanted)
        if pays or moved:
            await self._with_province(
                "payments", PaymentState, [(d.payment_id, d) for _, d in pays], fold_payment,
                payment_contributions, provinces, moved,
            )  # fmt: skip
            await self._history(
                [
                    _side_entry(e, d.dossier_code, "payment", d.paid_at, d.provider, d.amount_vnd)
                    for e, d in pays
                    if d.dossier_code
                ]
            )
        if fins:
            await self._fold_simple(
                "fines", FineState, [(d.decision_no, d) for _, d in fins], fold_fine, fine_contributions
            )
        if fbs:
            await self._fold_simple(
                "feedback", FeedbackState, [(d.feedback_id, d) for _, d in fbs], fold_feedback,
                feedback_contributions,
            )  # fmt: skip
            await self._history(
                [
                    _side_entry(e, d.dossier_code, "feedback", _fb_time(d), _fb_detail(d))
                    for e, d in fbs
                    if d.dossier_code
                ]
            )
        if smss or moved:
            await self._with_province(
                "sms", SmsState, [(d.message_id, d) for _, d in smss], fold_sms, sms_contributions,
                provinces, moved,
            )  # fmt: skip
            await self._history(
                [
                    _side_entry(e, d.dossier_code, "sms", _sms_time(d), _sms_detail(d))
                    for e, d in smss
                    if d.dossier_code
                ]
            )
        if rejs:
            await self.store.insert_ignore(orm.agency_rejections, [rejection_row(e, d) for e, d in rejs])
            self.changed.add("pipeline")
        if accs:
            await self._accounts(accs)
        await self.store.add_to_aggregates(self.deltas)
        self.deltas = {}
        return self.changed

    # -- dossiers -------------------------------------------------------------------------------------------

    async def _dossiers(
        self, facts: list[tuple[str, Any]], wanted: set[str]
    ) -> tuple[dict[str, Placed], set[str]]:
        """Fold dossier events; returns the place (province, former province) of every dossier locked, and the codes whose province
        became known or changed in this batch (the payments and SMS that show it are placed again now: a
        dossier's events may disagree, e.g. a forward or an agency report naming another province than the
        submission that arrives later, and the rows must not depend on what arrived first)."""
        table, key = orm.ENTITY_TABLES["dossiers"]
        codes = {d.dossier_code for _, d in facts} | wanted
        if not codes:
            return {}, set()
        rows = await self.store.lock_rows(table, key, codes)
        old = {c: state_from_row(DossierState, rows[c]) for c in codes}
        new = dict(old)
        history: list[HistoryEntry] = []
        for event_id, data in facts:
            state, entry = fold_dossier(new[data.dossier_code], event_id, data)
            new[data.dossier_code] = state
            history.append(entry)
        changed = [c for c in codes if new[c] != old[c]]
        for c in changed:
            merge_into(self.deltas, delta(dossier_contributions(old[c]), dossier_contributions(new[c])))
        await self.store.update_rows(table, key, [state_to_row(new[c]) for c in changed])
        await self._history([{**state_to_row(h), "amount_vnd": None, "detail": None} for h in history])
        if changed:
            self.changed.add("dossiers")
        where = {c: (new[c].province_code, new[c].former_province) for c in codes}
        moved = {
            c
            for c in changed
            if new[c].province_code and where[c] != (old[c].province_code, old[c].former_province)
        }
        return where, moved

    async def _history(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.store.insert_ignore(orm.dossier_events, rows)

    # -- accounts ---------------------------------------------------------------------------------------------

    async def _accounts(self, facts: list[AccountRegisteredV1 | AccountSignedInV1]) -> None:
        """Accounts (earliest seen, registered, latest sign-in), the days each was active, sign-in counters."""
        rows = await self.store.lock_rows(orm.accounts, "account_id", {d.account_id for d in facts})
        old = {k: state_from_row(acc.AccountState, r) for k, r in rows.items()}
        new = dict(old)
        for d in facts:
            new[d.account_id] = acc.fold_account(new[d.account_id], d)
        changed = [state_to_row(new[k]) for k in sorted(new) if new[k] != old[k]]
        await self.store.update_rows(orm.accounts, "account_id", changed)
        sign_ins = [d for d in facts if isinstance(d, AccountSignedInV1)]
        await self.store.insert_ignore(orm.account_days, [acc.active_day_row(d) for d in sign_ins])
        keys = ["day", "channel", "role", "assurance_level"]
        counters = acc.sign_in_rows(sign_ins)
        if counters:
            await insert_rows(
                self.store.session, orm.account_sign_ins, counters, conflict=keys, increment=["sign_ins"]
            )
        self.changed.add("accounts")

    # -- other entities -------------------------------------------------------------------------------------

    async def _fold_simple(
        self,
        name: str,
        cls: type[S],
        facts: list[tuple[str, Any]],
        fold: Callable[[Any, Any], Any],
        contributions: Callable[[Any], Contributions] | None,
        extra_keys: set[str] | None = None,
        after: Callable[[Any], Any] | None = None,
    ) -> dict[str, Any]:
        table, key = orm.ENTITY_TABLES[name]
        keys = {k for k, _ in facts} | (extra_keys or set())
        rows = await self.store.lock_rows(table, key, keys)
        old = {k: state_from_row(cls, rows[k]) for k in keys}
        new: dict[str, Any] = dict(old)
        for k, data in facts:
            new[k] = fold(new[k], data)
        if after is not None:
            new = {k: after(s) for k, s in new.items()}
        changed = [k for k in keys if new[k] != old[k]]
        if contributions is not None:
            for k in changed:
                merge_into(self.deltas, delta(contributions(old[k]), contributions(new[k])))
        await self.store.update_rows(table, key, [state_to_row(new[k]) for k in changed])
        if changed:
            self.changed.add(name)
        return new

    async def _with_province(
        self,
        name: str,
        cls: type[S],
        facts: list[tuple[str, Any]],
        fold: Callable[[Any, Any], Any],
        contributions: Callable[[Any], Contributions],
        provinces: dict[str, Placed],
        moved: set[str],
    ) -> None:
        """Fold ``facts`` into rows that show their dossier's province unless they carry their own; rows of
        dossiers whose province became known or changed (``moved``) are placed again."""
        table, key = orm.ENTITY_TABLES[name]
        waiting: set[str] = set()
        if moved:
            inherited = table.c.own_province.is_(None) if "own_province" in table.c else true()
            waiting = set(
                await self.store.find_keys(
                    table, key, and_(table.c.dossier_code.in_(sorted(moved)), inherited)
                )
            )

        def place(s: Any) -> Any:
            code = s.dossier_code or ""
            return resolve_province(s, provinces[code]) if code in provinces else s

        await self._fold_simple(name, cls, facts, fold, contributions, waiting, after=place)


def _side_entry(
    event_id: str, dossier_code: str, kind: str, at: Any, detail: str | None, amount: int | None = None
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "dossier_code": dossier_code,
        "kind": kind,
        "status": None,
        "sequence": None,
        "agency_code": None,
        "from_agency_code": None,
        "occurred_at": at,
        "note": None,
        "late": False,
        "amount_vnd": amount,
        "detail": detail,
    }


def _fb_time(d: FeedbackReceivedV1 | FeedbackAnsweredV1) -> Any:
    return d.received_at if isinstance(d, FeedbackReceivedV1) else d.answered_at


def _fb_detail(d: FeedbackReceivedV1 | FeedbackAnsweredV1) -> str:
    return (
        f"received:{d.kind}:{d.category}"
        if isinstance(d, FeedbackReceivedV1)
        else f"answered:{d.agency_code}"
    )


def _sms_time(d: SmsSentV1 | SmsDeliveredV1 | SmsFailedV1) -> Any:
    if isinstance(d, SmsSentV1):
        return d.sent_at
    return d.delivered_at if isinstance(d, SmsDeliveredV1) else d.failed_at


def _sms_detail(d: SmsSentV1 | SmsDeliveredV1 | SmsFailedV1) -> str:
    if isinstance(d, SmsSentV1):
        return f"sent:{d.template}:{d.segments}"
    if isinstance(d, SmsDeliveredV1):
        return "delivered"
    return f"failed:{d.status}"
