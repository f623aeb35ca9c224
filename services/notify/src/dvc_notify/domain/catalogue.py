"""The templates as integrators see them (pure, no I/O): the fields each one needs, a preview that is exactly
what the sender would send, and what it would cost.

The one source is :mod:`dvc_notify.domain.templates` (ids, bodies, kinds, choices, the không dấu policy);
:func:`preview` renders with the same :func:`~dvc_notify.domain.templates.render` call the consumer makes for
an ``sms-requested`` (``strip_diacritics=True`` forces không dấu, otherwise the template's policy), so a
preview's text, encoding and segments are those of the message that would be created.

Integrators get stricter checks than events: a personalisation key the template does not know is refused
(a misspelt ``dosier_code`` would otherwise be ignored while ``dossier_code`` is reported missing), and every
problem is reported at once (:class:`PersonalisationProblems`).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from dvc_notify.domain.templates import (
    TEMPLATES,
    FieldKind,
    InvalidPersonalisation,
    MissingPersonalisation,
    RenderedSms,
    Template,
    UnknownTemplate,
    render,
)

_FORMATTER = string.Formatter()


def _names(text: str) -> list[str]:
    return [name for _, name, _, _ in _FORMATTER.parse(text) if name]


@dataclass(frozen=True, slots=True)
class TemplateField:
    """A placeholder an integrator fills. ``required_when`` (choice placeholder → values) marks a field that
    only a choice's wording uses (``to_agency`` when ``status`` is ``forwarded``)."""

    name: str
    kind: FieldKind
    required: bool
    choices: Mapping[str, str] | None = None  # value → the Vietnamese wording it selects
    required_when: Mapping[str, tuple[str, ...]] | None = None


def fields(template: Template) -> list[TemplateField]:
    """The body's placeholders in order (required), then those only choice wordings use (conditional)."""
    out = [
        TemplateField(name, template.kinds.get(name, "text"), True, template.choices.get(name))
        for name in template.placeholders
    ]
    conditional: dict[str, dict[str, list[str]]] = {}
    for choice, options in template.choices.items():
        for value, wording in options.items():
            for name in _names(wording):
                if name not in template.placeholders:
                    conditional.setdefault(name, {}).setdefault(choice, []).append(value)
    out += [
        TemplateField(
            name, template.kinds.get(name, "text"), False, None, {c: tuple(v) for c, v in when.items()}
        )
        for name, when in conditional.items()
    ]
    return out


def known_fields(template: Template) -> frozenset[str]:
    return frozenset(f.name for f in fields(template))


def get_template(template_id: str, templates: Mapping[str, Template] | None = None) -> Template:
    template = (TEMPLATES if templates is None else templates).get(template_id)
    if template is None:
        raise UnknownTemplate(template_id)
    return template


@dataclass(frozen=True, slots=True)
class SmsCost:
    """What a message costs: segments × the price of one segment, in whole đồng."""

    segments: int
    price_per_segment_vnd: int

    @property
    def total_vnd(self) -> int:
        return self.segments * self.price_per_segment_vnd


class PersonalisationProblems(ValueError):
    """Everything wrong with a personalisation, at once (names sorted; ``invalid``: name → reason)."""

    def __init__(self, missing: list[str], unknown: list[str], invalid: Mapping[str, str]) -> None:
        self.missing, self.unknown, self.invalid = (
            sorted(missing),
            sorted(unknown),
            dict(sorted(invalid.items())),
        )
        super().__init__(f"missing {self.missing}, unknown {self.unknown}, invalid {self.invalid}")

    @property
    def code(self) -> str:
        if self.missing:
            return "missing_personalisation"
        return "unknown_personalisation" if self.unknown else "invalid_personalisation"


def preview(
    template_id: str,
    personalisation: Mapping[str, object],
    *,
    strip_diacritics: bool = False,
    templates: Mapping[str, Template] | None = None,
) -> RenderedSms:
    """The SMS an ``sms-requested`` (or the send API) with these values would create.

    Raises :class:`UnknownTemplate` or :class:`PersonalisationProblems`."""
    template = get_template(template_id, templates)
    registry = {template.id: template}
    unknown = sorted(set(personalisation) - known_fields(template))
    missing: list[str] = []
    invalid: dict[str, str] = {}
    values = dict(personalisation)
    for _ in range(len(known_fields(template)) + 1):  # each pass removes one bad value: all problems at once
        try:
            rendered = render(
                template_id, values, strip_diacritics=True if strip_diacritics else None, templates=registry
            )
        except MissingPersonalisation as exc:
            missing = [name for name in exc.names if name not in invalid]
            break
        except InvalidPersonalisation as exc:
            invalid[exc.name] = exc.reason
            values.pop(exc.name, None)
            continue
        if unknown or invalid:
            break
        return rendered
    raise PersonalisationProblems(missing, unknown, invalid)
