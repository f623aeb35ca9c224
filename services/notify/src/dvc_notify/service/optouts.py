"""The opt-out list: numbers that asked not to get SMS from the portal. Messages to them are not sent; they
end ``permanent-failure`` with reason ``opted_out`` (and an sms-failed), checked at creation and before sending."""

from __future__ import annotations

from dvc_contracts import clock
from dvc_contracts.phone import mask, normalise
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_notify.optouts")


async def add_opt_out(
    uow: NotifyUnitOfWork, phone: str, *, reason: str, source: str, by: str | None
) -> tuple[str, bool]:
    """Add a number (any accepted format; raises InvalidPhone). Returns (E.164, created)."""
    e164 = normalise(phone)
    created = await uow.opt_outs.add(
        {
            "phone": e164,
            "phone_masked": mask(e164),
            "reason": reason,
            "source": source,
            "created_by": by,
            "created_at": clock.now(),
        }
    )
    log.info("sms.opt_out_added", phone=mask(e164), source=source, created=created)
    return e164, created


async def remove_opt_out(uow: NotifyUnitOfWork, phone: str, *, by: str | None) -> tuple[str, bool]:
    e164 = normalise(phone)
    removed = await uow.opt_outs.remove(e164)
    log.info("sms.opt_out_removed", phone=mask(e164), removed=removed, by=by)
    return e164, removed
