"""Notify's consumer routes keep their inbox names: the kit's ``name=`` gives each route the name its handler
had when the handlers set their own ``__name__``."""

from __future__ import annotations

from pathlib import Path

from dvc_notify.config import Settings
from dvc_notify.entrypoints.app import create_runtime

# Each topic's inbox name as it was when batch_handler set the handler's __name__ (service/handlers.py at
# a234759): the inbox deduplicates per name, so a new name would apply again (a second SMS) events redelivered
# after an upgrade.
INBOXES = {
    "dossier-submitted": "notify:on_dossier_submitted",
    "dossier-status-changed": "notify:on_dossier_status_changed",
    "dossier-forwarded": "notify:on_dossier_forwarded",
    "fee-paid": "notify:on_fee_paid",
    "fee-refunded": "notify:on_fee_refunded",
    "fine-settled": "notify:on_fine_settled",
    "feedback-answered": "notify:on_feedback_answered",
    "sms-requested": "notify:on_sms_requested",
    "sms-receipts": "notify:on_sms_receipts",
}


async def test_every_route_keeps_the_inbox_name_it_had(tmp_path: Path) -> None:
    rt = create_runtime(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/notify.db"))
    try:
        assert {r.topic: r.inbox for r in rt.routes} == INBOXES
        assert len(rt.routes) == len(INBOXES) and not rt.instance_routes, "one route per topic"
        assert not any(r.raw for r in rt.routes)
    finally:
        await rt.engine.dispose()
