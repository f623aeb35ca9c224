"""Where a lost report went missing: was it in dossier's outbox (and marked sent), on the Kafka topic, in the
consumer's inbox? The answer goes into the result's examples: evidence for a bug report."""

from __future__ import annotations

from dvc_contracts import agencies, topics

from .checks_status import fetch
from .ledger import Ledger, Sent
from .topics import read_all

MAX = 20


def _topic_of(s: Sent) -> str:
    return (
        topics.AGENCY_STATUS_REPORTED
        if s.path == "http"
        else agencies.by_id(s.path.split(":", 1)[1]).reported_topic
    )


async def lost_reports(ledger: Ledger, dossier_db: str, bootstrap: str, lost_ids: set[str]) -> list[str]:
    lost = [s for s in ledger.events() if s.stored_id in lost_ids][:MAX]
    if not lost:
        return []
    ids = [s.stored_id for s in lost]
    outbox = {
        r["event_id"]: r
        for r in await fetch(
            dossier_db,
            "SELECT id, event_id, sent_at, last_error, created_at FROM outbox WHERE event_id = ANY($1)",
            ids,
        )
    }
    inbox = {
        r["event_id"]: r["consumer"]
        for r in await fetch(dossier_db, "SELECT consumer, event_id FROM inbox WHERE event_id = ANY($1)", ids)
    }
    on_topic: dict[str, list[str]] = {}
    for rec in await read_all(bootstrap, sorted({_topic_of(s) for s in lost})):
        cid = dict(rec.headers or ()).get("ce_id", b"").decode()
        if cid in ids:
            on_topic.setdefault(cid, []).append(f"{rec.topic}[{rec.partition}]@{rec.offset}")
    out = []
    for s in lost:
        row = outbox.get(s.stored_id)
        where = "not in the outbox" if row is None and s.path == "http" else (
            f"outbox row {row['id']} created {row['created_at']:%H:%M:%S.%f} sent {row['sent_at']} error {row['last_error']}" if row else "sent by the agency itself"
        )  # fmt: skip
        out.append(
            f"lost {s.path} {s.dossier} seq {s.seq} ({s.stored_id}), first sent {s.first_sent:.3f}: {where}; "
            f"on the topic {on_topic.get(s.stored_id, 'no')}; in the inbox {inbox.get(s.stored_id, 'no')}"
        )
    return out


def lost_ids(rows: list[object], ledger: Ledger) -> set[str]:
    have = {r["event_id"] for r in rows}  # type: ignore[index]
    return {s.stored_id for s in ledger.events() if s.expect != "rejected" and s.stored_id not in have}
