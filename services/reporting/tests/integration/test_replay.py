"""Rebuild from scratch equals the live read model: the same events, consumed live (interleaved as they come)
and replayed from offset 0 into a fresh database by ``python -m dvc_reporting.replay``, give the same rows
in every read-model table. The stream has out-of-order status events, repeats, forwards, payments and SMS that
arrive before their dossier, receipts and failures before their SMS, answers before their feedback, and a record
that cannot be parsed. On the session's broker the other suites' events are there too (every topic, from
offset 0): live and replay interleave all of them differently, so every row must be a function of the set of
events, not of their order across topics or of how the consumer's batches were cut (``tests/unit/
test_projector_interleavings.py`` checks the same without a broker)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from dvc_contracts import topics
from dvc_contracts.clock import now, vn_today
from dvc_reporting.adapters.pipeline import LagProbe
from dvc_reporting.config import Settings
from dvc_reporting.replay import REPLAY_TOPICS, rebuild
from dvckit.devbroker import NO_ADMIN_OFFSETS_KINDS, DevBroker
from dvckit.testing import PostgresServer, eventually

from ..conftest import Emitter, Events
from ..readmodel import Snapshot, diff, recount
from ..readmodel import snapshot as snapshot_of
from .conftest import Reporting

pytestmark = pytest.mark.integration


async def snapshot(db_url: str) -> Snapshot:
    engine = create_async_engine(db_url)
    try:
        return await snapshot_of(engine)
    finally:
        await engine.dispose()


def stream(e: Events, rnd: random.Random) -> list[Any]:
    proc, proc2 = f"RPL-{e.run}", f"RPL2-{e.run}"
    out: list[Any] = [e.procedure(proc, saving=70_000), e.procedure(proc2, saving=None, sector="HO-TICH")]
    statuses = ["received", "processing", "supplement_requested", "processing", "completed"]
    for d in range(40):
        code = e.code(f"D{d:02d}")
        province = rnd.choice(["99", "98", "01"])
        start = now() - timedelta(days=rnd.randint(1, 20), hours=rnd.randint(0, 23))
        due = vn_today() + timedelta(days=rnd.randint(-5, 5))
        online = d % 3 != 0
        p = proc if d % 2 else proc2
        per_dossier: list[Any] = []
        if online:
            per_dossier.append(e.submitted(code, province, p, due=due, at=start))
        for i in range(rnd.randint(0 if online else 1, len(statuses))):
            agency = "SO-GTVT" if i < 2 else "CA-TINH"
            per_dossier.append(
                e.status(code, province, p, i + 1, statuses[i], agency=agency, channel="online" if online else "counter",
                         due=due if i == 0 else None, at=start + timedelta(hours=i + 1))
            )  # fmt: skip
            if i == 1:
                per_dossier.append(
                    e.forwarded(
                        code, province, p, "SO-GTVT", "CA-TINH", start + timedelta(hours=2, minutes=30)
                    )
                )
        rnd.shuffle(per_dossier)  # out of order within the dossier
        out += per_dossier
        if d % 4 == 0:  # a payment naming the dossier, without a province
            out.insert(rnd.randint(0, len(out)), e.paid(f"PAY-{e.run}-{d}", 50_000 + d, dossier=code))
        if d % 5 == 0:
            out.append(e.sms_sent(f"SMS-{e.run}-{d}", code, segments=1 + d % 3))
            out.insert(
                rnd.randint(0, len(out)), e.sms_delivered(f"SMS-{e.run}-{d}", code)
            )  # receipt first, sometimes
        if d % 10 == 5:  # an SMS that finally failed: its failure may come before its send
            out.append(e.sms_sent(f"SMSF-{e.run}-{d}", code))
            out.insert(rnd.randint(0, len(out)), e.sms_failed(f"SMSF-{e.run}-{d}", code))
    for i in range(6):
        out.append(e.fine(f"QD-{e.run}-{i}", "99", 500_000 + i))
        if i % 2:
            out.append(e.fine_settled(f"QD-{e.run}-{i}", "99", "online" if i % 3 else "counter", 500_000 + i))
        out.append(e.feedback(f"FB-{e.run}-{i}", "98", due=vn_today() - timedelta(days=i - 2)))
        if i % 2:  # the answer may come before the feedback-received
            out.insert(rnd.randint(0, len(out)), e.answered(f"FB-{e.run}-{i}", "98"))
    out.append(
        e.rejected(
            "SO-GTVT", "invalid_payload", "sequence: Input should be greater than or equal to 0", e.code("R")
        )
    )
    return out


async def test_replay_from_scratch_equals_live(
    reporting: Reporting,
    emitter: Emitter,
    events: Events,
    pg: PostgresServer,
    reporting_settings: Callable[..., Settings],
    make_token: Callable[..., str],
    kafka_broker: DevBroker,
) -> None:
    if kafka_broker.kind in NO_ADMIN_OFFSETS_KINDS:
        pytest.skip(f"{kafka_broker.kind} does not serve ListConsumerGroupOffsets, which replay follows")
    token = make_token("operator")
    rnd = random.Random(events.run)
    sent = []
    for payload in stream(events, rnd):
        sent.append(await emitter.send(payload))
        if rnd.random() < 0.1:  # a repeated delivery (same event id)
            topic, _ = emitter.event(payload)
            await emitter.send_event(topic, sent[-1])
    bad = f"bad-{events.run}"
    await emitter.send_raw(topics.SMS_SENT, bad, b'{"message_id": 1}', [("content-type", b"application/json"),
                           ("ce_specversion", b"1.0"), ("ce_id", bad.encode()), ("ce_source", b"/x"),
                           ("ce_type", b"sms-sent")])  # fmt: skip
    await emitter.flush()

    # Live: caught up on every topic, including the dead letter it produced for the bad record.
    probe = LagProbe(reporting.settings.kafka, [reporting.settings.group_id], REPLAY_TOPICS)

    async def caught_up() -> bool:
        report = await probe.run()
        pipeline = (await reporting.get("/api/pipeline", token)).json()
        dead = {(d["original_topic"], d["rejected_by"]) for d in pipeline["dead_letters"]}
        return (
            ("sms-sent", "reporting") in dead
            and bool(report.rows)
            and all(r["lag"] == 0 for r in report.rows)
        )

    await eventually(caught_up, timeout=90, every=0.5)
    await probe.close()
    live = await snapshot(reporting.db_url)

    fresh = pg.sqlalchemy_url(await pg.create_database("dvct_reporting_replay"))
    progress: list[tuple[int, int]] = []
    result = await rebuild(
        fresh, reporting_settings(fresh), on_progress=lambda done, total: progress.append((done, total))
    )
    assert result.events >= len(sent) and progress[-1][0] == progress[-1][1]
    rebuilt = await snapshot(fresh)

    assert set(rebuilt) == set(live)
    for name in live:
        assert rebuilt[name] == live[name], (
            f"{name} differs: {diff(live[name], rebuilt[name], ('live', 'rebuilt'))}"
        )
    for label, snap in (("live", live), ("rebuilt", rebuilt)):  # the aggregates are exactly a recount
        for name, rows in recount(snap).items():
            assert snap[name] == rows, (
                f"{label} {name} is not a recount: {diff(snap[name], rows, (label, 'recount'))}"
            )
    assert len(live["dossiers"]) >= 40 and live["agg_dossiers"]
    mine = [r for r in live["payments"] if str(r[0]).startswith(f"PAY-{events.run}")]
    assert len(mine) == 10 and all(
        r[6] in ("99", "98", "01") for r in mine
    )  # province taken from the dossier

    with pytest.raises(Exception, match="not empty"):
        await rebuild(fresh, reporting_settings(fresh))
