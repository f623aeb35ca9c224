"""Migration a9d34c2e7b15 on a read model written before it (every code one of the 63): rows move to today's
provinces, keep their former one, and the aggregates still equal a recount of the rows (SQLite here; the
integration test runs the same on PostgreSQL)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import column, insert, select
from sqlalchemy import table as sa_table
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts.events import DossierSubmittedV1, FeePaidV1
from dvc_reporting.adapters import orm
from dvc_reporting.domain.projection.aggregates import AGGREGATES, Contributions, merge_into
from dvc_reporting.domain.projection.dossiers import DossierState, dossier_contributions, fold_dossier
from dvc_reporting.domain.projection.payments import PaymentState, fold_payment, payment_contributions
from dvc_reporting.domain.projection.state import state_to_row
from dvckit.migrate import alembic_config

from ..readmodel import recount, snapshot

BEFORE = "5c1e0b7d9a42"
AT = datetime(2024, 8, 1, 2, 0, tzinfo=UTC)
CODES = ("27", "24", "30", "49", "01", "74", "97")  # 97: a code neither edition knows


def _old_row(state: Any) -> dict[str, Any]:
    row = state_to_row(state)
    row.pop("former_province")
    row["province_code"] = row.pop("province_sent", None) or row.get("own_province") or row["province_code"]
    return row


def _old_aggregates(states: list[Any], contributions: Any) -> dict[str, list[dict[str, Any]]]:
    """What the aggregates held before the migration: keyed by the code as sent, no former_province."""
    total: Contributions = {}
    for s in states:
        sent = getattr(s, "province_sent", None) or getattr(s, "own_province", None) or s.province_code
        merge_into(total, contributions(replace(s, province_code=sent, former_province=None)))
    out: dict[str, list[dict[str, Any]]] = {}
    for (name, key), values in total.items():
        keys = AGGREGATES[name][0]
        cut = keys[:-1] if keys[-1] == "former_province" else keys
        out.setdefault(name, []).append(dict(zip(cut, key[: len(cut)], strict=True)) | values)
    return out


def stories() -> tuple[list[DossierState], list[PaymentState]]:
    dossiers, payments = [], []
    for i, code in enumerate(CODES * 3):
        data = DossierSubmittedV1(
            dossier_code=f"D{i}", procedure_code="P1", procedure_name="x", procedure_version=1, agency_code="SO-TP",
            province_code=code, sector="TU-PHAP", channel="online", applicant_name="Đỗ Văn An",
            submitted_at=AT + timedelta(days=i), due_date=(AT + timedelta(days=i + 3)).date(),
        )  # fmt: skip
        dossiers.append(fold_dossier(DossierState(f"D{i}"), f"e{i}", data)[0])
        paid = FeePaidV1(payment_id=f"P{i}", dossier_code=f"D{i}", province_code=code, amount_vnd=1000 + i,
                         provider="vnpay", provider_txn_id=str(i), paid_at=AT + timedelta(days=i))  # fmt: skip
        payments.append(fold_payment(PaymentState(f"P{i}"), paid))
    return dossiers, payments


async def migrate_and_check(url: str) -> None:
    cfg = alembic_config("dvc_reporting", url)
    await asyncio.to_thread(command.upgrade, cfg, BEFORE)
    dossiers, payments = stories()
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(_old_insert("dossiers"), [_old_row(s) for s in dossiers])
            await conn.execute(_old_insert("payments"), [_old_row(s) for s in payments])
            for table, rows in {**_old_aggregates(dossiers, dossier_contributions),
                                **_old_aggregates(payments, payment_contributions)}.items():  # fmt: skip
                await conn.execute(_old_insert(table, rows[0]), rows)
        await asyncio.to_thread(command.upgrade, cfg, "head")
        snap = await snapshot(engine)
        for name, rows in recount(snap).items():
            assert snap[name] == rows, name
        async with engine.connect() as conn:
            q = select(orm.dossiers.c.code, orm.dossiers.c.province_code, orm.dossiers.c.former_province)
            placed = {c: (now, was) for c, now, was in (await conn.execute(q)).all()}
        assert placed["D0"] == ("24", "27") and placed["D2"] == ("31", "30") and placed["D5"] == ("79", "74")
        assert placed["D6"] == ("97", "97"), "an unknown code is kept as it was"
        assert sum(r[-1] for r in snap["agg_payments_total"]) == sum(s.amount_vnd for s in payments)
        assert {r[0] for r in snap["agg_dossiers"]} == {"24", "31", "48", "01", "79", "97"}
    finally:
        await engine.dispose()


def _old_insert(table: str, sample: dict[str, Any] | None = None) -> Any:
    """An INSERT into ``table`` as it was before the migration (without the new columns)."""
    new = ("former_province", "province_sent")
    cols = (
        list(sample) if sample else [c.name for c in orm.metadata.tables[table].columns if c.name not in new]
    )
    return insert(sa_table(table, *(column(c) for c in cols)))


async def test_the_migration_moves_rows_to_todays_provinces_on_sqlite(tmp_path: Path) -> None:
    await migrate_and_check(f"sqlite+aiosqlite:///{tmp_path}/reporting.db")
