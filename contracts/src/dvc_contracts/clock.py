"""One answer to "what time is it, and what day is it in Viet Nam", for the product and its tests.

Viet Nam keeps UTC+7 all year (no daylight saving), so the zone is a fixed offset (``VN_TZ``); the calendar day
people read, and the day that statutory working days, daily SMS limits, dossier codes and dashboard buckets
count, is the day in that zone (``vn_date`` / ``vn_today``), never the UTC date.

Product code asks ``now()`` (an aware UTC datetime) instead of ``datetime.now``; the clock behind it can be
replaced:

- in one process: ``with pinned(datetime(2026, 12, 31, 16, 59, tzinfo=UTC)):`` (a frozen clock that tests move
  with ``advance``), or ``use(clock)`` for any object with a ``now()`` method;
- across processes (the services a test starts, ``scripts/test-clock.sh``): ``DVC_CLOCK_OFFSET_S``, seconds
  added to the system time by every process that imports this module; it keeps ticking, so timeouts and
  expiries still run. ``DVC_CLOCK_AT`` (an ISO instant) is turned into that offset by whoever sets it first
  (:func:`offset_env`), so a test run and the services it starts agree to the microsecond.

Neither is allowed in production (``DVC_ENV=production``): there the system clock is the only clock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Final, Protocol

__all__ = [
    "VN_TZ",
    "Clock",
    "FixedClock",
    "OffsetClock",
    "SystemClock",
    "current",
    "now",
    "offset_env",
    "pinned",
    "use",
    "vn_date",
    "vn_midnight",
    "vn_now",
    "vn_today",
]

VN_TZ: Final = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
OFFSET_ENV: Final = "DVC_CLOCK_OFFSET_S"
AT_ENV: Final = "DVC_CLOCK_AT"


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetClock:
    """The system clock moved by a fixed amount: it ticks, so every process sharing the offset agrees."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class FixedClock:
    """A clock that stands still until told to move (in-process tests)."""

    def __init__(self, at: datetime) -> None:
        self.at = _aware(at)

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.at += delta if delta is not None else timedelta(**kwargs)
        return self.at

    def set(self, at: datetime) -> None:
        self.at = _aware(at)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("the clock needs an aware datetime (with its UTC offset)")
    return at.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """An ISO instant with an offset ('2026-12-31T23:59:00+07:00' or '...Z'); a bare time is refused."""
    return _aware(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))


def offset_env(at: datetime, environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """The environment that makes every process started from now on read ``at`` as the current instant."""
    seconds = (_aware(at) - datetime.now(UTC)).total_seconds()
    env = {OFFSET_ENV: repr(seconds)}
    if environ is not None:
        environ.update(env)
    return env


def _from_environment() -> Clock:
    offset, at = os.environ.get(OFFSET_ENV), os.environ.get(AT_ENV)
    if not offset and not at:
        return SystemClock()
    if os.environ.get("DVC_ENV", "").strip().lower() == "production":  # as dvckit.production reads it
        raise RuntimeError(f"{OFFSET_ENV}/{AT_ENV} move the clock; they are refused when DVC_ENV=production")
    if not offset:  # the first process to see DVC_CLOCK_AT fixes the offset for its children
        offset = offset_env(parse_instant(at or ""), os.environ)[OFFSET_ENV]
    return OffsetClock(timedelta(seconds=float(offset)))


_clock: Clock = _from_environment()


def current() -> Clock:
    return _clock


def use(clock: Clock) -> Clock:
    """Replace the process clock; returns the previous one (put it back with ``use(previous)``)."""
    global _clock
    previous, _clock = _clock, clock
    return previous


@contextmanager
def pinned(at: datetime | FixedClock) -> Iterator[FixedClock]:
    """Freeze the process clock at ``at`` for the block (tests); yields the clock so it can be advanced."""
    clock = at if isinstance(at, FixedClock) else FixedClock(at)
    previous = use(clock)
    try:
        yield clock
    finally:
        use(previous)


def now() -> datetime:
    """The current instant in UTC (aware). The only "now" product code reads."""
    return _clock.now().astimezone(UTC)


def vn_now() -> datetime:
    """The current instant on Viet Nam's wall clock (UTC+7)."""
    return _clock.now().astimezone(VN_TZ)


def vn_date(moment: date | datetime) -> date:
    """The calendar day in Viet Nam of an instant (converted to UTC+7); a date is returned as it is. A naive
    datetime is refused: its day cannot be known."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("naive datetime: pass a timezone-aware instant")
        return moment.astimezone(VN_TZ).date()
    return moment


def vn_today() -> date:
    """Today's date in Viet Nam."""
    return vn_now().date()


def vn_midnight(day: date) -> datetime:
    """The instant a calendar day starts in Viet Nam (00:00 UTC+7, aware): the bound of a day's range, the next
    day's start (``vn_midnight(vn_date(at) + timedelta(days=1))``)."""
    return datetime.combine(day, time(0), tzinfo=VN_TZ)
