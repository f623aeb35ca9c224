"""CSV exports: a cell that a spreadsheet would run as a formula is neutralised; the file is stamped with the
day in Hà Nội."""

from __future__ import annotations

from datetime import UTC, datetime

from dvc_contracts import clock
from dvc_reporting.entrypoints.api.export import csv_response


def test_formula_cells_are_written_as_text_and_numbers_stay_numbers() -> None:
    rows = [
        {"code": '=HYPERLINK("http://evil.example","bấm vào")', "days_overdue": -3, "note": "+84912345678"},
        {"code": "@SUM(A1:A9)", "days_overdue": 2, "note": "-1+1"},
        {"code": "01-261204-7KQ2MX", "days_overdue": 0, "note": None},
    ]
    with clock.pinned(datetime(2026, 12, 31, 17, 1, tzinfo=UTC)):  # 00:01 on 1/1/2027 in Hà Nội
        response = csv_response(rows, "qua-han")
    body = bytes(response.body).decode("utf-8-sig").splitlines()
    assert body[0] == "code,days_overdue,note"
    assert body[1] == '"\'=HYPERLINK(""http://evil.example"",""bấm vào"")",-3,\'+84912345678'
    assert body[2] == "'@SUM(A1:A9),2,'-1+1"
    assert body[3] == "01-261204-7KQ2MX,0,"
    assert 'filename="qua-han-20270101.csv"' in response.headers["content-disposition"]
