"""Dossier decisions that read the clock, pinned at the hours around midnight in Hà Nội, Tết eve and New Year."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dvc_contracts import clock
from dvc_contracts.calendar import add_working_days
from dvc_dossier.domain.model import due_date, new_dossier_code
from dvc_dossier.domain.status_sync import is_overdue
from dvc_dossier.entrypoints.http import _today
from dvckit.testing import VN_CLOCK_PINS, Pin


@pytest.mark.parametrize("pin", VN_CLOCK_PINS, ids=str)
def test_code_due_date_and_overdue_follow_the_day_in_viet_nam(pin: Pin) -> None:
    with clock.pinned(pin.at):
        code = new_dossier_code("01", clock.now())
        assert code.startswith(f"01-{pin.vn_day:%y%m%d}-"), code
        assert due_date(clock.now(), 5) == add_working_days(pin.vn_day, 5)
        assert _today() == pin.vn_day
        assert not is_overdue("processing", pin.vn_day, None, _today()), "due today is not yet overdue"
        assert is_overdue("processing", pin.vn_day - timedelta(days=1), None, _today())
        assert not is_overdue("processing", pin.vn_day - timedelta(days=1), clock.now(), _today()), "paused"
