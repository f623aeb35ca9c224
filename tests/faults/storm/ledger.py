"""The generator's own ledger: every status event it made, what it expects to become of it, and how often and
when it was handed over; every saga and what it should end as. The invariants are counted against this."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

HTTP_ORIGIN = "http:/agency/status-events"
NO_SMS_STATUSES = frozenset({"submitted", "forwarded"})


@dataclass(slots=True, eq=False)
class Sent:
    """One status event. ``expect``: applied (moves the dossier), stale (a lower sequence arriving after a
    higher one: kept in history, moves nothing) or rejected (with ``reason``, on ``rejected_topic``)."""

    id: str
    dossier: str
    seq: int
    status: str
    path: str  # kafka:<system id> | http
    agency: str
    province: str
    expect: str = "applied"
    reason: str | None = None
    malformed: str | None = None  # how it is broken (bad_status, agency_mismatch, garbage)
    rejected_topic: str | None = None
    sends: int = 0  # handed to Kafka or HTTP: retries after an ambiguous failure and duplicates included
    first_sent: float = 0.0  # wall clock

    @property
    def stored_id(self) -> str:
        """The id dossier keeps in its history and inbox (HTTP ingest scopes it to the caller)."""
        return f"{self.agency}/{self.province}/{self.id}" if self.path == "http" else self.id


@dataclass(slots=True)
class Dossier:
    code: str
    path: str
    agency: str
    province: str
    procedure: str
    phone: str | None
    items: list[Sent] = field(default_factory=list)  # in sending order; a duplicate is the same Sent again

    def expected_sms(self) -> Counter[str]:
        """template -> how many SMS the applied reports should cause (statuses are distinct per dossier)."""
        out: Counter[str] = Counter()
        if not self.phone:
            return out
        for s in self.applied():
            if s.status not in NO_SMS_STATUSES:
                out["dossier-completed" if s.status == "completed" else "dossier-status-changed"] += 1
        return out

    def applied(self) -> list[Sent]:
        return [s for s in dict.fromkeys(self.items) if s.expect == "applied"]

    def final(self) -> tuple[str, int] | None:
        done = self.applied()
        return (done[-1].status, done[-1].seq) if done else None


@dataclass(slots=True)
class Saga:
    """A vehicle registration: ``kind`` complete | police_reject | late (pays after the window closed)."""

    index: int
    kind: str
    sub: str
    phone: str
    code: str | None = None
    payment_id: str | None = None
    submitted_at: float = 0.0
    paid_at: float = 0.0  # the pay click
    think_s: float = 0.0  # how long the citizen looks at the pay page before clicking
    state: str | None = None  # the last state the citizen saw
    errors: int = 0  # requests that failed and were retried

    @property
    def expect(self) -> str:
        return {"complete": "completed", "police_reject": "compensated", "late": "cancelled"}[self.kind]


@dataclass
class Ledger:
    dossiers: list[Dossier] = field(default_factory=list)
    sagas: list[Saga] = field(default_factory=list)
    fines: dict[str, str] = field(default_factory=dict)  # decision no -> payment id once paid
    feedback: dict[str, str] = field(default_factory=dict)  # feedback id -> citizen sub
    feedback_refused: list[str] = field(default_factory=list)  # why a citizen's feedback was never accepted
    duplicates: int = 0
    http_batches: int = 0
    retries: Counter[str] = field(default_factory=Counter)  # why a send was tried again

    def events(self) -> list[Sent]:
        return [s for d in self.dossiers for s in dict.fromkeys(d.items)]

    def counts(self) -> Counter[str]:
        return Counter(s.expect for s in self.events())
