"""Response deadlines for feedback and petitions, in Vietnamese working days.

The deadline is the ``N``-th working day after the day the feedback reached the responsible agency, counted in
Asia/Ho_Chi_Minh: the day of routing does not count; weekends, public holidays (Tết, Giỗ Tổ, 30/4, 1/5, 2/9 …)
and their compensatory days are skipped, Saturdays declared working days count — the same calendar as
dossier due dates (``dvc_contracts.calendar``). The agency has until the end of the last day. Re-routing to
another agency and reopening start a new count. The default ``N`` is 10 (``FEEDBACK_RESPONSE_WORKING_DAYS``).
"""

from __future__ import annotations

from datetime import date, datetime

from dvc_contracts.calendar import add_working_days


def response_due_date(at: datetime, working_days: int) -> date:
    return add_working_days(at, working_days)
