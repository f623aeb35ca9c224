"""After the storm: wait until everything has settled — outboxes empty, every consumer group caught up, every
saga terminal, no SMS waiting — and measure how long that took."""

from __future__ import annotations

import asyncio
import contextlib
import time

from aiokafka.errors import KafkaError

from .checks_other import TERMINAL
from .checks_status import fetch
from .ledger import Ledger
from .log import say
from .stack import Stack
from .topics import group_lags


async def pending(stack: Stack, ledger: Ledger, abandoned: set[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, url in stack.dbs.items():
        rows = await fetch(url, "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")
        out[f"outbox_{name}"] = rows[0]["n"]
    states = {
        r["dossier_code"]: r["state"]
        for r in await fetch(stack.dbs["dossier"], "SELECT dossier_code, state FROM sagas")
    }
    out["sagas_open"] = sum(1 for s in ledger.sagas if states.get(s.code or "") not in TERMINAL)
    late = [s.payment_id for s in ledger.sagas if s.kind == "late" and s.payment_id]
    # a late payer's money is on its way back until refunded; one the payment service took as on time (it
    # should not have: the invariants say so) is final too — nothing more will happen to it
    waiting = await fetch(
        stack.dbs["payment"],
        "SELECT id FROM payments WHERE id = ANY($1) AND (status IN ('created', 'pending', 'expired') OR "
        "(late AND status = 'succeeded'))",
        late,
    )
    out["late_payments_in_flight"] = len(waiting)
    sms = await fetch(
        stack.dbs["notify"], "SELECT count(*) AS n FROM sms_messages WHERE status IN ('created', 'sending')"
    )
    out["sms_waiting"] = sms[0]["n"]
    try:
        lags = await group_lags(stack.bootstrap)
        out["lag"] = sum(v for g, v in lags.items() if g not in abandoned)
    except (KafkaError, OSError):
        out["lag"] = -1
    return out


def abandoned_groups(stack: Stack, killed_pids: list[int]) -> set[str]:
    """Every-instance groups (``<group>-<host>-<pid>``) of processes the storm killed: nobody reads them again."""
    import socket

    host = socket.gethostname()
    return {f"{stack.group(i.name)}-{host}-{pid}" for i in stack.instances.values() for pid in killed_pids}


async def settle(
    stack: Stack, ledger: Ledger, abandoned: set[str], timeout: float
) -> tuple[float, dict[str, int]]:
    """Seconds until nothing is pending (twice in a row), and what was still pending at the end."""
    t0, calm, last, rounds = time.monotonic(), 0, {}, 0
    while time.monotonic() - t0 < timeout:
        with contextlib.suppress(OSError):
            last = await pending(stack, ledger, abandoned)
            calm = calm + 1 if not any(last.values()) else 0
            if calm >= 2:
                return round(time.monotonic() - t0, 1), last
        rounds += 1
        if rounds % 15 == 0:
            say(f"draining: still { ({k: v for k, v in last.items() if v}) }")
        await asyncio.sleep(2.0)
    return round(time.monotonic() - t0, 1), last
