"""Migration c3e8a1f05d92: the offered-in lists move to today's provinces (two former units that became one are
listed once), on the catalog's embedded database (SQLite)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_catalog.adapters.orm import procedures
from dvckit.migrate import alembic_config


async def test_offered_in_lists_move_to_todays_provinces(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/catalog.db"
    cfg = alembic_config("dvc_catalog", url)
    await asyncio.to_thread(command.upgrade, cfg, "f7b214c1d4f5")
    base = {
        "status": "published", "name": "Thủ tục thử", "sector": "TU-PHAP", "agency_code": "SO-TP",
        "agency_name": "Sở Tư pháp", "level": "province", "service_level": 4, "fee": {"kind": "free"},
        "processing_days": 3, "required_documents": [], "required_fields": [], "allowed_agency_codes": [],
        "search_text": "thu tuc thu",
    }  # fmt: skip
    lists = {"A": ["02", "08", "27"], "B": ["79"], "C": [], "D": ["74", "77", "30"]}
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(procedures), [base | {"code": c, "version": 1, "provinces": v}
                                                    for c, v in lists.items()])  # fmt: skip
        await asyncio.to_thread(command.upgrade, cfg, "head")
        async with engine.connect() as conn:
            got = dict((await conn.execute(select(procedures.c.code, procedures.c.provinces))).all())
    finally:
        await engine.dispose()
    assert got == {"A": ["08", "24"], "B": ["79"], "C": [], "D": ["79", "31"]}
