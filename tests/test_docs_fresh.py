"""The READMEs' generated sections and the root diagram say what the code does (issue 16): `make docs` wrote
them from the services' runtimes and apps; this fails, naming the files, when a route or an event changed
without them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gen_docs.py"


def _gen_docs() -> Any:
    spec = importlib.util.spec_from_file_location("gen_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_generated_docs_are_fresh() -> None:
    gen = _gen_docs()
    files, services = gen.expected()
    stale = [str(p.relative_to(gen.ROOT)) for p, text in files.items() if p.read_text() != text]
    assert not stale, f"generated docs are stale: run `make docs` and commit {stale}"
    for svc in services:  # the documents make docs publishes build, and describe the versioned paths
        assert any(path.startswith("/v1/") for path in svc.openapi["paths"]), svc.name
        assert svc.publishes or svc.consumes, svc.name
