"""The two kinds of SMS provider.

* **Transactional** (the sandbox, the Kafka-native channel): "sending" is a write in notify's own database
  (the sandbox's handset table, an ``sms-outbound`` outbox row), so it happens in the sender's transaction,
  together with the status change and ``sms-sent``: exactly once.
* **Remote** (the HTTP brandname gateways): the call happens outside any transaction. The sender first
  commits the message as ``sending`` (with the claim time), calls the gateway with our message id as the
  client reference, then records the outcome in a second transaction. See ``service/sender.py`` for the
  crash window between the call and the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from dvc_notify.domain.status import Receipt, SubmitResult


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    message_id: str  # our client reference at the provider
    phone: str  # E.164
    text: str
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int


class InvalidReceipt(Exception):
    """A receipt callback that is not genuine or not understood (bad signature, stale, malformed)."""

    def __init__(self, reason: str, status_code: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code


@runtime_checkable
class TransactionalProvider(Protocol):
    name: str
    idempotent: bool

    async def send_in(self, uow: Any, batch: Sequence[OutgoingSms], now: datetime) -> list[SubmitResult]:
        """Send inside the caller's unit of work; every message accepted, with our message id as the
        provider reference (one result per message, in order)."""
        ...


@runtime_checkable
class RemoteProvider(Protocol):
    name: str
    idempotent: bool  # resending the same client reference never sends a second SMS

    async def send(self, sms: OutgoingSms) -> SubmitResult: ...

    def parse_receipt(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Receipt:
        """Verify and parse a receipt callback; raises InvalidReceipt."""
        ...

    def receipt_ack(self) -> tuple[str, str]:
        """The body and media type the gateway expects back from a receipt callback."""
        ...

    def describe(self) -> dict[str, Any]: ...

    async def close(self) -> None: ...


Provider = TransactionalProvider | RemoteProvider
