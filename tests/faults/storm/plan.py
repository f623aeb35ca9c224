"""What the agencies will report: dossiers across the 34 current provinces and many agencies, each a chain of
distinct statuses in sequence order, with duplicates (the same id again), pairs out of order and malformed or
not-allowed events mixed in — all written to the ledger with the outcome expected. Rendering to Kafka records
and HTTP items is here too."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from dvc_contracts import agencies, topics, units
from dvc_contracts.envelope import new_id

from .config import Sizes
from .ledger import HTTP_ORIGIN, Dossier, Ledger, Sent


def mobile(rng: random.Random) -> str:
    """A Vietnamese mobile number (Viettel, VinaPhone, MobiFone prefixes): notify refuses other numbers."""
    return f"{rng.choice(('091', '094', '097', '098', '090', '093', '096'))}{rng.randrange(10**7):07d}"


PROVINCES = sorted(units.CURRENT_CODES)
HA_NOI = ("UBND-TINH", "UBND-HUYEN", "UBND-XA", "SO-GTVT", "SO-TP", "SO-CT")
HTTP_AGENCIES = ("SO-TNMT", "SO-NV", "SO-YT", "SO-GDDT", "SO-KHDT")
AGENCY_CODES = (*HA_NOI, *HTTP_AGENCIES, "BHXH")
CHAINS = (
    ("received", "processing", "completed"),
    ("received", "supplement_requested", "processing", "completed"),
    ("received", "processing", "forwarded", "completed"),
    ("received", "processing", "rejected"),
    ("received", "supplement_requested", "processing", "forwarded", "completed"),
    ("received", "withdrawn"),
)
REASONS = {"bad_status": "invalid_payload", "agency_mismatch": "agency_mismatch", "garbage": "malformed_json"}
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def procedures(run: str) -> list[str]:
    return [f"FS{run}-TT{k}" for k in range(3)]


def _where(rng: random.Random) -> tuple[str, str, str]:
    """(path, agency, province): a quarter Hà Nội's system, a quarter BHXH's, half over HTTP."""
    roll = rng.random()
    if roll < 0.25:
        return "kafka:ha-noi", rng.choice(HA_NOI), "01"
    if roll < 0.5:
        return "kafka:bhxh", "BHXH", rng.choice(PROVINCES)
    return "http", rng.choice(HTTP_AGENCIES), rng.choice(PROVINCES)


def _rejected_topic(path: str, agency: str, province: str) -> str:
    if path.startswith("kafka:"):
        return agencies.by_id(path.split(":", 1)[1]).rejected_topic
    return agencies.rejected_topic_for(HTTP_ORIGIN, agency, province)


def _malformed(d: Dossier, rng: random.Random) -> Sent:
    kinds = ["bad_status", "agency_mismatch"] + (["garbage"] if d.path != "http" else [])
    kind = rng.choice(kinds)
    return Sent(
        new_id(), d.code, rng.randrange(5), "received", d.path, d.agency, d.province, expect="rejected",
        reason=REASONS[kind], malformed=kind, rejected_topic=_rejected_topic(d.path, d.agency, d.province),
    )  # fmt: skip


def _dossier(n: int, run: str, sizes: Sizes, rng: random.Random) -> Dossier:
    path, agency, province = _where(rng)
    code = f"{province}-FS{run}-{n:07d}"
    phone = mobile(rng) if rng.random() < sizes.sms_share else None
    d = Dossier(code, path, agency, province, rng.choice(procedures(run)), phone)
    d.items = [
        Sent(new_id(), code, seq, st, path, agency, province) for seq, st in enumerate(rng.choice(CHAINS))
    ]
    if len(d.items) >= 2 and rng.random() < sizes.ooo_rate:
        i = rng.randrange(len(d.items) - 1)
        d.items[i], d.items[i + 1] = d.items[i + 1], d.items[i]
    for i in range(len(d.items), -1, -1):
        if rng.random() < sizes.bad_rate:
            d.items.insert(i, _malformed(d, rng))
    return d


def _add_duplicates(d: Dossier, rng: random.Random, rate: float) -> int:
    added = 0
    for s in list(d.items):
        if rng.random() < rate:
            at = rng.randrange(d.items.index(s) + 1, len(d.items) + 1)
            d.items.insert(at, s)
            added += 1
    return added


def _expect(d: Dossier) -> None:
    """Applied when its sequence is above every one sent before it for the dossier; else stale."""
    top = -1
    for s in dict.fromkeys(d.items):
        if s.expect == "rejected":
            continue
        s.expect = "applied" if s.seq > top else "stale"
        top = max(top, s.seq)


def make_ledger(sizes: Sizes, run: str, seed: int = 14) -> Ledger:
    rng, ledger, total = random.Random(seed), Ledger(), 0
    while total < sizes.events:
        d = _dossier(len(ledger.dossiers), run, sizes, rng)
        ledger.duplicates += _add_duplicates(d, rng, sizes.dup_rate)
        _expect(d)
        ledger.dossiers.append(d)
        total += len(d.items)
    return ledger


# --- rendering ------------------------------------------------------------------------------------------------


def data(s: Sent, d: Dossier) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dossier_code": s.dossier, "procedure_code": d.procedure, "agency_code": s.agency,
        "province_code": s.province, "sequence": s.seq, "status": s.status,
        "occurred_at": (T0 + timedelta(hours=s.seq)).isoformat(),
    }  # fmt: skip
    if d.phone:
        body["citizen_phone"] = d.phone
    if s.status == "completed":
        body["result"] = f"KQ-{s.seq}-{s.dossier[-7:]}"
    if s.malformed == "bad_status":
        body["status"] = "dang_xu_ly"
    elif s.malformed == "agency_mismatch":
        body |= (
            {"agency_code": "SO-TP", "province_code": "79"} if s.agency == "BHXH" else {"province_code": "79"}
        )
        if s.path == "http":
            body["agency_code"] = "SO-KHAC"
    return body


def structured(s: Sent, d: Dossier) -> dict[str, Any]:
    return {
        "specversion": "1.0", "id": s.id, "source": f"/agency/{s.agency}", "type": topics.AGENCY_STATUS_REPORTED,
        "subject": s.dossier, "time": datetime.now(UTC).isoformat(), "datacontenttype": "application/json",
        "data": data(s, d),
    }  # fmt: skip


def binary(s: Sent, d: Dossier) -> tuple[list[tuple[str, bytes]], bytes]:
    headers = [
        ("content-type", b"application/json"), ("ce_specversion", b"1.0"), ("ce_id", s.id.encode()),
        ("ce_source", f"/agency/{s.agency}".encode()), ("ce_type", topics.AGENCY_STATUS_REPORTED.encode()),
        ("ce_time", datetime.now(UTC).isoformat().encode()), ("ce_subject", s.dossier.encode()),
    ]  # fmt: skip
    value = b'{"dossier_code": "' if s.malformed == "garbage" else json.dumps(data(s, d)).encode()
    return headers, value
