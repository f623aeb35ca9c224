"""Helpers for comparing read models: every table's rows, and what a recount of the entity rows gives."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dvc_reporting.adapters import orm
from dvc_reporting.domain.projection.aggregates import AGGREGATES, Contributions, merge_into
from dvc_reporting.domain.projection.dossiers import DossierState, dossier_contributions
from dvc_reporting.domain.projection.feedback import FeedbackState, feedback_contributions
from dvc_reporting.domain.projection.fines import FineState, fine_contributions
from dvc_reporting.domain.projection.payments import PaymentState, payment_contributions
from dvc_reporting.domain.projection.sms import SmsState, sms_contributions
from dvc_reporting.domain.projection.state import state_from_row

Snapshot = dict[str, list[tuple[Any, ...]]]

ENTITY_FOLDS: tuple[tuple[str, type, Any], ...] = (
    ("dossiers", DossierState, dossier_contributions),
    ("payments", PaymentState, payment_contributions),
    ("fines", FineState, fine_contributions),
    ("feedback", FeedbackState, feedback_contributions),
    ("sms", SmsState, sms_contributions),
)


async def snapshot(engine: AsyncEngine) -> Snapshot:
    """Every read-model table, rows sorted."""
    out: Snapshot = {}
    async with engine.connect() as conn:
        for table in orm.READ_MODEL_TABLES:
            rows = (await conn.execute(select(table))).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def recount(snap: Snapshot) -> Snapshot:
    """The aggregate tables that a full recount of the entity rows gives (there is no all-zero row in it)."""
    total: Contributions = {}
    for name, cls, contributions in ENTITY_FOLDS:
        cols = [c.name for c in orm.ENTITY_TABLES[name][0].columns]
        for row in snap[name]:
            merge_into(total, contributions(state_from_row(cls, dict(zip(cols, row, strict=True)))))
    out: Snapshot = {name: [] for name in AGGREGATES}
    for (name, key), vals in total.items():
        if any(vals.values()):
            out[name].append((*key, *(vals.get(v, 0) for v in AGGREGATES[name][1])))
    return {name: sorted(rows, key=repr) for name, rows in out.items()}


def diff(
    a: list[tuple[Any, ...]], b: list[tuple[Any, ...]], names: tuple[str, str] = ("first", "second")
) -> str:
    only_a = [r for r in a if r not in b][:3]
    only_b = [r for r in b if r not in a][:3]
    return f"{names[0]} only {only_a}; {names[1]} only {only_b}"
