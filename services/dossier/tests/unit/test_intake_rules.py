"""HTTP ingest admission (issue 14): accept below the bound, push the busiest agencies back first between the
bound and twice it, everyone beyond; Retry-After from the measured apply rate."""

from __future__ import annotations

from dvc_dossier.domain.intake import MAX_RETRY_AFTER, AgencyWindow, admit, retry_after
from dvc_dossier.service.intake import IngestGate
from dvckit.messaging.lag import GroupLagSample


def window_with(**sent: int) -> AgencyWindow:
    w = AgencyWindow(seconds=10)
    for agency, n in sent.items():
        w.add(agency, n, now=100.0)
    return w


def test_below_the_bound_everything_is_accepted() -> None:
    w = window_with(BIG=10_000)
    decision = admit(
        backlog=999, max_backlog=1000, agency="BIG", events=1000, window=w, now=100.0, apply_rate=1
    )
    assert decision.admitted


def test_no_bound_means_no_refusal() -> None:
    w = window_with(BIG=10_000)
    assert admit(
        backlog=10**9, max_backlog=0, agency="BIG", events=1, window=w, now=100.0, apply_rate=None
    ).admitted


def test_past_the_bound_the_busiest_agency_waits_first_and_a_small_one_gets_through() -> None:
    w = window_with(BIG=9_000, MID=900, SMALL=100)  # fair share: 10,000 / 3
    args = {
        "backlog": 1500,
        "max_backlog": 1000,
        "events": 100,
        "window": w,
        "now": 100.5,
        "apply_rate": 500.0,
    }
    big = admit(agency="BIG", **args)  # type: ignore[arg-type]
    assert not big.admitted and big.reason == "agency_over_share"
    assert admit(agency="SMALL", **args).admitted  # type: ignore[arg-type]
    assert admit(agency="MID", **args).admitted  # type: ignore[arg-type]
    assert admit(agency="NEWCOMER", **args).admitted  # type: ignore[arg-type]


def test_equal_agencies_all_wait_past_the_bound() -> None:
    w = window_with(A=500, B=500, C=500)
    for agency in "ABC":
        decision = admit(
            backlog=1200, max_backlog=1000, agency=agency, events=100, window=w, now=100.0, apply_rate=100
        )
        assert not decision.admitted


def test_from_twice_the_bound_everyone_waits() -> None:
    w = window_with(BIG=9_000, SMALL=1)
    decision = admit(
        backlog=2000, max_backlog=1000, agency="SMALL", events=1, window=w, now=100.0, apply_rate=100
    )
    assert not decision.admitted and decision.reason == "backlog_full" and decision.retry_after > 0


def test_the_window_forgets() -> None:
    w = window_with(BIG=9_000, SMALL=10)
    assert w.recent("BIG", now=109.5) == 9_000
    assert w.recent("BIG", now=111.0) == 0 and w.fair_share(now=111.0) == float("inf")
    w.add("SMALL", 5, now=111.0)
    assert w.recent("SMALL", now=111.2) == 5


def test_retry_after_follows_the_apply_rate() -> None:
    assert retry_after(backlog=3000, max_backlog=1000, apply_rate=100.0) == 21  # (2,000 + 100) / 100
    assert retry_after(backlog=1000, max_backlog=1000, apply_rate=10_000.0) == 1
    assert retry_after(backlog=10**7, max_backlog=1000, apply_rate=1.0) == MAX_RETRY_AFTER
    assert retry_after(backlog=5000, max_backlog=1000, apply_rate=0.0) == MAX_RETRY_AFTER // 2


class FakeProbe:
    def __init__(self) -> None:
        self.outbox, self.lag, self.committed, self.broker = 0, 0, 0, True

    async def unsent(self) -> int:
        return self.outbox

    async def group_lag(self) -> GroupLagSample:
        if not self.broker:
            raise ConnectionError("broker away")
        return GroupLagSample(lag=self.lag, committed=self.committed)

    async def close(self) -> None:
        pass


async def test_the_gate_counts_outbox_lag_and_what_it_accepted_since() -> None:
    gate, probe = IngestGate(max_backlog=100, concurrency=1, window_seconds=10), FakeProbe()
    probe.outbox, probe.lag, probe.committed = 30, 50, 1000
    await gate.sample(probe)
    gate.accepted("A", 40)
    assert gate.backlog == 120 and not gate.check("A", 10).admitted
    assert gate.check("B", 10).admitted  # under its share
    probe.committed = 1500
    await gate.sample(probe)
    assert gate.apply_rate is not None and gate.apply_rate > 0 and gate.backlog == 80
    probe.broker, probe.outbox = False, 90  # the broker away: the lag keeps its last figure, the outbox grows
    await gate.sample(probe)
    assert gate.backlog == 140 and gate.apply_rate == 0.0
    assert gate.check("A", 1).retry_after == MAX_RETRY_AFTER // 2
