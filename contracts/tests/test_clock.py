"""The one clock: Viet Nam's date at the hours that matter, pinning in a process and across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from dvc_contracts import clock
from dvc_contracts.calendar import add_working_days, is_working_day
from dvckit.testing import VN_CLOCK_PINS, Pin


@pytest.mark.parametrize("pin", VN_CLOCK_PINS, ids=str)
def test_the_day_in_viet_nam_at_each_pinned_hour(pin: Pin) -> None:
    with clock.pinned(pin.at):
        assert clock.now() == pin.at
        assert clock.vn_today() == pin.vn_day
        assert clock.vn_now().utcoffset() == timedelta(hours=7)
        assert clock.vn_date(clock.now()) == pin.vn_day


def test_a_pinned_clock_moves_only_when_told_and_is_put_back() -> None:
    before = clock.current()
    with clock.pinned(datetime(2026, 12, 31, 16, 59, 30, tzinfo=UTC)) as c:
        assert clock.vn_today() == date(2026, 12, 31)
        c.advance(seconds=30)
        assert clock.vn_today() == date(2027, 1, 1)
        assert clock.now() == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert clock.current() is before


def test_naive_and_zone_less_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        clock.vn_date(datetime(2026, 12, 4, 23, 0))
    with pytest.raises(ValueError, match="aware"):
        clock.FixedClock(datetime(2026, 12, 4, 23, 0))
    assert clock.vn_date(datetime(2026, 12, 4, 23, 0, tzinfo=timezone(timedelta(hours=-5)))) == date(
        2026, 12, 5
    )


def test_a_vietnamese_day_starts_at_17_00_utc_the_day_before() -> None:
    start = clock.vn_midnight(date(2027, 1, 1))
    assert start == datetime(2026, 12, 31, 17, 0, tzinfo=UTC) and start.utcoffset() == timedelta(hours=7)
    assert clock.vn_date(start) == date(2027, 1, 1)
    assert clock.vn_date(start - timedelta(microseconds=1)) == date(2026, 12, 31)


def test_tet_eve_is_the_last_working_day_before_the_days_off() -> None:
    eve = next(p for p in VN_CLOCK_PINS if p.name == "tet-eve")
    with clock.pinned(eve.at):
        assert is_working_day(clock.vn_today())
        assert not is_working_day(clock.vn_today() + timedelta(days=1))
        assert add_working_days(clock.now(), 1) == date(2027, 2, 11), "Tết days off 4–10/2/2027 are skipped"


def _child_now(env: dict[str, str]) -> datetime:
    code = "from dvc_contracts import clock; print(clock.now().isoformat())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return datetime.fromisoformat(out.stdout.strip())


def test_an_environment_pin_reaches_child_processes_and_keeps_ticking() -> None:
    at = datetime(2026, 12, 31, 16, 59, tzinfo=UTC)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DVC_CLOCK")} | clock.offset_env(at)
    seen = _child_now(env)
    assert at <= seen < at + timedelta(seconds=30), "the child starts where the parent pinned it, and ticks"
    env_at = {k: v for k, v in env.items() if k != clock.OFFSET_ENV} | {
        clock.AT_ENV: "2027-02-03T23:59:00+07:00"
    }
    assert abs(_child_now(env_at) - datetime(2027, 2, 3, 16, 59, tzinfo=UTC)) < timedelta(seconds=30)


def test_production_refuses_a_moved_clock() -> None:
    env = os.environ | {"DVC_ENV": "production", clock.AT_ENV: "2027-01-01T00:00:00+07:00"}
    out = subprocess.run(
        [sys.executable, "-c", "import dvc_contracts.clock"], env=env, capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "refused when DVC_ENV=production" in out.stderr
