"""Export the JSON Schema of every event payload and of the CloudEvent envelope.

    python -m dvc_contracts.schema --write   # (re)write contracts/schemas/, after reviewing the change
    python -m dvc_contracts.schema --check   # exit 1 and list every file that differs, is missing or is extra

contracts/schemas/ is committed; the snapshot test (and ``--check``) fails on any unreviewed change.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from dvc_contracts.envelope import CloudEvent
from dvc_contracts.events import EVENT_MODELS, EVENT_VERSION

# contracts/src/dvc_contracts/schema.py -> contracts/schemas
SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_FILE = "cloudevent.json"


def schema_filename(event_type: str, version: str = EVENT_VERSION) -> str:
    return f"{event_type}.{version}.json"


def _document(model: type[BaseModel], file_id: str, extra: dict[str, Any]) -> str:
    doc = {"$schema": JSON_SCHEMA_DIALECT, "$id": file_id, **extra, **model.model_json_schema()}
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def render() -> dict[str, str]:
    """File name -> exact file content, for every event schema and the envelope."""
    files: dict[str, str] = {}
    for event_type, model in sorted(EVENT_MODELS.items()):
        name = schema_filename(event_type)
        files[name] = _document(
            model,
            name,
            {"x-cloudevents-type": event_type, "x-kafka-topic": event_type, "x-version": EVENT_VERSION},
        )
    files[ENVELOPE_FILE] = _document(CloudEvent, ENVELOPE_FILE, {"x-cloudevents-specversion": "1.0"})
    return files


def diff(directory: Path = SCHEMAS_DIR) -> list[str]:
    """Human-readable differences between the rendered schemas and ``directory``; empty when identical."""
    expected = render()
    present = {p.name for p in directory.glob("*.json")} if directory.is_dir() else set()
    problems: list[str] = []
    for name, content in expected.items():
        path = directory / name
        if name not in present:
            problems.append(f"missing: {path}")
        elif path.read_text(encoding="utf-8") != content:
            problems.append(f"changed: {path}")
    problems.extend(f"extra: {directory / name}" for name in sorted(present - expected.keys()))
    return problems


def write(directory: Path = SCHEMAS_DIR) -> list[str]:
    """Write every schema to ``directory`` and remove stale ``*.json`` files. Returns what was done."""
    directory.mkdir(parents=True, exist_ok=True)
    expected = render()
    touched: list[str] = []
    for name, content in expected.items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            touched.append(f"wrote {path}")
    for stale in sorted(directory.glob("*.json")):
        if stale.name not in expected:
            stale.unlink()
            touched.append(f"removed {stale}")
    return touched


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dvc_contracts.schema", description=__doc__.splitlines()[0]
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write the schemas (after reviewing the change)")
    mode.add_argument("--check", action="store_true", help="exit 1 if the committed schemas differ")
    parser.add_argument(
        "--dir", type=Path, default=SCHEMAS_DIR, help=f"schemas directory (default {SCHEMAS_DIR})"
    )
    args = parser.parse_args(argv)

    if args.write:
        touched = write(args.dir)
        for line in touched:
            print(line)
        print(f"{len(render())} schemas in {args.dir}, {len(touched)} changed")
        return 0

    problems = diff(args.dir)
    if problems:
        print("JSON Schemas differ from the committed snapshot:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        print(
            "Review the contract change, then run `make schemas` and commit contracts/schemas/.",
            file=sys.stderr,
        )
        return 1
    print(f"{len(render())} schemas in {args.dir} match the models")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
