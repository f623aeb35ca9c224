"""Overdue counts from the year/month/day buckets of agg_open_due_buckets(_national) equal a count of the
dossiers, for any "today" (month and year boundaries, leap days) and every view's filters; the national trend by
sector and agency equals the per-province figures summed; the migration that adds these tables fills them from the
existing dossiers as the projector would have."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from dvc_contracts.clock import vn_date
from dvc_contracts.events import (
    DossierStatusChangedV1,
    DossierSubmittedV1,
    FeedbackAnsweredV1,
    FeedbackReceivedV1,
)
from dvc_reporting.adapters import orm
from dvc_reporting.adapters.queries.filters import Filters
from dvc_reporting.adapters.queries.report import ReportQueries
from dvc_reporting.adapters.store import ReadModelStore
from dvc_reporting.domain.projection.aggregates import due_buckets, overdue_buckets
from dvc_reporting.domain.projection.dossiers import DossierState, fold_dossier
from dvc_reporting.domain.projection.feedback import FeedbackState, fold_feedback
from dvc_reporting.domain.projection.state import state_to_row
from dvc_reporting.service.projector import Projector
from dvckit.migrate import alembic_config

from ..readmodel import recount, snapshot

MIGRATED = ("agg_open_due_buckets", "agg_open_due_buckets_national", "agg_dossiers_daily_national")
MIGRATED_FEEDBACK = "agg_feedback_open_due"
TODAYS = [
    date(2026, 1, 1), date(2026, 1, 2), date(2026, 2, 28), date(2026, 3, 1), date(2026, 11, 21),
    date(2026, 12, 31), date(2027, 1, 1), date(2028, 2, 29), date(2028, 3, 1),
]  # fmt: skip


def test_the_buckets_of_a_day_before_today_are_counted_once_and_of_a_later_day_never() -> None:
    for today in TODAYS:
        ranges = overdue_buckets(today)
        due = today - timedelta(days=800)
        while due < today + timedelta(days=400):
            hits = sum(
                1
                for grain, period in due_buckets(due)
                for g, lo, hi in ranges
                if g == grain and (lo is None or period >= lo) and period < hi
            )
            assert hits == (1 if due < today else 0), (today, due)
            due += timedelta(days=1)


def stream(rnd: random.Random) -> list[tuple[str, object]]:
    """Dossiers of 3 provinces, 3 sectors, a few agencies and procedures, due across two years; a third finished."""
    out: list[tuple[str, object]] = []
    t0 = datetime(2026, 1, 10, 2, tzinfo=UTC)
    for i in range(300):
        code, sector = f"D{i}", rnd.choice(["DUONG-BO", "HO-TICH", "THUE"])
        common = {
            "dossier_code": code,
            "procedure_code": f"{sector}-{rnd.randrange(3)}",
            "province_code": rnd.choice(["01", "48", "79"]),
            "sector": sector,
        }
        at = t0 + timedelta(days=rnd.randrange(700))
        due = vn_date(at + timedelta(days=rnd.randrange(-40, 60)))
        if rnd.random() < 0.7:
            out.append((f"s{i}", DossierSubmittedV1(
                **common, procedure_name="x", procedure_version=1, agency_code="UBND", channel="online",
                applicant_name="Trần Văn B", submitted_at=at, due_date=due)))  # fmt: skip
        final = rnd.choice(["received", "processing", "completed"])
        agency = rnd.choice(["UBND-XA", "SO-GTVT", "CA-TINH"])
        out.append((f"c{i}", DossierStatusChangedV1(
            **common, agency_code=agency, channel="online", sequence=1, new_status=final,
            occurred_at=at + timedelta(hours=1), due_date=due if rnd.random() < 0.8 else None)))  # fmt: skip
    return out


def feedback_stream(rnd: random.Random) -> list[tuple[str, object]]:
    """Feedback of 3 provinces with deadlines across two years; 60 % answered (some answers before the receipt)."""
    out: list[tuple[str, object]] = []
    t0 = datetime(2026, 1, 10, 2, tzinfo=UTC)
    for i in range(200):
        at, province = t0 + timedelta(days=rnd.randrange(700)), rnd.choice(["01", "48", "79"])
        received = FeedbackReceivedV1(
            feedback_id=f"F{i}", kind="feedback", category="thu_tuc", province_code=province, received_at=at,
            due_date=vn_date(at + timedelta(days=rnd.randrange(5, 20))) if rnd.random() < 0.9 else None,
        )  # fmt: skip
        answered = FeedbackAnsweredV1(
            feedback_id=f"F{i}",
            agency_code="UBND",
            province_code=province,
            answered_at=at + timedelta(days=9),
        )
        facts: list[tuple[str, object]] = [(f"r{i}", received)]
        if rnd.random() < 0.6:
            facts.insert(rnd.randrange(2), (f"a{i}", answered))
        out += facts
    return out


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    async with engine.begin() as conn:
        await conn.run_sync(orm.metadata.create_all)
    yield engine
    await engine.dispose()


async def test_overdue_from_the_buckets_equals_a_count_of_the_dossiers(engine: AsyncEngine) -> None:
    facts = stream(random.Random(5))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    for i in range(0, len(facts), 37):
        async with sessions() as session, session.begin():
            await Projector(ReadModelStore(session)).apply(facts[i : i + 37])  # type: ignore[arg-type]
    views = [
        Filters(),
        Filters(province="48"),
        Filters(sector="HO-TICH"),
        Filters(agency="SO-GTVT"),
        Filters(province="79", sector="THUE"),
    ]
    every_day = date(2000, 1, 1)  # a date range over everything: the same figures, counted on the dossiers
    async with engine.connect() as conn:
        q = ReportQueries(conn)
        seen = 0
        for today in TODAYS:
            for f in views:
                scan = Filters(f.province, f.sector, f.agency, date_from=every_day)
                assert await q.overdue_count(f, today) == await q.overdue_count(scan, today), (today, f)
                seen += await q.overdue_count(f, today)
                for dim in ("province", "agency", "procedure"):
                    assert await q.overdue_by(f, today, dim) == await q.overdue_by(scan, today, dim), (
                        today,
                        f,
                        dim,
                    )
                total, rows = await q.overdue_list(f, today, limit=5)
                assert total == (await q.overdue_list(scan, today, limit=5))[0]
                assert len(rows) == min(5, total)
        assert seen > 100  # the stream makes overdue dossiers in most views
        snap = await snapshot(engine)
        for name in MIGRATED:
            assert snap[name] == recount(snap)[name]


async def test_overdue_feedback_from_the_aggregate_equals_a_count_of_the_feedback(
    engine: AsyncEngine,
) -> None:
    facts = feedback_stream(random.Random(4))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    for i in range(0, len(facts), 23):
        async with sessions() as session, session.begin():
            await Projector(ReadModelStore(session)).apply(facts[i : i + 23])  # type: ignore[arg-type]
    async with engine.connect() as conn:
        q = ReportQueries(conn)
        seen = 0
        for today in TODAYS:
            for province in (None, "48"):
                overdue = (await q.feedback(Filters(province=province), today))["overdue"]
                scan = Filters(province=province, date_from=date(2000, 1, 1))
                assert overdue == (await q.feedback(scan, today))["overdue"], (today, province)
                seen += overdue
        assert seen > 50
    snap = await snapshot(engine)
    assert snap[MIGRATED_FEEDBACK] == recount(snap)[MIGRATED_FEEDBACK]


async def test_the_national_trend_of_a_sector_or_an_agency_is_the_sum_of_the_provinces(
    engine: AsyncEngine,
) -> None:
    facts = stream(random.Random(6))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        await Projector(ReadModelStore(session)).apply(facts)  # type: ignore[arg-type]
    span = {"date_from": date(2026, 1, 1), "date_to": date(2027, 12, 31)}
    async with engine.connect() as conn:
        q = ReportQueries(conn)
        for view in (
            {},
            {"sector": "THUE"},
            {"agency": "SO-GTVT"},
            {"sector": "HO-TICH", "agency": "CA-TINH"},
        ):
            national = await q.trends(Filters(**view, **span), date(2027, 12, 31))  # type: ignore[arg-type]
            by_province = [
                await q.trends(Filters(province=prov, **view, **span), date(2027, 12, 31))  # type: ignore[arg-type]
                for prov in ("01", "48", "79")
            ]
            for i, day in enumerate(national):
                for key, value in day.items():
                    if key.startswith(("received", "finished")):
                        assert value == sum(rows[i][key] for rows in by_province), (view, day["day"], key)
            assert sum(d["received_online"] + d["finished"] for d in national) > 20


def before_units(state: object) -> dict[str, object]:
    """A row as it was stored before migration a9d34c2e7b15: the code the events carried, no former unit."""
    row = state_to_row(state)
    row.pop("former_province")
    row["province_code"] = row.pop("province_sent")
    return row


async def test_the_migration_fills_the_buckets_from_the_existing_dossiers(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/reporting.db"
    cfg = alembic_config("dvc_reporting", url)
    await asyncio.to_thread(command.upgrade, cfg, "ffd005e80a70")  # before agg_open_due_buckets
    states: dict[str, DossierState] = {}
    for event_id, data in stream(random.Random(9)):
        code = data.dossier_code  # type: ignore[attr-defined]
        states[code], _ = fold_dossier(states.get(code, DossierState(code=code)), event_id, data)  # type: ignore[arg-type]
    feedback: dict[str, FeedbackState] = {}
    for _, data in feedback_stream(random.Random(8)):
        key = data.feedback_id  # type: ignore[attr-defined]
        feedback[key] = fold_feedback(feedback.get(key, FeedbackState(feedback_id=key)), data)  # type: ignore[arg-type]
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(orm.dossiers), [before_units(s) for s in states.values()])
            await conn.execute(insert(orm.feedback), [before_units(s) for s in feedback.values()])
        await asyncio.to_thread(command.upgrade, cfg, "head")
        snap = await snapshot(engine)
        for name in (*MIGRATED, MIGRATED_FEEDBACK):
            assert snap[name] == recount(snap)[name], name
            assert len(snap[name]) > 20, name
    finally:
        await engine.dispose()
