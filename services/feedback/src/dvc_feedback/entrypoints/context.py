"""What the HTTP routes and the scheduler share besides the runtime: the policy and the clock (a port, so
tests can move time forward)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dvc_contracts import clock
from dvc_feedback.config import Settings
from dvc_feedback.service.handlers import Policy


def utc_now() -> datetime:
    return clock.now()


@dataclass
class FeedbackContext:
    policy: Policy
    scheduler_interval_seconds: float = 30.0
    clock: Callable[[], datetime] = field(default=utc_now)

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackContext:
        policy = Policy(
            response_working_days=settings.response_working_days,
            reopen_window=timedelta(days=settings.reopen_window_days),
            duplicate_window=timedelta(days=settings.duplicate_window_days),
            duplicate_threshold=settings.duplicate_threshold,
        )
        return cls(policy, settings.scheduler_interval_seconds)
