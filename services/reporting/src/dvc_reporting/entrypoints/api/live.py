"""Live updates: a server-sent event whenever the read model changes."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from dvc_reporting.entrypoints.api.params import Ctx
from dvc_reporting.entrypoints.auth import Operator

router = APIRouter(prefix="/api", tags=["live"])


# one server-sent event, as clients (and schemathesis) read it: its fields, not the raw text
SSE_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "event": {"type": "string", "enum": ["hello", "update"]},
        "data": {"type": "string", "description": 'JSON, e.g. {"version": 94}'},
        "retry": {"type": "integer", "description": "milliseconds before a reconnect"},
        "id": {"type": "string"},
    },
}


@router.get(
    "/stream",
    summary="Server-sent events: `update` whenever the read model changes (then re-read the figures)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "`event: hello` with the read model's version, then `event: update` on each change",
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
        }
    },
)
async def stream(request: Request, principal: Operator, c: Ctx) -> StreamingResponse:
    hub, settings = c.hub, c.settings

    async def events() -> AsyncIterator[str]:
        seen = hub.version
        yield f"retry: 2000\nevent: hello\ndata: {json.dumps({'version': seen})}\n\n"
        opened = time.monotonic()
        while not hub.closed and time.monotonic() - opened < 600:  # browsers reconnect by themselves
            version = await hub.wait(seen, settings.live_heartbeat_seconds)
            if hub.closed or await request.is_disconnected():
                return
            if version == seen:
                yield ": keepalive\n\n"
                continue
            seen = version
            payload = {"version": version, "areas": sorted(hub.areas), "at": hub.changed_at}
            yield f"event: update\ndata: {json.dumps(payload)}\n\n"
            await asyncio.sleep(settings.live_min_interval_seconds)  # coalesce bursts

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )
