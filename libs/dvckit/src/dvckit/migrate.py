"""Alembic wiring shared by every service: one env.py here, one version history per service.

    python -m dvckit.migrate dvc_catalog                       # upgrade to head (what `make run` does)
    python -m dvckit.migrate dvc_catalog current               # the revision the database is at
    python -m dvckit.migrate dvc_catalog history               # every revision, newest first, head marked
    python -m dvckit.migrate dvc_catalog upgrade [REV]         # to REV (default head), or +1
    python -m dvckit.migrate dvc_catalog downgrade REV         # to REV, or -1, or base (asks nothing: be sure)
    python -m dvckit.migrate dvc_catalog revision -m "msg"     # autogenerate a revision

``--url`` points any of them at another database than the service's settings name (``<SERVICE>_DATABASE_URL``).

A service provides ``<pkg>.config.Settings`` and ``<pkg>.adapters.orm.metadata``; its revisions live in
``services/<name>/migrations/versions``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine


def service_parts(package: str) -> tuple[Any, MetaData, Path]:
    settings = importlib.import_module(f"{package}.config").Settings()
    metadata = importlib.import_module(f"{package}.adapters.orm").metadata
    pkg_file = importlib.import_module(package).__file__
    assert pkg_file is not None
    versions = Path(pkg_file).resolve().parents[2] / "migrations" / "versions"
    return settings, metadata, versions


def alembic_config(package: str, url: str | None = None) -> Config:
    settings, metadata, versions = service_parts(package)
    url = url or settings.effective_database_url()
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    cfg = Config()
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    cfg.set_main_option("version_locations", str(versions))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["target_metadata"] = metadata
    return cfg


def upgrade(package: str, url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(package, url), revision)


def current(package: str, url: str | None = None) -> str | None:
    """The revision the database is at (None: never migrated)."""
    return asyncio.run(_current(alembic_config(package, url).get_main_option("sqlalchemy.url") or ""))


async def _current(url: str) -> str | None:
    engine = create_async_engine(url.replace("%%", "%"))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()


def history(package: str) -> list[str]:
    """One line per revision, newest first: ``<rev> <- <down_rev>  <message>``, the head marked."""
    script = ScriptDirectory.from_config(alembic_config(package))
    heads = set(script.get_heads())
    return [
        f"{rev.revision} <- {rev.down_revision or 'base'}  {rev.doc}{'  (head)' if rev.revision in heads else ''}"
        for rev in script.walk_revisions()
    ]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m dvckit.migrate", description="A service's database migrations"
    )
    p.add_argument("package", help="the service's package, e.g. dvc_dossier")
    p.add_argument("--url", help="database URL (default: the service's settings)")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("current", help="the revision the database is at")
    sub.add_parser("history", help="every revision, newest first")
    up = sub.add_parser("upgrade", help="upgrade to a revision (default head)")
    up.add_argument("revision", nargs="?", default="head")
    down = sub.add_parser("downgrade", help="downgrade to a revision, -1 or base")
    down.add_argument("revision")
    rev = sub.add_parser("revision", help="autogenerate a revision from the models")
    rev.add_argument("-m", "--message", default="revision")
    return p


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    package, url = args.package, args.url
    if args.command in (None, "upgrade"):
        target = getattr(args, "revision", "head")
        upgrade(package, url, target)
        print(f"{package}: database at {'head' if target == 'head' else current(package, url)}")
    elif args.command == "current":
        print(f"{package}: {current(package, url) or 'not migrated (base)'}")
    elif args.command == "history":
        print("\n".join(history(package)))
    elif args.command == "downgrade":
        command.downgrade(alembic_config(package, url), args.revision)
        print(f"{package}: database at {current(package, url) or 'base'}")
    else:
        command.revision(alembic_config(package, url), message=args.message, autogenerate=True)


if __name__ == "__main__":
    main()
