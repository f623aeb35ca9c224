"""The 34 provinces of today and the 63 of before 1 July 2025, on the real broker and PostgreSQL: dossiers of
2024 with former codes land in today's provinces, the 63 are shown on request with the same totals, an old code
in a filter is answered with the province it now belongs to, and the map colours the 34."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dvc_contracts import units
from dvckit.testing import eventually

from ..conftest import Emitter, Events
from .conftest import Reporting

pytestmark = pytest.mark.integration

MARCH_2024 = {"date_from": "2024-03-01", "date_to": "2024-03-31"}
FILED = (("27", 2), ("24", 1), ("30", 1), ("02", 1))  # Bắc Ninh (cũ), Bắc Giang, Hải Dương, Hà Giang


async def items(
    rep: Reporting, token: str, path: str = "/api/provinces", **params: Any
) -> list[dict[str, Any]]:
    r = await rep.get(path, token, **params)
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = r.json()["items"]
    return rows


async def test_2024_dossiers_in_todays_provinces_and_in_the_63(
    reporting: Reporting, emitter: Emitter, events: Events, make_token: Callable[..., str]
) -> None:
    national, e = make_token("operator"), events
    proc = f"P-{e.run}"
    await emitter.send(e.procedure(proc))
    n = 0
    for code, count in FILED:
        for _ in range(count):
            n += 1
            at = datetime(2024, 3, 4, 2, 0, tzinfo=UTC) + timedelta(days=n)
            await emitter.send(
                e.submitted(e.code(f"U{n}"), code, proc, at=at, due=at.date() + timedelta(days=5))
            )
    await emitter.flush()

    async def arrived() -> bool:
        r = await reporting.get("/api/summary", national, **MARCH_2024)
        return r.status_code == 200 and r.json()["dossiers_total"] >= n

    await eventually(arrived, timeout=60)
    today = {r["province_code"]: r["dossiers_total"] for r in await items(reporting, national, **MARCH_2024)}
    before = await items(reporting, national, units="2024", **MARCH_2024)
    assert len(today) == 34 and {k: v for k, v in today.items() if v} == {"24": 3, "31": 1, "08": 1}
    assert {r["province_code"]: r["dossiers_total"] for r in before if r["dossiers_total"]} == {
        "27": 2, "24": 1, "30": 1, "02": 1,
    }  # fmt: skip
    by_code = {r["province_code"]: r for r in before}
    assert (by_code["27"]["province_name"], by_code["27"]["now_name"]) == ("Bắc Ninh", "Bắc Ninh")
    assert (by_code["24"]["province_name"], by_code["24"]["now_name"]) == ("Bắc Giang", "Bắc Ninh")
    one = await items(reporting, national, units="2024", province="27", **MARCH_2024)
    assert [(r["province_code"], r["dossiers_total"]) for r in one] == [("27", 2)]

    # Whatever else the session's broker holds, both views add up to the same national totals. Reporting may
    # still be reading earlier tests' events (a status change moves a dossier out of "overdue" between the two
    # reads), so the two views are read again until they are of one moment: then every figure must agree.
    figures = ("dossiers_total", "dossiers_overdue", "payments_total_vnd", "feedback_received")
    whole: dict[str, list[dict[str, Any]]] = {}

    async def one_moment() -> bool:  # 2025 read before and after the 2024 one, and nothing moved between
        whole["2025"] = await items(reporting, national, units="2025")
        whole["2024"] = await items(reporting, national, units="2024")
        after = await items(reporting, national, units="2025")
        return all(sum(r[f] for r in whole["2025"]) == sum(r[f] for r in after) for f in figures)

    await eventually(one_moment, timeout=60)
    for figure in figures:
        assert sum(r[figure] for r in whole["2025"]) == sum(r[figure] for r in whole["2024"]), figure
    assert len(whole["2025"]) == 34 and {r["province_code"] for r in whole["2024"]} - {""} == set(
        units.FORMER_CODES
    )


async def test_an_old_code_in_a_filter_names_its_province_of_today(
    reporting: Reporting, make_token: Callable[..., str]
) -> None:
    national = make_token("operator")
    r = await reporting.get("/api/summary", national, province="27")
    assert r.status_code == 422
    problem = r.json()
    assert (problem["code"], problem["current_code"]) == ("former_province", "24")
    assert problem["detail"] == (
        "Mã 27 (tỉnh Bắc Ninh cũ) không còn dùng từ ngày 01/07/2025: địa bàn này nay thuộc tỉnh Bắc Ninh, mã 24."
    )
    assert (await reporting.get("/api/summary", national, province="24")).status_code == 200
    assert (await reporting.get("/api/summary", national, province="27", units="2024")).status_code == 200
    # an operator whose token still names a former province sees the province it is part of today
    old_token = make_token("operator", sub="op-27", province="27")
    assert [r["province_code"] for r in await items(reporting, old_token)] == ["24"]
    former = await items(reporting, old_token, units="2024")
    assert {r["province_code"] for r in former} <= {"24", "27", ""}
    assert (await reporting.get("/api/summary", old_token, province="02", units="2024")).status_code == 403
    ref = (await reporting.get("/api/reference", old_token)).json()
    assert [p["code"] for p in ref["provinces"]] == ["24"]
    assert [p["code"] for p in ref["former_provinces"]] == ["24", "27"]


async def test_the_map_colours_the_34_provinces(reporting: Reporting, make_token: Callable[..., str]) -> None:
    national = make_token("operator")
    r = await reporting.get("/api/map", national, metric="dossiers_per_1000", province="79")
    assert r.status_code == 200, r.text
    m = r.json()
    assert len(m["tiles"]) == 34 and m["selected"] == "79" and m["title"] == "Hồ sơ trên 1.000 dân"
    tiles = {t["code"]: t for t in m["tiles"]}
    assert tiles["01"]["value"] is None, "Hà Nội: no population in the resolution, no per-1,000 figure"
    assert tiles["79"]["label"] == "TP.HCM" and tiles["79"]["population"] == 14_002_598
    assert len({(t["col"], t["row"]) for t in m["tiles"]}) == 34
    assert [i["name"] for i in m["islands"]] == ["Quần đảo Hoàng Sa", "Quần đảo Trường Sa"]
    known = [t for t in m["tiles"] if t["value"] is not None]
    if known:  # the shades follow the legend's steps
        assert m["legend"] and all(0 <= t["class"] < 5 for t in known)
    bad = await reporting.get("/api/map", national, metric="population")
    assert bad.status_code == 422
