"""`make docs`: OpenAPI (FastAPI) and AsyncAPI 3.0 (FastStream) documents for every service."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from faststream.specification import AsyncAPI

SERVICES = ("catalog", "dossier", "payment", "feedback", "notify", "reporting")
OUT = Path("docs/generated")


def main() -> None:
    for name in SERVICES:
        module = importlib.import_module(f"dvc_{name}.entrypoints.app")
        runtime = module.create_runtime()
        runtime.finalize()
        app = module.create_app()
        target = OUT / name
        target.mkdir(parents=True, exist_ok=True)
        (target / "openapi.json").write_text(json.dumps(app.openapi(), ensure_ascii=False, indent=2) + "\n")
        spec = AsyncAPI(runtime.broker, title=f"Cổng DVC — {name}", version="0.1.0", schema_version="3.0.0")
        (target / "asyncapi.json").write_text(spec.to_specification().to_json() + "\n")
        print(f"{name}: {target}/openapi.json, {target}/asyncapi.json")
    print("event payload schemas: contracts/schemas/*.json")


if __name__ == "__main__":
    main()
