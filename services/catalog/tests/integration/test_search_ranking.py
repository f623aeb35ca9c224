"""Catalog search ranked by relevance and paged in the database: on PostgreSQL the best match comes first (not
the smallest code), with or without diacritics; following ``next`` walks every match once, in the same order as
one big page; SQLite (``make run``'s default) finds the same procedures, in a simpler order."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from dvc_catalog.config import Settings
from dvc_catalog.domain.generator import generate_catalog
from dvc_catalog.entrypoints.app import create_app
from dvc_catalog.seed import seed
from dvckit import migrate
from dvckit.settings import AuthSettings, KafkaSettings
from dvckit.testing import PostgresServer, migrated_database, running_app
from dvckit.text import fold

pytestmark = pytest.mark.integration
CATALOG = list(generate_catalog(800))  # the 30 seed procedures, then synthetic ones (several about driving)
QUERIES = ("giay phep lai xe", "cấp lại giấy phép", "bằng lái", "lai xe giay phep", "dang ky", "ho tich")


def settings(url: str, kafka_bootstrap: str, jwks: Path) -> Settings:
    return Settings(
        database_url=url,
        relay_idle_seconds=0.05,
        kafka=KafkaSettings(bootstrap=kafka_bootstrap, session_timeout_ms=1000),
        auth=AuthSettings(jwks_file=str(jwks), jwks_url=None),
    )


async def page(http: httpx.AsyncClient, url: str, **params: Any) -> dict[str, Any]:
    r = await http.get(url, params=params) if params else await http.get(url)  # params={} drops url's query
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def walk(http: httpx.AsyncClient, q: str, limit: int) -> tuple[list[str], int]:
    body = await page(http, "/v1/procedures", q=q, limit=limit)
    codes, total = [p["code"] for p in body["items"]], body["total"]
    while body["next"]:
        assert body["total"] == total
        body = await page(http, body["next"])
        codes += [p["code"] for p in body["items"]]
    return codes, total


def title(item: dict[str, Any]) -> str:
    return fold(item["name"])


async def test_best_match_first_and_stable_pages_on_postgres(
    pg: PostgresServer, kafka_bootstrap: str, dev_keys: tuple[Any, Path], tmp_path: Path
) -> None:
    pg_settings = settings(await migrated_database(pg, "dvc_catalog"), kafka_bootstrap, dev_keys[1])
    await seed(CATALOG, pg_settings, len(CATALOG))
    async with running_app(create_app(pg_settings)) as http:
        plain = (await page(http, "/v1/procedures", q="giay phep lai xe", limit=200))["items"]
        accented = (await page(http, "/v1/procedures", q="Giấy phép lái xe", limit=200))["items"]
        assert plain == accented, "with and without diacritics: the same procedures in the same order"
        holding = [i for i, p in enumerate(plain) if "giay phep lai xe" in title(p)]
        assert len(holding) >= 3 and holding == list(range(len(holding))), "titles holding the phrase first"
        assert len(plain) > len(holding), "then procedures holding the words apart"
        codes = [p["code"] for p in plain]
        assert codes != sorted(codes), "ranked, not ordered by code"
        assert "Cấp giấy phép đào tạo lái xe ô tô" in [p["name"] for p in plain[len(holding) :]]

        # no title holds "lai xe giay phep" as typed: full-text rank puts the titles with all four words first
        swapped = (await page(http, "/v1/procedures", q="lai xe giay phep", limit=200))["items"]
        with_all = [
            i
            for i, p in enumerate(swapped)
            if all(w in title(p).split() for w in ("lai", "xe", "giay", "phep"))
        ]
        assert with_all and with_all == list(range(len(with_all))), [p["name"] for p in swapped]
        assert len(swapped) > len(with_all)

        # paging in the database: next links walk every match once, in the order of one big page
        for q in QUERIES:
            whole = [p["code"] for p in (await page(http, "/procedures", q=q, limit=200))["items"]]
            walked, total = await walk(http, q, limit=3)
            assert walked == whole and total == len(whole) and len(set(walked)) == len(walked), q
        everything = await page(http, "/procedures", limit=200)
        assert (
            everything["total"] == len(CATALOG) and everything["next"] == "/procedures?limit=200&offset=200"
        )
        codes = [p["code"] for p in everything["items"]]
        while everything["next"]:
            everything = await page(http, everything["next"])
            codes += [p["code"] for p in everything["items"]]
        assert codes == sorted(p["code"] for p in CATALOG), "without a query: every procedure once, by code"
        hcm = await page(http, "/procedures", province="79", q="cap", limit=5)
        assert hcm["next"] and all(not p["provinces"] or "79" in p["provinces"] for p in hcm["items"])
        expected = {
            p["code"]
            for p in CATALOG
            if (not p["provinces"] or "79" in p["provinces"])
            and "cap" in fold(f"{p['code']} {p['name']} {p.get('description') or ''}").split()
        }
        assert hcm["total"] == len(expected), "the province filter counts in the database too"

        pg_sets = {q: sorted((await walk(http, q, limit=200))[0]) for q in QUERIES}

    # SQLite finds the same procedures for the same queries
    sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'catalog.db'}"
    await asyncio.to_thread(migrate.upgrade, "dvc_catalog", sqlite_url)
    lite = settings(sqlite_url, kafka_bootstrap, dev_keys[1])
    await seed(CATALOG, lite, len(CATALOG))
    async with running_app(create_app(lite)) as http:
        for q, codes in pg_sets.items():
            assert sorted((await walk(http, q, limit=200))[0]) == codes, q
        first = (await page(http, "/procedures", q="giay phep lai xe"))["items"][0]
        assert "giay phep lai xe" in title(first), "a title holding the whole query first there too"
