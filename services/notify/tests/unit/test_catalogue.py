"""The integrators' view of the templates: fields, previews (what the consumer would create), cost."""

from __future__ import annotations

import pytest

from dvc_contracts import clock
from dvc_notify.domain.catalogue import (
    PersonalisationProblems,
    SmsCost,
    TemplateField,
    fields,
    known_fields,
    preview,
)
from dvc_notify.domain.templates import TEMPLATES, UnknownTemplate, render
from dvc_notify.service.intake import SmsRequest, _draft

STATUS = TEMPLATES["dossier-status-changed"]


def test_fields_are_the_body_placeholders_then_those_a_choice_needs() -> None:
    got = fields(STATUS)
    assert [(f.name, f.required) for f in got] == [
        ("dossier_code", True),
        ("status", True),
        ("to_agency", False),
    ]
    assert got[1].choices is not None and got[1].choices["rejected"] == "bị từ chối"
    assert got[2] == TemplateField("to_agency", "text", False, None, {"status": ("forwarded",)})
    assert [(f.name, f.kind) for f in fields(TEMPLATES["fee-paid"])] == [
        ("amount", "money"), ("dossier_code", "text"), ("paid_at", "datetime"),
    ]  # fmt: skip


def test_every_template_is_described_and_previewable_from_its_fields() -> None:
    samples = {"text": "ABC", "money": 135000, "date": "2026-03-02", "datetime": "2026-03-02T09:15:00+07:00"}
    for template in TEMPLATES.values():
        values: dict[str, object] = {}
        for f in fields(template):
            values[f.name] = next(iter(f.choices)) if f.choices else samples[f.kind]
        assert known_fields(template) == set(values)
        assert preview(template.id, values).estimate.segments >= 1


@pytest.mark.parametrize("force", [False, True])
def test_a_preview_is_what_the_consumer_would_create_for_an_sms_requested(force: bool) -> None:
    values = {"dossier_code": "01-260302-ABC123", "amount": 1250000}
    shown = preview("fee-refunded", values, strip_diacritics=force)
    req = SmsRequest(
        "svc:r1", "fee-refunded", "0912345678", values, None, "svc", "request", True if force else None
    )
    created = _draft(req, clock.now()).values
    assert (created["text"], created["encoding"], created["segments"]) == (
        shown.text, shown.estimate.encoding, shown.estimate.segments,
    )  # fmt: skip
    assert shown.estimate.encoding == ("GSM-7" if force else "UCS-2")


def test_every_problem_of_a_personalisation_is_reported_at_once() -> None:
    with pytest.raises(PersonalisationProblems) as caught:
        preview("dossier-status-changed", {"status": "lost", "dosier_code": "X"})
    assert (caught.value.code, caught.value.missing, caught.value.unknown) == (
        "missing_personalisation", ["dossier_code"], ["dosier_code"],
    )  # fmt: skip
    assert list(caught.value.invalid) == ["status"]
    with pytest.raises(PersonalisationProblems) as forwarded:
        preview("dossier-status-changed", {"status": "forwarded", "dossier_code": "X"})
    assert forwarded.value.missing == ["to_agency"]
    with pytest.raises(PersonalisationProblems) as money:
        preview("fee-refunded", {"dossier_code": "X", "amount": "12,5"})
    assert (money.value.code, list(money.value.invalid)) == ("invalid_personalisation", ["amount"])
    with pytest.raises(PersonalisationProblems) as huge:  # not a 5001-digit number to format
        preview("fee-refunded", {"dossier_code": "X", "amount": "1e5000"})
    assert huge.value.invalid == {"amount": "amount out of range"}
    with pytest.raises(PersonalisationProblems) as extra:
        preview("plate-issued", {"dossier_code": "X", "plate": "30A-123.45", "name": "An"})
    assert (extra.value.code, extra.value.unknown) == ("unknown_personalisation", ["name"])
    with pytest.raises(UnknownTemplate):
        preview("khong-co", {})


def test_an_extra_key_is_refused_by_the_preview_but_ignored_by_render() -> None:
    values = {"dossier_code": "X", "plate": "30A-123.45"}
    assert render("plate-issued", values | {"x": 1}).text == preview("plate-issued", values).text


def test_cost_is_segments_times_the_price_of_one() -> None:
    assert SmsCost(3, 800).total_vnd == 2400 and SmsCost(0, 800).total_vnd == 0
