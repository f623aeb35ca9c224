"""Feedback deadlines and ids read the clock in Viet Nam's day, pinned at the hours that matter."""

from __future__ import annotations

import pytest

from dvc_contracts import clock
from dvc_contracts.calendar import add_working_days
from dvc_feedback.domain.deadlines import response_due_date
from dvc_feedback.domain.model import new_feedback_id
from dvc_feedback.entrypoints.context import FeedbackContext
from dvc_feedback.service.handlers import Policy
from dvckit.testing import VN_CLOCK_PINS, Pin


@pytest.mark.parametrize("pin", VN_CLOCK_PINS, ids=str)
def test_deadline_and_id_use_the_vietnamese_day(pin: Pin) -> None:
    with clock.pinned(pin.at):
        now = FeedbackContext(policy=Policy()).clock()
        assert now == pin.at
        assert response_due_date(now, 10) == add_working_days(pin.vn_day, 10)
        assert new_feedback_id("feedback", now).startswith(f"PA-{pin.vn_day:%y%m%d}-")
        assert new_feedback_id("petition", now).startswith(f"KN-{pin.vn_day:%y%m%d}-")
