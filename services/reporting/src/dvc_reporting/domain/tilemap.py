"""The dashboard's map: the 34 provinces of today as a tile grid laid out geographically (pure data).

No boundary geometry with a licence that allows shipping it was at hand, so the map is a hand-made tile grid:
one tile per province, placed by the position of its centre (north at the top, the S-shape of the country
kept), not by its shape or size. Hoàng Sa and Trường Sa are drawn as labels beside their cities.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from dvc_contracts import units

Metric = Literal["overdue_share", "online_share", "dossiers_per_1000"]

# (code, column, row): 6 columns, 17 rows
TILES: Final[tuple[tuple[str, int, int], ...]] = (
    ("12", 1, 0), ("15", 2, 0), ("08", 3, 0), ("04", 4, 0),
    ("11", 0, 1), ("14", 1, 1), ("25", 2, 1), ("19", 3, 1), ("20", 4, 1),
    ("01", 2, 2), ("24", 3, 2), ("22", 4, 2),
    ("37", 2, 3), ("33", 3, 3), ("31", 4, 3),
    ("38", 2, 4),
    ("40", 2, 5),
    ("42", 3, 6),
    ("44", 3, 7),
    ("46", 4, 8),
    ("48", 4, 9),
    ("51", 5, 10),
    ("52", 5, 11),
    ("66", 5, 12),
    ("68", 4, 13), ("56", 5, 13),
    ("80", 2, 14), ("79", 3, 14), ("75", 4, 14),
    ("91", 1, 15), ("82", 2, 15), ("86", 3, 15),
    ("96", 1, 16), ("92", 2, 16),
)  # fmt: skip
ISLANDS: Final[tuple[tuple[str, str, int, int], ...]] = (
    ("Quần đảo Hoàng Sa", "48", 6, 9),  # thành phố Đà Nẵng
    ("Quần đảo Trường Sa", "56", 6, 13),  # tỉnh Khánh Hòa
)
LABELS: Final = {"79": "TP.HCM"}

# metric -> (title, what it is measured on, format)
METRICS: Final[dict[Metric, tuple[str, str, str]]] = {
    "overdue_share": ("Tỉ lệ hồ sơ quá hạn", "trên số hồ sơ đang giải quyết", "pct"),
    "online_share": ("Tỉ lệ hồ sơ nộp trực tuyến", "trên tổng số hồ sơ", "pct"),
    "dossiers_per_1000": (
        "Hồ sơ trên 1.000 dân",
        "chỉ tính ở 23 tỉnh, thành phố hình thành do sắp xếp (quy mô dân số ghi trong Nghị quyết "
        "202/2025/QH15); 11 địa phương giữ nguyên chưa có số dân cùng nguồn",
        "num",
    ),
}
CLASSES: Final = 5


def tiles(rows: list[dict[str, Any]], metric: Metric) -> list[dict[str, Any]]:
    """One tile per current province with the metric's value (None: no figure, or not in the operator's view)."""
    by_code = {r["province_code"]: r for r in rows}
    out = []
    for code, col, row in TILES:
        unit, figures = units.CURRENT_BY_CODE[code], by_code.get(code)
        out.append(
            {
                "code": code,
                "name": unit.name,
                "label": LABELS.get(code, unit.name),
                "col": col,
                "row": row,
                "value": figures.get(metric) if figures else None,
                "dossiers_total": figures["dossiers_total"] if figures else None,
                "population": unit.population,
            }
        )
    return out


def legend(values: list[float | None]) -> list[dict[str, float]]:
    """CLASSES equal steps from the smallest to the largest value (none when there is no value)."""
    known = [v for v in values if v is not None]
    if not known:
        return []
    lo, hi = min(known), max(known)
    step = (hi - lo) / CLASSES
    return [
        {"from": lo + i * step, "to": hi if i == CLASSES - 1 else lo + (i + 1) * step} for i in range(CLASSES)
    ]


def shade(value: float | None, steps: list[dict[str, float]]) -> int | None:
    """The class (0 = lightest) of ``value``."""
    if value is None or not steps:
        return None
    return next((i for i, s in enumerate(steps) if value <= s["to"]), len(steps) - 1)
