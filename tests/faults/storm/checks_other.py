"""The other invariants: SMS (one per dossier, template and step; none missing, none unsent), money (no double
charge, no double refund), sagas (every one terminal, as planned), fines and feedback (settled / answered once),
and reporting's read models against a recount from the source databases."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from .checks_status import fetch
from .ledger import Ledger, Saga

TERMINAL = frozenset({"completed", "compensated", "cancelled"})
SENT = frozenset({"sent", "delivered"})
# what a saga tells its citizen, by the state it ended in (dossier's saga steps and notify's mappings)
SAGA_SMS = {
    "completed": {"dossier-submitted", "tax-declaration-paid", "dossier-forwarded", "dossier-completed"},
    "compensated": {
        "dossier-submitted", "tax-declaration-paid", "dossier-forwarded", "dossier-status-changed", "fee-refunded",
    },
    "cancelled": {"dossier-submitted", "dossier-status-changed"},
    "cancelled, late payment refunded": {"dossier-submitted", "dossier-status-changed", "fee-refunded"},
}  # fmt: skip
OTHER_SMS = {"fine-settled": "fines", "feedback-answered": "feedback"}  # template -> ledger part (no dossier)


async def saga_ends(ledger: Ledger, dossier_db: str, payment_db: str) -> dict[str, str]:
    """dossier code -> the state its saga ended in (a cancelled one whose late payment came back says so)."""
    states = {
        r["dossier_code"]: r["state"]
        for r in await fetch(dossier_db, "SELECT dossier_code, state FROM sagas")
    }
    refunded = {r["id"] for r in await fetch(payment_db, "SELECT id FROM payments WHERE status = 'refunded'")}
    out = {}
    for s in ledger.sagas:
        state = states.get(s.code or "", "never submitted")
        late = state == "cancelled" and s.payment_id in refunded
        out[s.code or f"saga {s.index}"] = "cancelled, late payment refunded" if late else state
    return out


Steps = Counter[tuple[str, str, str]]  # (dossier code, or phone; template; text) -> SMS rows


async def check_sms(
    ledger: Ledger, notify_db: str, ends: dict[str, str]
) -> tuple[dict[str, int], dict[str, int], list[str]]:
    """Counts, the templates seen per saga end (for the record), and examples. A step is (owner, template,
    text): the statuses of one dossier are distinct, so two rows of one step are one SMS sent twice."""
    rows = await fetch(notify_db, "SELECT dossier_code, template, text, status, phone FROM sms_messages")
    c: Counter[str] = Counter(sms_rows=len(rows))
    bad: list[str] = []
    steps: Steps = Counter()
    for r in rows:
        owner = r["dossier_code"] or r["phone"] or ""
        steps[(owner, r["template"], r["text"])] += 1
        if r["status"] not in SENT:
            c["sms_unsent"] += 1
            bad.append(f"sms {r['template']} for {owner}: {r['status']}")
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for (owner, template, _text), n in steps.items():
        c["sms_duplicates"] += n - 1
        per[owner][template] += 1
        if n > 1:
            bad.append(f"sms {template} for {owner}: {n} times")
    _agency_sms(ledger, per, c)
    seen = _saga_sms(ends, per, c, bad)
    for template, part in OTHER_SMS.items():
        told = sum(1 for (_owner, t, _text) in steps if t.startswith(template))
        c["sms_missing"] += max(0, len(getattr(ledger, part)) - told)
    return dict(c), seen, bad[:10]


def _agency_sms(ledger: Ledger, per: dict[str, Counter[str]], c: Counter[str]) -> None:
    for d in ledger.dossiers:
        got, want = per.get(d.code, Counter()), d.expected_sms()
        c["sms_missing"] += sum(max(0, n - got[t]) for t, n in want.items())
        c["sms_unexpected"] += sum(max(0, n - want[t]) for t, n in got.items())


def _saga_sms(
    ends: dict[str, str], per: dict[str, Counter[str]], c: Counter[str], bad: list[str]
) -> dict[str, int]:
    seen: Counter[str] = Counter()
    for code, end in ends.items():
        templates = set(per.get(code, Counter()))
        missing = SAGA_SMS.get(end, set()) - templates
        c["sms_missing"] += len(missing)
        if missing:
            bad.append(f"saga {code} ({end}): no SMS {sorted(missing)}")
        seen.update(f"{end}: {t}" for t in templates)
    return dict(seen)


async def check_payments(payment_db: str) -> tuple[dict[str, int], list[str]]:
    """Money, from the providers' side (the sandboxes' own tables): what each payment took and gave back."""
    charged = await fetch(
        payment_db,
        "SELECT p.id, p.status, p.amount_vnd, coalesce(sum(t.amount_vnd), 0) AS charged, count(t.ref) AS charges "
        "FROM payments p LEFT JOIN payment_attempts a ON a.payment_id = p.id "
        "LEFT JOIN sandbox_transactions t ON t.ref = a.ref AND t.status = 'success' GROUP BY p.id",
    )
    refunded = await fetch(
        payment_db,
        "SELECT a.payment_id, coalesce(sum(r.amount_vnd), 0) AS refunded, count(*) AS refunds "
        "FROM sandbox_refunds r JOIN payment_attempts a ON a.ref = r.ref WHERE r.status = 'success' "
        "GROUP BY a.payment_id",
    )
    back = {r["payment_id"]: (r["refunded"], r["refunds"]) for r in refunded}
    c: Counter[str] = Counter(payments=len(charged))
    bad: list[str] = []
    for p in charged:
        money_back, refunds = back.get(p["id"], (0, 0))
        kept, owed = p["charged"] - money_back, p["amount_vnd"] if p["status"] == "succeeded" else 0
        problem = (
            "double_charges" if kept > owed and p["status"] == "succeeded"
            else "kept_without_service" if kept > owed
            else "double_refunds" if money_back > p["charged"]
            else "succeeded_without_charge" if p["status"] == "succeeded" and kept <= 0
            else None
        )  # fmt: skip
        c[problem or "ok"] += 1
        c["charged_payments"] += p["charges"] > 0
        c["refunded_payments"] += refunds > 0
        if problem:
            bad.append(
                f"payment {p['id']} {p['status']}: {problem} (charged {p['charged']}, back {money_back})"
            )
    return dict(c), bad[:10]


PAY_TIMES = (
    "SELECT p.id, p.status, p.created_at, p.expires_at, min(a.pending_seen_at) AS pending_seen_at, "
    "min(a.completed_at) FILTER (WHERE a.status = 'succeeded') AS succeeded_at "
    "FROM payments p LEFT JOIN payment_attempts a ON a.payment_id = p.id GROUP BY p.id"
)


async def check_sagas(
    ledger: Ledger, ends: dict[str, str], payment_db: str
) -> tuple[dict[str, int], dict[str, int], list[str], dict[str, float]]:
    """Counts, outcomes, examples (with the payment's times: evidence of why) and the on-time payers' timing:
    how close to the deadline the tightest one clicked, and how long the slowest waited for its pay page."""
    pays = {r["id"]: r for r in await fetch(payment_db, PAY_TIMES)}
    c: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    bad: list[str] = []
    margins, waits = [], []
    for s in ledger.sagas:
        end = ends.get(s.code or f"saga {s.index}", "never submitted")
        outcomes[f"{s.kind} -> {end}"] += 1
        c["sagas_not_terminal"] += end.split(",")[0] not in TERMINAL
        c["sagas_unexpected_outcome"] += end.split(",")[0] != s.expect
        p = pays.get(s.payment_id or "")
        if s.kind == "late":
            c["late_payments_not_refunded"] += p is None or p["status"] != "refunded"
        elif p is not None and s.paid_at:
            margins.append(p["expires_at"].timestamp() - s.paid_at)
            waits.append(p["created_at"].timestamp() - s.submitted_at)
        if end.split(",")[0] != s.expect:
            bad.append(
                f"saga {s.code} ({s.kind}): {end}; citizen saw {s.state}, {s.errors} retried requests"
                + _pay_times(s, p)
            )
    timing = {
        "on_time_click_margin_min_s": round(min(margins), 1) if margins else 0.0,
        "submit_to_intent_max_s": round(max(waits), 1) if waits else 0.0,
    }
    return dict(c), dict(outcomes), bad[:10], timing


def _pay_times(s: Saga, p: Any) -> str:
    """The payment's clock against the citizen's: when its intent existed, the click, the deadline, the
    first "not paid yet" answer and the success, each in seconds after the submission."""
    if p is None:
        return "; no payment row"

    def at(t: Any) -> str:
        return "-" if t is None else f"{t.timestamp() - s.submitted_at:.1f}"

    click = f"{s.paid_at - s.submitted_at:.1f}" if s.paid_at else "-"
    return (
        f"; payment {p['status']}: intent +{at(p['created_at'])} s, click +{click}, deadline +{at(p['expires_at'])}, "
        f"pending seen +{at(p['pending_seen_at'])}, success +{at(p['succeeded_at'])}"
    )


async def check_fines_feedback(ledger: Ledger, dbs: dict[str, str]) -> dict[str, int]:
    settled = await fetch(
        dbs["payment"],
        "SELECT decision_no, count(*) AS n FROM fine_history WHERE action = 'settled' GROUP BY 1",
    )
    once = {r["decision_no"]: r["n"] for r in settled}
    answered = await fetch(dbs["feedback"], "SELECT id, status FROM feedback")
    status = {r["id"]: r["status"] for r in answered}
    return {
        "fines_not_settled": sum(1 for d in ledger.fines if once.get(d, 0) == 0),
        "fines_settled_twice": sum(1 for d in ledger.fines if once.get(d, 0) > 1),
        "feedback_not_answered": sum(
            1 for f in ledger.feedback if status.get(f) not in ("answered", "closed")
        ),
        "feedback_not_accepted": len(ledger.feedback_refused),
    }


DOSSIER_STATUS = "SELECT code AS k, status AS v FROM dossiers"
# read model -> (source service, its query, model service, the model's query): key k, value v on both sides
RECOUNTS = {
    "reporting_dossier_status": ("dossier", DOSSIER_STATUS, "reporting", DOSSIER_STATUS),
    "reporting_sms_sent": (
        "notify", "SELECT id AS k, 1 AS v FROM sms_messages WHERE sent_at IS NOT NULL",
        "reporting", "SELECT message_id AS k, 1 AS v FROM sms WHERE sent",
    ),
    "reporting_payments_paid": (
        "payment", "SELECT id AS k, 1 AS v FROM payments WHERE paid_at IS NOT NULL",
        "reporting", "SELECT payment_id AS k, 1 AS v FROM payments WHERE paid",
    ),
    "reporting_fines_settled": (
        "payment", "SELECT decision_no AS k, 1 AS v FROM fines WHERE status = 'settled'",
        "reporting", "SELECT decision_no AS k, 1 AS v FROM fines WHERE settled",
    ),
    "reporting_feedback_answered": (
        "feedback", "SELECT id AS k, 1 AS v FROM feedback WHERE status IN ('answered', 'closed')",
        "reporting", "SELECT feedback_id AS k, 1 AS v FROM feedback WHERE answered",
    ),
    # feedback routes by the dossier's agency: its copy of every dossier, kept from dossier's events
    "feedback_dossier_status": ("dossier", DOSSIER_STATUS, "feedback", DOSSIER_STATUS),
}  # fmt: skip


async def recount(dbs: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Per read model: rows where it and a recount from the source database disagree (and examples)."""
    out, examples = {}, []
    for name, (source, source_sql, model_db, model_sql) in RECOUNTS.items():
        truth = {r["k"]: r["v"] for r in await fetch(dbs[source], source_sql)}
        model = {r["k"]: r["v"] for r in await fetch(dbs[model_db], model_sql)}
        wrong = [k for k in truth.keys() | model.keys() if truth.get(k) != model.get(k)]
        out[name] = len(wrong)
        examples += [f"{name} {k}: source {truth.get(k)}, read model {model.get(k)}" for k in wrong[:3]]
    return out, examples
