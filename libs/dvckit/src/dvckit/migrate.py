"""Alembic wiring shared by every service: one env.py here, one version history per service.

    python -m dvckit.migrate dvc_catalog                       # upgrade head
    python -m dvckit.migrate dvc_catalog revision -m "msg"     # autogenerate a revision

A service provides ``<pkg>.config.Settings`` and ``<pkg>.adapters.orm.metadata``; its revisions live in
``services/<name>/migrations/versions``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData


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


def upgrade(package: str, url: str | None = None) -> None:
    command.upgrade(alembic_config(package, url), "head")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        raise SystemExit("usage: python -m dvckit.migrate <package> [upgrade|revision -m MSG]")
    package, rest = args[0], args[1:]
    if not rest or rest[0] == "upgrade":
        upgrade(package)
        print(f"{package}: database at head")
    elif rest[0] == "revision":
        message = rest[rest.index("-m") + 1] if "-m" in rest else "revision"
        command.revision(alembic_config(package), message=message, autogenerate=True)
    else:
        raise SystemExit(f"unknown command {rest[0]!r}")


if __name__ == "__main__":
    main()
