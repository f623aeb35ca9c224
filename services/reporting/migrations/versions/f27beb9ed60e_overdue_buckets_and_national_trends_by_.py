"""overdue buckets, and the national trend by sector and agency

- ``agg_open_due_buckets`` (+ ``_national``, without the province): unfinished dossiers by province, sector,
  agency and procedure, each counted in the year, the month and the day of its due date
  (``projection.due_buckets``), so that the overdue count and the overdue per province / agency / procedure of
  any view (nation, province, sector, agency) read a few thousand aggregate rows instead of scanning dossiers.
- ``agg_dossiers_daily_national`` gains sector and agency in its key: the 30-day trend of a sector's or an
  agency's view reads it instead of the per-province daily table or the dossiers.

All three are filled from the existing dossier rows with the rules of ``dossier_contributions``.

Revision ID: f27beb9ed60e
Revises: ffd005e80a70
Create Date: 2026-11-21 08:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "f27beb9ed60e"
down_revision: str | None = "ffd005e80a70"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What dossier_contributions counts, straight from the dossier rows (the aggregates' keys use "" for unknown).
DOSSIER = "status IS NOT NULL AND province_code IS NOT NULL"
SECTOR, AGENCY = "coalesce(sector, '')", "coalesce(agency_code, '')"
CHANNEL, PROCEDURE = "coalesce(channel, '')", "coalesce(procedure_code, '')"


def _key(*cols: str) -> list[sa.Column[str]]:
    return [sa.Column(c, sa.String(length=64), nullable=False) for c in cols]


def _n() -> sa.Column[int]:
    return sa.Column("n", sa.BigInteger(), server_default=sa.text("0"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "agg_open_due_buckets",
        sa.Column("province_code", sa.String(length=64), nullable=False),
        sa.Column("grain", sa.String(length=64), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        *_key("sector", "agency_code", "procedure_code"),
        _n(),
        sa.PrimaryKeyConstraint(
            "province_code", "grain", "period", "sector", "agency_code", "procedure_code",
            name=op.f("pk_agg_open_due_buckets"),
        ),
    )  # fmt: skip
    with op.batch_alter_table("agg_open_due_buckets", schema=None) as batch_op:
        for lead in ("sector", "agency_code"):
            batch_op.create_index(f"ix_agg_open_due_buckets_{lead}_grain_period", [lead, "grain", "period"])
    op.create_table(
        "agg_open_due_buckets_national",
        sa.Column("grain", sa.String(length=64), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        *_key("sector", "agency_code", "procedure_code"),
        _n(),
        sa.PrimaryKeyConstraint(
            "grain", "period", "sector", "agency_code", "procedure_code",
            name=op.f("pk_agg_open_due_buckets_national"),
        ),
    )  # fmt: skip

    # agg_dossiers_daily_national gains sector and agency in its key: built again from the dossier rows
    op.drop_table("agg_dossiers_daily_national")
    op.create_table(
        "agg_dossiers_daily_national",
        sa.Column("day", sa.Date(), nullable=False),
        *_key("sector", "agency_code", "channel"),
        *(sa.Column(c, sa.BigInteger(), server_default=sa.text("0"), nullable=False)
          for c in ("received", "finished", "finished_on_time")),
        sa.PrimaryKeyConstraint("day", "sector", "agency_code", "channel", name=op.f("pk_agg_dossiers_daily_national")),
    )  # fmt: skip
    op.execute(
        "INSERT INTO agg_dossiers_daily_national (day, sector, agency_code, channel, received, finished, "
        "finished_on_time) SELECT day, s, a, ch, sum(r), sum(f), sum(ft) FROM ("
        f"SELECT day, {SECTOR} AS s, {AGENCY} AS a, {CHANNEL} AS ch, 1 AS r, 0 AS f, 0 AS ft FROM dossiers "
        f"WHERE {DOSSIER} AND day IS NOT NULL UNION ALL "
        f"SELECT finished_day, {SECTOR}, {AGENCY}, {CHANNEL}, 0, 1, CASE WHEN on_time THEN 1 ELSE 0 END "
        f"FROM dossiers WHERE {DOSSIER} AND finished_at IS NOT NULL) x GROUP BY day, s, a, ch"
    )

    if op.get_bind().dialect.name == "postgresql":
        year, month = "date_trunc('year', due_date)::date", "date_trunc('month', due_date)::date"
    else:
        year, month = "date(due_date, 'start of year')", "date(due_date, 'start of month')"
    for grain, period in (("Y", year), ("M", month), ("D", "due_date")):
        op.execute(
            "INSERT INTO agg_open_due_buckets (province_code, sector, agency_code, procedure_code, grain, period, n) "
            f"SELECT province_code, {SECTOR}, {AGENCY}, {PROCEDURE}, '{grain}', {period}, count(*) FROM dossiers "
            f"WHERE {DOSSIER} AND NOT finished AND due_date IS NOT NULL "
            f"GROUP BY province_code, {SECTOR}, {AGENCY}, {PROCEDURE}, {period}"
        )
    op.execute(
        "INSERT INTO agg_open_due_buckets_national (sector, agency_code, procedure_code, grain, period, n) "
        "SELECT sector, agency_code, procedure_code, grain, period, sum(n) FROM agg_open_due_buckets "
        "GROUP BY sector, agency_code, procedure_code, grain, period"
    )


def downgrade() -> None:
    op.drop_table("agg_dossiers_daily_national")
    op.create_table(
        "agg_dossiers_daily_national",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        *(sa.Column(c, sa.BigInteger(), server_default=sa.text("0"), nullable=False)
          for c in ("received", "finished", "finished_on_time")),
        sa.PrimaryKeyConstraint("day", "channel", name=op.f("pk_agg_dossiers_daily_national")),
    )  # fmt: skip
    op.execute(
        "INSERT INTO agg_dossiers_daily_national SELECT day, channel, sum(received), sum(finished), "
        "sum(finished_on_time) FROM agg_dossiers_daily GROUP BY day, channel"
    )
    op.drop_table("agg_open_due_buckets_national")
    op.drop_table("agg_open_due_buckets")
