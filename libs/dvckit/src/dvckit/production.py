"""Production refuses development settings.

``DVC_ENV`` is ``development`` (the default: ``make run``), ``test`` or ``production``. In production a service
refuses to start while any of its settings is a development value: a secret that is missing or still the value
in the repository, a sandbox or fake gateway switched on, a cookie that is not ``Secure``, SQLite, the local
development JWT keys (a moved clock is refused by ``dvc_contracts.clock`` itself, at import). It logs one
line naming the first such setting (all of them in ``settings``) and exits. Each service lists its own checks in ``Settings.production_problems()``; the kit's are below.
"""

from __future__ import annotations

import os
from typing import Any, Final

from pydantic import BaseModel, SecretStr

from dvckit.logging import get_logger

ENVIRONMENTS: Final = ("development", "test", "production")
log = get_logger("dvckit.production")


class RefusedInProduction(SystemExit):
    """Raised (exit code 78, EX_CONFIG) when a production service finds a development setting."""

    def __init__(self, service: str, problems: list[str]) -> None:
        super().__init__(78)
        self.service, self.problems = service, problems

    def __str__(self) -> str:
        return f"{self.service} refuses to start in production: {'; '.join(self.problems)}"


def environment() -> str:
    env = os.environ.get("DVC_ENV", "development").strip().lower() or "development"
    if env not in ENVIRONMENTS:
        raise RefusedInProduction("dvc", [f"DVC_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)}"])
    return env


def is_default(model: BaseModel, field: str) -> bool:
    """True when ``field`` still has the value written in the code (the repository's development value)."""
    value: Any = getattr(model, field)
    default: Any = type(model).model_fields[field].get_default(call_default_factory=True)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(default, SecretStr):
        default = default.get_secret_value()
    return bool(value == default)


def secret_problems(model: BaseModel, prefix: str, fields: list[str]) -> list[str]:
    """Each secret in ``fields`` that is empty or still the development value in the code."""
    out = []
    for field in fields:
        value: Any = getattr(model, field)
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value or "")
        if not text or is_default(model, field):
            out.append(f"{prefix}{field.upper()} is {'missing' if not text else 'the development value'}")
    return out


def refuse_development_settings(service: str, problems: list[str]) -> None:
    """In production, log one line naming the first development setting and exit; elsewhere do nothing."""
    if environment() != "production" or not problems:
        return
    log.error("production.refused", service=service, setting=problems[0], settings=problems)
    raise RefusedInProduction(service, problems)
