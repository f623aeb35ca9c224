"""Failover policy with a fake clock: sliding window, threshold, cool-down, drift back."""

from __future__ import annotations

from collections import Counter

import pytest

from dvc_notify.domain.failover import FailoverPolicy, ProviderHealth, Router

POLICY = FailoverPolicy(
    window_seconds=10,
    min_samples=10,
    error_threshold=0.5,
    cooldown_seconds=30,
    drift_seconds=40,
    initial_share=0.2,
)


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


def feed(h: ProviderHealth, clock: FakeClock, outcomes: str, step: float = 0.1) -> None:
    """'x' = provider error, '.' = ok."""
    for c in outcomes:
        h.record(c == ".", clock.advance(step))


@pytest.mark.parametrize(
    ("outcomes", "state"),
    [
        ("x" * 9, "active"),  # below min_samples: not enough evidence
        ("x" * 10, "failing-over"),
        ("x.x.x.x.x.", "failing-over"),  # exactly the threshold (50 %)
        ("x.x.x.x...", "active"),  # 40 %
        ("." * 50 + "x" * 10, "active"),  # 10 errors among 60 samples
        ("." * 5 + "x" * 5, "failing-over"),
    ],
)
def test_threshold_and_min_samples(outcomes: str, state: str) -> None:
    clock = FakeClock()
    h = ProviderHealth("a", POLICY)
    feed(h, clock, outcomes)
    assert h.state(clock.t) == state


def test_the_window_slides_old_errors_out() -> None:
    clock = FakeClock()
    h = ProviderHealth("a", POLICY)
    feed(h, clock, "x" * 9)  # 9 errors, not yet tripped
    clock.advance(11)  # they leave the 10 s window
    feed(h, clock, "." * 5 + "x")
    assert h.state(clock.t) == "active"
    assert h.error_rate(clock.t) == pytest.approx(1 / 6)


def test_cool_down_then_drift_back_then_active() -> None:
    clock = FakeClock()
    h = ProviderHealth("a", POLICY)
    feed(h, clock, "x" * 10)
    tripped = clock.t
    assert (h.state(tripped), h.share(tripped)) == ("failing-over", 0.0)
    assert h.seconds_until_change(tripped) == pytest.approx(30)
    assert h.state(tripped + 29.9) == "failing-over"
    assert h.state(tripped + 30) == "recovering"
    assert h.share(tripped + 30) == pytest.approx(0.2)
    assert h.share(tripped + 50) == pytest.approx(0.6)  # halfway through the 40 s drift
    assert h.state(tripped + 70) == "active"
    assert h.share(tripped + 70) == 1.0
    assert h.trips == 1


def test_errors_while_recovering_trip_it_again() -> None:
    clock = FakeClock()
    h = ProviderHealth("a", POLICY)
    feed(h, clock, "x" * 10)
    clock.advance(31)
    assert h.state(clock.t) == "recovering"
    feed(h, clock, "x" * 10)  # a fresh window: the probe traffic fails as well
    assert h.state(clock.t) == "failing-over"
    assert h.trips == 2


def test_late_answers_during_cool_down_do_not_count() -> None:
    clock = FakeClock()
    h = ProviderHealth("a", POLICY)
    feed(h, clock, "x" * 10)
    feed(h, clock, "x" * 30)  # answers to requests sent before the trip
    assert h.trips == 1
    clock.advance(31)
    assert h.error_rate(clock.t) is None


def test_router_moves_traffic_from_a_failing_primary_and_drifts_back() -> None:
    clock = FakeClock()
    router = Router(["a", "b"], POLICY)

    def route(n: int) -> Counter[str]:
        return Counter(str(router.choose(["a", "b"], clock.advance(0.01))) for _ in range(n))

    assert route(20) == {"a": 20}
    for _ in range(10):
        router.record("a", False, clock.advance(0.1))  # a's gateway answers "busy"
    assert route(100) == {"b": 100}, "failing over: everything to b"
    clock.advance(30)
    first = route(50)  # recovering: a takes ~20 % at first, deterministically
    assert 9 <= first["a"] <= 12 and first["a"] + first["b"] == 50
    clock.advance(20)
    later = route(50)  # share grows with time
    assert later["a"] > first["a"]
    clock.advance(40)
    assert route(20) == {"a": 20}, "back to normal after the drift"


def test_router_with_every_candidate_failing_over_holds_the_message() -> None:
    clock = FakeClock()
    router = Router(["a", "b"], POLICY)
    for name in ("a", "b"):
        for _ in range(10):
            router.record(name, False, clock.advance(0.1))
    assert router.choose(["a", "b"], clock.t) is None
    assert router.choose(["c"], clock.t) is None, "an unknown provider is never chosen"
    clock.advance(31)
    picks = [router.choose(["a", "b"], clock.advance(0.01)) for _ in range(10)]
    assert {"a", "b"} <= set(picks), "both probe again after the cool-down"


def test_snapshot() -> None:
    clock = FakeClock()
    h = ProviderHealth("gw-rest", POLICY)
    feed(h, clock, "x.")
    snap = h.snapshot(clock.t)
    assert snap == {
        "provider": "gw-rest",
        "state": "active",
        "share": 1.0,
        "error_rate": 0.5,
        "samples": 2,
        "trips": 0,
        "cooldown_left_s": None,
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {"error_threshold": 0},
        {"error_threshold": 1.5},
        {"initial_share": 0},
        {"min_samples": 0},
        {"window_seconds": 0},
    ],
)
def test_policy_validation(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        FailoverPolicy(**kwargs)  # type: ignore[arg-type]
