"""Agency status invariants, counted against the ledger: every accepted event in the dossier's history exactly
once, applied or stale as its sequence says, the applied ones in sequence order, the dossier ending where its
last applied report left it; every refused one on its rejection topic with its reason."""

from __future__ import annotations

import base64
import json
from collections import Counter, defaultdict
from typing import Any

import asyncpg

from dvc_contracts import agencies, topics

from .ledger import Ledger, Sent
from .topics import read_all

REJECTED_TOPICS = (topics.AGENCY_STATUS_REJECTED, *(s.rejected_topic for s in agencies.SYSTEMS))


def pg_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def fetch(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(pg_url(url))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def history(dossier_db: str, run: str) -> list[asyncpg.Record]:
    return await fetch(
        dossier_db,
        "SELECT id, event_id, dossier_code, sequence, applied, recorded_at FROM dossier_history "
        "WHERE kind = 'status' AND dossier_code LIKE $1 ORDER BY id",
        f"%-FS{run}-%",
    )


def check_history(ledger: Ledger, rows: list[asyncpg.Record]) -> tuple[dict[str, int], list[str]]:
    """Counts and a few examples of what went wrong."""
    by_id: dict[str, list[asyncpg.Record]] = defaultdict(list)
    for r in rows:
        by_id[r["event_id"]].append(r)
    c: Counter[str] = Counter()
    bad: list[str] = []
    known: set[str] = set()
    for s in ledger.events():
        known.add(s.stored_id)
        got = by_id.get(s.stored_id, [])
        problem = _judge(s, got, c)
        if problem and len(bad) < 10:
            bad.append(f"{problem}: {s.path} {s.dossier} seq {s.seq} id {s.id} sends {s.sends}")
    c["unknown_rows"] = sum(len(v) for k, v in by_id.items() if k not in known)
    c["applied_out_of_order"], c["same_seq_applied_twice"] = _order(rows)
    return dict(c), bad


def _judge(s: Sent, got: list[asyncpg.Record], c: Counter[str]) -> str | None:
    c[f"expected_{s.expect}"] += 1
    if s.expect == "rejected":
        c["rejected_but_applied"] += len(got)
        return "rejected_but_applied" if got else None
    if not got:
        c["lost"] += 1
        return "lost"
    c["applied_twice"] += len(got) - 1
    if (got[0]["applied"] == 1) != (s.expect == "applied"):
        c["wrong_applied_flag"] += 1
        return f"expected {s.expect}, history says applied={got[0]['applied']}"
    return "applied_twice" if len(got) > 1 else None


def _order(rows: list[asyncpg.Record]) -> tuple[int, int]:
    top: dict[str, int] = {}
    seen: set[tuple[str, int]] = set()
    backwards = twice = 0
    for r in rows:
        if not r["applied"]:
            continue
        code, seq = r["dossier_code"], r["sequence"]
        backwards += seq <= top.get(code, -1)
        twice += (code, seq) in seen
        seen.add((code, seq))
        top[code] = max(top.get(code, -1), seq)
    return backwards, twice


async def check_finals(ledger: Ledger, dossier_db: str, run: str) -> int:
    rows = await fetch(
        dossier_db, "SELECT code, status, sequence FROM dossiers WHERE code LIKE $1", f"%-FS{run}-%"
    )
    now = {r["code"]: (r["status"], r["sequence"]) for r in rows}
    return sum(1 for d in ledger.dossiers if d.final() is not None and now.get(d.code) != d.final())


def _original_id(rec: dict[str, Any]) -> str | None:
    headers = rec.get("original_headers") or {}
    if headers.get("ce_id"):
        return str(headers["ce_id"])
    try:
        return str(json.loads(base64.b64decode(rec.get("original_value_b64") or ""))["id"])
    except (ValueError, KeyError, TypeError):
        return None


async def check_rejections(ledger: Ledger, bootstrap: str) -> tuple[dict[str, int], list[str]]:
    seen: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for rec in await read_all(bootstrap, REJECTED_TOPICS):
        body = json.loads(rec.value)
        if (oid := _original_id(body)) is not None:
            seen[oid].append((rec.topic, body.get("reason", "")))
    c: Counter[str] = Counter()
    bad: list[str] = []
    for s in ledger.events():
        got = seen.get(s.id, []) + (seen.get(s.stored_id, []) if s.stored_id != s.id else [])
        if s.expect != "rejected":
            c["accepted_but_rejected"] += len(got)
            if got and len(bad) < 10:
                bad.append(f"accepted {s.path} {s.dossier} seq {s.seq} ({s.stored_id}) refused: {got}")
            continue
        right = [g for g in got if g == (s.rejected_topic, s.reason)]
        c["rejection_missing"] += not right
        c["rejection_repeated"] += max(0, len(right) - s.sends)
        if not right and len(bad) < 10:
            bad.append(f"{s.malformed} {s.path} {s.id}: wanted {(s.rejected_topic, s.reason)}, got {got}")
    c["rejection_records"] = sum(len(v) for v in seen.values())
    return dict(c), bad


async def check_dead_letters(bootstrap: str, examples: list[str]) -> dict[str, int]:
    """Every record of the storm is valid or refused to its agency: none may end on the dead-letter topic (a
    consumer that dead-letters a good event has dropped it)."""
    records = await read_all(bootstrap, [topics.DEAD_LETTER])
    for rec in records[:5]:
        h = {k: v.decode(errors="replace") for k, v in rec.headers or ()}
        examples.append(
            f"dead letter from {h.get('dvc_rejected_by')}: {h.get('dvc_reason')} on {h.get('dvc_original_topic')}"
            f"[{h.get('dvc_original_partition')}]@{h.get('dvc_original_offset')}: {h.get('dvc_message', '')[:160]}"
        )
    return {"dead_letters": len(records)}
