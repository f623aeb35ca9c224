"""The exported JSON Schemas are a reviewed snapshot: any change to a model shows up here first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dvc_contracts import schema
from dvc_contracts.events import EVENT_MODELS


def test_committed_schemas_match_the_models() -> None:
    problems = schema.diff()
    if problems:
        pytest.fail(
            "The event contracts changed without a reviewed schema update:\n  "
            + "\n  ".join(problems)
            + "\nReview the change (within v1 only additive, optional fields; breaking = new …V2 model and topic),"
            " then run `make schemas` (python -m dvc_contracts.schema --write) and commit contracts/schemas/.",
            pytrace=False,
        )


def test_one_schema_per_event_plus_envelope() -> None:
    names = set(schema.render())
    assert names == {f"{t}.v1.json" for t in EVENT_MODELS} | {"cloudevent.json"}
    assert schema.SCHEMAS_DIR == Path(schema.__file__).resolve().parents[2] / "schemas"
    assert schema.SCHEMAS_DIR.parent.name == "contracts"


def test_file_format() -> None:
    for name, text in schema.render().items():
        assert text.endswith("}\n") and not text.endswith("\n\n"), name
        doc = json.loads(text)
        assert text == json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        assert doc["$id"] == name
        assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    fine = json.loads(schema.render()["fine-issued.v1.json"])
    assert fine["x-cloudevents-type"] == "fine-issued"
    assert fine["properties"]["record_no"]["description"] == "biên bản number"  # not \\u-escaped in the file


def test_check_and_write_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "schemas"
    assert schema.main(["--check", "--dir", str(target)]) == 1
    err = capsys.readouterr().err
    assert "missing:" in err and "fee-paid.v1.json" in err and "make schemas" in err

    assert schema.main(["--write", "--dir", str(target)]) == 0
    assert schema.main(["--check", "--dir", str(target)]) == 0
    capsys.readouterr()

    (target / "fee-paid.v1.json").write_text("{}\n", encoding="utf-8")
    (target / "sms-sent.v1.json").unlink()
    (target / "old-event.v1.json").write_text("{}\n", encoding="utf-8")
    assert schema.main(["--check", "--dir", str(target)]) == 1
    err = capsys.readouterr().err
    assert f"changed: {target / 'fee-paid.v1.json'}" in err
    assert f"missing: {target / 'sms-sent.v1.json'}" in err
    assert f"extra: {target / 'old-event.v1.json'}" in err

    assert schema.main(["--write", "--dir", str(target)]) == 0
    out = capsys.readouterr().out
    assert "removed" in out and "old-event.v1.json" in out
    assert schema.diff(target) == []


def test_cli_needs_a_mode() -> None:
    with pytest.raises(SystemExit) as info:
        schema.main([])
    assert info.value.code == 2
