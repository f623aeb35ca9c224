"""Dossier's consumer routes keep their inbox names: the kit's ``name=`` gives each agency system's status route
the name its handler had when the app set the handler's ``__name__``."""

from __future__ import annotations

from pathlib import Path

from dvc_dossier.config import Settings
from dvc_dossier.entrypoints.app import create_runtime

# Each topic's inbox name as it was when status_handler set the handler's __name__ (entrypoints/app.py at
# a234759): the inbox deduplicates per name, so a new name would apply again events redelivered after an
# upgrade. One status route per agency system, each with its own name (an event id is that system's own).
INBOXES = {
    "agency-status-reported": "dossier:on_agency_status_reported",
    "agency-status-reported.ha-noi": "dossier:on_agency_status_reported.ha-noi",
    "agency-status-reported.bhxh": "dossier:on_agency_status_reported.bhxh",
    "fee-paid": "dossier:on_fee_paid",
    "payment-expired": "dossier:on_payment_expired",
    "fee-refunded": "dossier:on_fee_refunded",
    "refund-failed": "dossier:on_refund_failed",
    "fine-issued": "dossier:on_fine_issued",
    "fine-settled": "dossier:on_fine_settled",
}
EVERY_INSTANCE = {
    "procedure-published": "dossier:on_procedure_published",
    "procedure-retired": "dossier:on_procedure_retired",
}


async def test_every_route_keeps_the_inbox_name_it_had(tmp_path: Path) -> None:
    rt = create_runtime(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/dossier.db"))
    try:
        assert {r.topic: r.inbox for r in rt.routes} == INBOXES
        assert {r.topic: r.inbox for r in rt.instance_routes} == EVERY_INSTANCE
        assert len(rt.routes) == len(INBOXES), "one route per topic"
        assert len(rt.instance_routes) == len(EVERY_INSTANCE), "one route per topic"
    finally:
        await rt.engine.dispose()
