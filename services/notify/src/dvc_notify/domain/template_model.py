"""What an SMS template is: its placeholders, their kinds and choices, a rendered SMS, and the errors of
templates and personalisation."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from dvc_notify.domain.encoding import SmsEstimate

FieldKind = Literal["text", "money", "date", "datetime"]

FORMATTER: Final = string.Formatter()


class TemplateError(ValueError):
    """Base class for template and personalisation errors."""


class UnknownTemplate(TemplateError, LookupError):
    def __init__(self, template_id: str) -> None:
        self.template_id = template_id
        super().__init__(f"unknown SMS template {template_id!r}")


class MissingPersonalisation(TemplateError):
    """Placeholders without a value; ``names`` is sorted and has no duplicates."""

    def __init__(self, names: list[str]) -> None:
        self.names = sorted(set(names))
        super().__init__(f"missing personalisation: {', '.join(self.names)}")


class InvalidPersonalisation(TemplateError):
    """A value that cannot be shown for its placeholder (bad amount, naive datetime, unknown choice)."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"invalid personalisation {name!r}: {reason}")


def placeholder_names(body: str) -> list[str]:
    names: list[str] = []
    for _literal, name, spec, conversion in FORMATTER.parse(body):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise TemplateError(f"placeholder {{{name}}} must be a plain name without format spec")
        names.append(name)
    return names


@dataclass(frozen=True, slots=True)
class Template:
    """An SMS template. ``kinds`` and ``choices`` are keyed by placeholder name (see the module doc of
    :mod:`dvc_notify.domain.templates`)."""

    id: str
    body: str
    strip_diacritics: bool = False
    kinds: Mapping[str, FieldKind] = field(default_factory=dict)
    choices: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        names = set(placeholder_names(self.body))
        for wording in (w for options in self.choices.values() for w in options.values()):
            names.update(placeholder_names(wording))
        unknown = (set(self.kinds) | set(self.choices)) - names
        if unknown:
            raise TemplateError(f"template {self.id!r}: kinds/choices for unused {sorted(unknown)}")

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Placeholders of the body, in order of first appearance (choice wordings excluded)."""
        return tuple(dict.fromkeys(placeholder_names(self.body)))


@dataclass(frozen=True, slots=True)
class RenderedSms:
    template_id: str
    text: str  # exactly what is sent (== estimate.text)
    estimate: SmsEstimate
