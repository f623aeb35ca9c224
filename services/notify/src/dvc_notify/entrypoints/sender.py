"""Background task: the local fake gateways (when configured) and the sender loop."""

from __future__ import annotations

import asyncio
import time

from dvc_notify.entrypoints.wiring import Notify
from dvckit.logging import get_logger

log = get_logger("dvc_notify.sender")


async def run_sender(notify: Notify) -> None:
    idle = notify.settings.sender_idle_seconds
    await notify.start()
    gauges_at = 0.0
    try:
        while True:
            try:
                report = await notify.sender.run_once()
                busy = report.handled > 0 or report.remote > 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("sms.sender_failed", error=repr(exc)[:300])
                busy = False
                await asyncio.sleep(1.0)
            if time.monotonic() - gauges_at > 1.0:
                gauges_at = time.monotonic()
                notify.update_gauges()
            if not busy:
                await asyncio.sleep(idle)
    finally:
        try:
            await asyncio.wait_for(notify.sender.drain(), notify.settings.http_timeout_seconds + 5)
        except (TimeoutError, asyncio.CancelledError):
            log.warning("sms.sender_stopped_with_calls_in_flight")  # re-queued after the claim timeout
        await notify.stop()
