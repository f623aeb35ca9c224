"""The local sandbox provider: records what would be sent in its own table (the local 'handset')."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dvc_notify.adapters.providers.base import OutgoingSms
from dvc_notify.domain.status import SubmitResult


class SandboxProvider:
    name = "sandbox"
    idempotent = True  # transactional: the handset row and the status change commit together

    async def send_in(self, uow: Any, batch: Sequence[OutgoingSms], now: datetime) -> list[SubmitResult]:
        """The handset keeps our message id as its reference (like a gateway echoing the client reference)."""
        await uow.messages.sandbox_deliver(
            [
                {"provider_ref": sms.message_id, "phone": sms.phone, "text": sms.text, "received_at": now}
                for sms in batch
            ]
        )
        return [SubmitResult("accepted", provider_ref=sms.message_id) for sms in batch]
