"""The service's rules that are settings (``FEEDBACK_*``), passed to the commands that need them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Policy:
    """The service's rules that are settings: deadline, reopen window, duplicate search."""

    response_working_days: int = 10
    reopen_window: timedelta = timedelta(days=7)
    duplicate_window: timedelta = timedelta(days=30)
    duplicate_threshold: float = 0.75
