"""the 34 provinces of 1 July 2025, with the 63 kept

Every row with a province now has today's unit in ``province_code`` (one of the 34) and the unit of the 63 it
falls in in ``former_province`` (dvc_contracts.units); entities keep the code their events carried in
``province_sent`` (payments: ``own_province``, as before). The aggregates' keys end with ``former_province``
("" when the row cannot be placed in the 63).

Until this revision the portal knew only the 63, so every code stored is read as one of the 63, whatever its
day: former_province = the stored code, province_code = its current unit. (A rebuild reads a current code used
since 1 July 2025 as today's unit, with no former one: it may differ there, as documented in the README.)

Revision ID: a9d34c2e7b15
Revises: 5c1e0b7d9a42
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dvc_contracts.units import FORMER


revision: str = "a9d34c2e7b15"
down_revision: str | None = "5c1e0b7d9a42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the aggregates with a province, as they were at 5c1e0b7d9a42: name -> (keys, values, secondary indexes)
AGGREGATES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], ...]]] = {
    "agg_dossiers": (
        ("province_code", "sector", "agency_code", "channel", "status"),
        ("n", "on_time", "late"),
        (),
    ),
    "agg_dossiers_daily": (
        ("day", "province_code", "sector", "channel"),
        ("received", "finished", "finished_on_time"),
        (),
    ),
    "agg_online_procedures": (("province_code", "sector", "agency_code", "procedure_code"), ("n",), ()),
    "agg_open_due": (("province_code", "due_date"), ("n",), ()),
    "agg_open_due_buckets": (
        ("province_code", "grain", "period", "sector", "agency_code", "procedure_code"),
        ("n",),
        (("sector", "grain", "period"), ("agency_code", "grain", "period")),
    ),
    "agg_payments": (("day", "province_code", "provider", "purpose"), ("count", "amount_vnd"), ()),
    "agg_payments_total": (("province_code", "provider", "purpose"), ("count", "amount_vnd"), ()),
    "agg_fines": (
        ("day", "province_code"),
        ("issued", "issued_vnd", "settled", "settled_online", "paid_vnd"),
        (),
    ),
    "agg_fines_total": (
        ("province_code",),
        ("issued", "issued_vnd", "settled", "settled_online", "paid_vnd"),
        (),
    ),
    "agg_feedback": (("day", "province_code"), ("received", "answered", "answered_late"), ()),
    "agg_feedback_total": (("province_code",), ("received", "answered", "answered_late"), ()),
    "agg_feedback_open_due": (("province_code", "due_date"), ("n",), ()),
    "agg_sms": (("day", "province_code", "provider"), ("sent", "segments", "delivered", "failed"), ()),
    "agg_sms_total": (("province_code", "provider"), ("sent", "segments", "delivered", "failed"), ()),
}
# entity table -> does it get province_sent (payments keep own_province, SMS have none of their own)
ENTITIES = {"dossiers": True, "payments": False, "fines": True, "feedback": True, "sms": False}


def _now(column: str) -> str:
    whens = " ".join(f"WHEN '{u.code}' THEN '{u.now}'" for u in FORMER if u.now != u.code)
    return f"CASE {column} {whens} ELSE {column} END"


def _columns(keys: tuple[str, ...], values: tuple[str, ...]) -> list[sa.Column]:
    typed = [
        sa.Column(k, sa.Date() if k in ("day", "due_date", "period") else sa.String(64), nullable=False)
        for k in keys
    ]
    return typed + [
        sa.Column(v, sa.BigInteger(), server_default=sa.text("0"), nullable=False) for v in values
    ]


def _rebuild(
    name: str,
    keys: tuple[str, ...],
    values: tuple[str, ...],
    indexes: tuple[tuple[str, ...], ...],
    select_sql: str,
) -> None:
    """Replace aggregate ``name`` by a table with ``keys`` filled by ``select_sql`` (over ``<name>_pre``)."""
    for cols in indexes:
        op.drop_index(f"ix_{name}_{'_'.join(cols)}", table_name=name)
    op.rename_table(name, f"{name}_pre")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {name}_pre RENAME CONSTRAINT pk_{name} TO pk_{name}_pre")
    op.create_table(name, *_columns(keys, values), sa.PrimaryKeyConstraint(*keys, name=f"pk_{name}"))
    op.execute(f"INSERT INTO {name} ({', '.join((*keys, *values))}) {select_sql}")
    op.drop_table(f"{name}_pre")
    for cols in indexes:
        op.create_index(f"ix_{name}_{'_'.join(cols)}", name, list(cols))


def upgrade() -> None:
    for table, sent in ENTITIES.items():
        op.add_column(table, sa.Column("former_province", sa.String(8), nullable=True))
        if sent:
            op.add_column(table, sa.Column("province_sent", sa.String(8), nullable=True))
            op.execute(f"UPDATE {table} SET province_sent = province_code")
        op.execute(
            f"UPDATE {table} SET former_province = province_code, province_code = {_now('province_code')}"
        )
    for name, (keys, values, indexes) in AGGREGATES.items():
        picked = ", ".join(_now(k) if k == "province_code" else k for k in keys)
        _rebuild(name, (*keys, "former_province"), values, indexes,
                 f"SELECT {picked}, province_code, {', '.join(values)} FROM {name}_pre")  # fmt: skip


def downgrade() -> None:
    back = "CASE WHEN former_province <> '' THEN former_province ELSE province_code END"
    for name, (keys, values, indexes) in AGGREGATES.items():
        picked = ", ".join(back if k == "province_code" else k for k in keys)
        sums = ", ".join(f"sum({v})" for v in values)
        _rebuild(name, keys, values, indexes, f"SELECT {picked}, {sums} FROM {name}_pre GROUP BY {picked}")
    for table, sent in ENTITIES.items():
        op.execute(f"UPDATE {table} SET province_code = former_province WHERE former_province IS NOT NULL")
        with op.batch_alter_table(table) as batch:
            batch.drop_column("former_province")
            if sent:
                batch.drop_column("province_sent")
