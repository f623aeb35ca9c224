"""Accounts in the figures (domain/accounts.py and the projector on SQLite): an account counted once from
either event in any order, active per Vietnamese day (distinct ids; 17:00 UTC is the next day), sign-ins per
channel, and what the API answers for them."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from dvc_contracts.events import AccountRegisteredV1, AccountSignedInV1
from dvc_reporting.adapters import orm
from dvc_reporting.adapters.accounts import account_figures
from dvc_reporting.adapters.store import ReadModelStore
from dvc_reporting.domain.accounts import AccountState, fold_account, sign_in_rows, vn_day
from dvc_reporting.service.projector import Projector

A, B = "a" * 32, "b" * 32
# 2026-11-01 23:30 in Viet Nam = 16:30 UTC; 17:10 UTC is already 2 November there
LATE_EVENING = datetime(2026, 11, 1, 16, 30, tzinfo=UTC)
AFTER_MIDNIGHT = datetime(2026, 11, 1, 17, 10, tzinfo=UTC)


def signed_in(account: str, at: datetime, channel: str = "portal", loa: int | None = 2) -> AccountSignedInV1:
    role = "citizen" if channel == "portal" else "operator"
    return AccountSignedInV1(
        account_id=account, role=role, channel=channel, assurance_level=loa, signed_in_at=at
    )


def registered(account: str, at: datetime, channel: str = "portal") -> AccountRegisteredV1:
    role = "citizen" if channel == "portal" else "operator"
    return AccountRegisteredV1(
        account_id=account, role=role, channel=channel, assurance_level=2, registered_at=at
    )


def test_the_vietnamese_day_starts_at_17_utc() -> None:
    assert vn_day(LATE_EVENING) == date(2026, 11, 1)
    assert vn_day(AFTER_MIDNIGHT) == date(2026, 11, 2)
    assert vn_day(datetime(2026, 11, 1, 16, 59, 59, tzinfo=UTC)) == date(2026, 11, 1)


def test_an_account_is_the_same_row_for_any_order_of_its_events() -> None:
    events = [
        registered(A, LATE_EVENING),
        signed_in(A, LATE_EVENING),
        signed_in(A, AFTER_MIDNIGHT),
        signed_in(A, AFTER_MIDNIGHT + timedelta(days=3)),
    ]
    rows = set()
    for order in itertools.permutations(events):
        state = AccountState(A)
        for d in order:
            state = fold_account(state, d)
        rows.add(state)
    assert rows == {
        AccountState(
            A,
            role="citizen",
            registered_at=LATE_EVENING,
            first_seen_at=LATE_EVENING,
            last_signed_in_at=AFTER_MIDNIGHT + timedelta(days=3),
        )
    }
    # known from a sign-in alone (its registration not read yet, or announced by another replica first)
    only = fold_account(AccountState(B), signed_in(B, AFTER_MIDNIGHT, "dashboard"))
    assert only.role == "operator" and only.registered_at is None and only.first_seen_at == AFTER_MIDNIGHT


def test_sign_ins_are_counted_per_day_channel_role_and_level() -> None:
    rows = sign_in_rows(
        [
            signed_in(A, LATE_EVENING),
            signed_in(A, AFTER_MIDNIGHT),
            signed_in(B, AFTER_MIDNIGHT, "dashboard", None),
        ]
    )
    assert rows == [
        {
            "day": date(2026, 11, 1),
            "channel": "portal",
            "role": "citizen",
            "assurance_level": 2,
            "sign_ins": 1,
        },
        {
            "day": date(2026, 11, 2),
            "channel": "dashboard",
            "role": "operator",
            "assurance_level": 0,
            "sign_ins": 1,
        },
        {
            "day": date(2026, 11, 2),
            "channel": "portal",
            "role": "citizen",
            "assurance_level": 2,
            "sign_ins": 1,
        },
    ]


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    async with engine.begin() as conn:
        await conn.run_sync(orm.metadata.create_all)
    yield engine
    await engine.dispose()


async def apply(engine: AsyncEngine, *events: AccountRegisteredV1 | AccountSignedInV1) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        await Projector(ReadModelStore(session)).apply([(f"ev-{i}", d) for i, d in enumerate(events)])


async def test_figures_from_the_read_model(engine: AsyncEngine) -> None:
    await apply(engine, signed_in(A, LATE_EVENING), registered(A, LATE_EVENING))
    await apply(engine, signed_in(A, AFTER_MIDNIGHT), signed_in(A, AFTER_MIDNIGHT + timedelta(hours=2)))
    await apply(
        engine, signed_in(B, AFTER_MIDNIGHT, "dashboard", 1), registered(B, AFTER_MIDNIGHT, "dashboard")
    )
    async with engine.connect() as conn:
        fig = await account_figures(conn, date(2026, 11, 2), days=3)
    assert fig["accounts_total"] == 2 and fig["accounts_by_role"] == {"citizen": 1, "operator": 1}
    assert fig["active_today"] == 2  # A twice on the 2nd (after midnight in Viet Nam) counts once
    assert fig["sign_ins_total"] == 4 and fig["sign_ins_by_channel"] == {"portal": 3, "dashboard": 1}
    assert [(d["day"], d["active_accounts"], d["sign_ins_by_channel"]) for d in fig["days"]] == [
        (date(2026, 10, 31), 0, {"portal": 0, "dashboard": 0}),
        (date(2026, 11, 1), 1, {"portal": 1, "dashboard": 0}),
        (date(2026, 11, 2), 2, {"portal": 2, "dashboard": 1}),
    ]
