"""Local fake brandname gateways, for `make run` and tests: small HTTP servers on 127.0.0.1 that behave like
the real ones. They check credentials and signatures, accept a message and return their own id, deduplicate
the client reference, and a moment later POST signed delivery receipts to the callback. Their behaviour
(failure rate and kind, latency, which receipts, in which order) can be changed while they run, from code
(``gateway.behaviour``) or over HTTP (``GET/POST /_fake/behaviour``).

Not a real SMS: the "handset" is ``gateway.handset`` (the last 10,000 accepted messages).

The parts: ``gateway_base`` (behaviour, handset, receipts), ``rest_gateway`` and ``form_gateway`` (one per
wire format); :func:`running` starts some for a block.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from dvc_notify.fakes.form_gateway import FakeFormGateway
from dvc_notify.fakes.gateway_base import Behaviour, Failure, FakeGateway, HandsetMessage
from dvc_notify.fakes.rest_gateway import FakeRestGateway

__all__ = [
    "Behaviour",
    "Failure",
    "FakeFormGateway",
    "FakeGateway",
    "FakeRestGateway",
    "HandsetMessage",
    "running",
]


@contextlib.asynccontextmanager
async def running(*gateways: FakeGateway) -> AsyncIterator[tuple[FakeGateway, ...]]:
    """Start the gateways for the duration of a block (tests)."""
    for g in gateways:
        await g.start()
    try:
        yield gateways
    finally:
        for g in gateways:
            await g.stop()
