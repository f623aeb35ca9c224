"""Shared base of every event payload: ``EventPayload``, ``PayloadError``, ``EVENT_VERSION`` and the types
more than one domain uses (``Code``, ``Vnd``, ``Level``, ``Channel``). The rules every model follows are in
the package docstring (``dvc_contracts.events``)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from dvc_contracts.fees import ProcedureFeeV1, Vnd  # money and a procedure's fee: dvc_contracts.fees

__all__ = [
    "EVENT_VERSION",
    "Channel",
    "Code",
    "EventPayload",
    "Level",
    "PayloadError",
    "ProcedureFeeV1",
    "Vnd",
]


EVENT_VERSION: Final = "v1"

# Identifiers and codes (dossier code, agency code, payment id…): never empty.
Code = Annotated[str, Field(min_length=1)]

Level = Literal["central", "province", "district", "commune"]
Channel = Literal["online", "counter"]


class PayloadError(ValueError):
    """The CloudEvent's ``data`` is not a valid payload of its type. ``reason`` is machine-readable:
    ``unknown_type`` (no model for the ce type) or ``invalid_payload``; ``message`` names the first bad field."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EventPayload(_Payload):
    """Base of every event payload. ``ce_type`` is the CloudEvent type, which is also the topic name: the one
    mapping from an event type to its topic (``dvckit``'s ``runtime.subscribe(FeePaidV1, handler)`` reads it)."""

    ce_type: ClassVar[str]
