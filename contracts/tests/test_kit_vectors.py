"""The starter kits' shared test vectors are what the Python contracts build today, and the portal parses them."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from dvc_contracts.envelope import JSON_CONTENT_TYPE, STRUCTURED_CONTENT_TYPE, from_kafka
from dvc_contracts.events import AgencyStatusReportedV1, parse_data

VECTORS = Path(__file__).resolve().parents[1] / "kits" / "vectors"


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("kit_vectors", VECTORS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_vectors_are_what_the_contracts_build() -> None:
    committed = (VECTORS / "status-reported.json").read_text(encoding="utf-8")
    assert committed == _generator().render(), "stale: run python contracts/kits/vectors/generate.py"  # type: ignore[attr-defined]


def test_every_vector_parses_in_both_modes_to_its_input() -> None:
    vectors = json.loads((VECTORS / "status-reported.json").read_text(encoding="utf-8"))["vectors"]
    assert len(vectors) >= 3
    for v in vectors:
        for mode, content_type in (("binary", JSON_CONTENT_TYPE), ("structured", STRUCTURED_CONTENT_TYPE)):
            record = v[mode]
            headers = [(k, h.encode()) for k, h in record["headers"]]
            event = from_kafka(headers, record["value"].encode())
            assert dict(record["headers"])["content-type"] == content_type
            assert (event.id, event.source, event.subject) == (
                v["input"]["id"],
                v["input"]["source"],
                v["key"],
            )
            data = parse_data(event)
            assert isinstance(data, AgencyStatusReportedV1)
            assert data.model_dump(mode="json") == v["input"]["data"], (v["name"], mode)
