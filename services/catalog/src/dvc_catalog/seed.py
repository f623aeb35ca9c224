"""Seed the catalog: ``python -m dvc_catalog.seed [--generate N]``.

Creates and publishes each seed procedure that has no published version yet (idempotent). The
procedure-published events go out through the outbox, relayed by the running catalog service.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Iterable
from typing import Any

from rich.progress import Progress

from dvc_catalog.adapters.orm import messaging
from dvc_catalog.config import Settings
from dvc_catalog.domain.generator import generate_catalog
from dvc_catalog.domain.reference import AGENCY_BY_CODE
from dvc_catalog.domain.seed_procedures import SEED_PROCEDURES
from dvc_catalog.service import handlers
from dvc_catalog.service.uow import CatalogUnitOfWork
from dvckit.db import make_engine, make_sessionmaker

_KEYS = (
    "code", "name", "sector", "agency_code", "level", "service_level", "fee", "processing_days",
    "required_documents", "required_fields", "allowed_agency_codes", "chained_flow", "social_saving_vnd",
    "provinces", "description", "assurance_level",
)  # fmt: skip


def to_fields(item: dict[str, Any]) -> dict[str, Any]:
    fields = {k: item.get(k) for k in _KEYS}
    fields["assurance_level"] = fields["assurance_level"] or 1
    for k in ("required_documents", "required_fields", "allowed_agency_codes", "provinces"):
        fields[k] = list(fields[k] or [])
    agency = AGENCY_BY_CODE.get(item["agency_code"])
    fields["agency_name"] = item.get("agency_name") or (agency.name if agency else item["agency_code"])
    return fields


async def seed(items: Iterable[dict[str, Any]], settings: Settings, total: int) -> tuple[int, int]:
    engine = make_engine(settings.effective_database_url())
    sessionmaker = make_sessionmaker(engine)
    created = skipped = 0
    with Progress() as progress:
        task = progress.add_task("Seeding procedures", total=total)
        for item in items:
            async with CatalogUnitOfWork(sessionmaker, messaging, service="catalog") as uow:
                if await uow.procedures.latest(item["code"], "published") is None:
                    await handlers.create_draft(uow, to_fields(item))
                    await handlers.publish(uow, item["code"])
                    await uow.commit()
                    created += 1
                else:
                    skipped += 1
            progress.advance(task)
    await engine.dispose()
    return created, skipped


def main() -> None:
    parser = argparse.ArgumentParser(description="Seed the Cổng DVC catalog")
    parser.add_argument(
        "--generate", type=int, default=0, help="also generate a realistic catalog of N procedures"
    )
    args = parser.parse_args()
    items: list[dict[str, Any]] = list(SEED_PROCEDURES)
    if args.generate:
        seen = {p["code"] for p in items}
        items += [p for p in generate_catalog(args.generate) if p["code"] not in seen]
    started = time.perf_counter()
    created, skipped = asyncio.run(seed(items, Settings(), len(items)))
    elapsed = time.perf_counter() - started
    print(f"catalog seed: {created} published, {skipped} already published, {elapsed:.1f} s")


if __name__ == "__main__":
    main()
