"""The aggregate tables, one per aggregate of domain.projection.aggregates (key columns, then counters)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, String, Table

from dvc_reporting.adapters.orm.base import ZERO, metadata
from dvc_reporting.domain.projection.aggregates import AGGREGATES

# Secondary indexes of the aggregates read with a filter that is not a prefix of their primary key.
AGG_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    # overdue(today) per province of a sector's / an agency's view: three range scans of (grain, period) each
    # (a province's view and the national buckets use their primary keys, which start with the buckets)
    "agg_open_due_buckets": (
        ("sector", "grain", "period"),
        ("agency_code", "grain", "period"),
    ),
}


def _agg_table(name: str, keys: tuple[str, ...], values: tuple[str, ...]) -> Table:
    cols: list[Column[object]] = []
    for k in keys:
        cols.append(Column(k, Date if k in ("day", "due_date", "period") else String(64), primary_key=True))
    cols += [Column(v, BigInteger, nullable=False, server_default=ZERO) for v in values]
    indexes = [Index(f"ix_{name}_{'_'.join(c)}", *c) for c in AGG_INDEXES.get(name, ())]
    return Table(name, metadata, *cols, *indexes)


AGG_TABLES: dict[str, Table] = {name: _agg_table(name, k, v) for name, (k, v) in AGGREGATES.items()}
agg_dossiers = AGG_TABLES["agg_dossiers"]
agg_dossiers_daily = AGG_TABLES["agg_dossiers_daily"]
agg_dossiers_daily_national = AGG_TABLES["agg_dossiers_daily_national"]
agg_online_procedures = AGG_TABLES["agg_online_procedures"]
agg_open_due = AGG_TABLES["agg_open_due"]
agg_open_due_buckets = AGG_TABLES["agg_open_due_buckets"]
agg_open_due_buckets_national = AGG_TABLES["agg_open_due_buckets_national"]
agg_payments = AGG_TABLES["agg_payments"]
agg_payments_total = AGG_TABLES["agg_payments_total"]
agg_fines = AGG_TABLES["agg_fines"]
agg_fines_total = AGG_TABLES["agg_fines_total"]
agg_feedback = AGG_TABLES["agg_feedback"]
agg_feedback_total = AGG_TABLES["agg_feedback_total"]
agg_feedback_open_due = AGG_TABLES["agg_feedback_open_due"]
agg_sms = AGG_TABLES["agg_sms"]
agg_sms_total = AGG_TABLES["agg_sms_total"]
