"""Tables as CSV (``format=csv``): UTF-8 with a BOM, cells a spreadsheet would run as formulas defused."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any, Literal

from fastapi import Response

from dvc_contracts import clock

Format = Literal["json", "csv"]
CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the table; with `format=csv` a UTF-8 CSV file (with a BOM) instead",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (=, +, -, @ …: agency-chosen dossier codes reach the
    exports) is written as text with a leading apostrophe; numbers and empty cells stay as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_response(rows: Sequence[dict[str, Any]], name: str, columns: Sequence[str] | None = None) -> Response:
    cols = list(columns or (rows[0].keys() if rows else []))
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(row.get(k)) for k in cols})
    stamp = clock.vn_today().strftime("%Y%m%d")  # the day in Hà Nội, as people file it
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}-{stamp}.csv"'},
    )
