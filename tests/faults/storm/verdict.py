"""The verdict: every invariant counted (agency reports, rejections, SMS, money, sagas, fines, feedback, the
reporting read models against a recount) and the result document the report prints and writes."""

from __future__ import annotations

import os
from typing import Any

from . import checks_other, checks_status, diagnose, report
from .config import Sizes
from .faults import Faults
from .ledger import Ledger
from .stack import Stack
from .topics import group_lags

MUST_BE_ZERO = (
    "lost", "applied_twice", "same_seq_applied_twice", "applied_out_of_order", "wrong_applied_flag",
    "rejected_but_applied", "final_mismatch", "unknown_rows", "rejection_missing", "accepted_but_rejected",
    "sms_duplicates", "sms_missing", "sms_unsent", "sms_unexpected", "double_charges", "double_refunds",
    "kept_without_service", "succeeded_without_charge",
    "sagas_not_terminal", "sagas_unexpected_outcome", "late_payments_not_refunded", "fines_not_settled",
    "fines_settled_twice", "feedback_not_answered", "feedback_not_accepted", "pending_after_drain",
    "instances_died", "groups_lagging", "dead_letters", "http_500_answers", "intake_not_applied",
    "intake_errors", "track_errors",
)  # fmt: skip


async def check(stack: Stack, ledger: Ledger, faults: Faults, storm: dict[str, Any]) -> dict[str, Any]:
    rows = await checks_status.history(stack.dbs["dossier"], stack.run)
    status, examples = checks_status.check_history(ledger, rows)
    status["final_mismatch"] = await checks_status.check_finals(ledger, stack.dbs["dossier"], stack.run)
    missing = diagnose.lost_ids(rows, ledger)
    examples += await diagnose.lost_reports(ledger, stack.dbs["dossier"], stack.bootstrap, missing)
    rejections, rej_examples = await checks_status.check_rejections(ledger, stack.bootstrap)
    ends = await checks_other.saga_ends(ledger, stack.dbs["dossier"], stack.dbs["payment"])
    sms, sms_kinds, sms_examples = await checks_other.check_sms(ledger, stack.dbs["notify"], ends)
    saga_counts, outcomes, saga_examples, pay_timing = await checks_other.check_sagas(
        ledger, ends, stack.dbs["payment"]
    )
    money, money_examples = await checks_other.check_payments(stack.dbs["payment"])
    recounted, recount_examples = await checks_other.recount(stack.dbs)
    recount = recounted | await checks_status.check_dead_letters(stack.bootstrap, recount_examples)
    invariants = (
        status | rejections | sms | saga_counts | money
        | await checks_other.check_fines_feedback(ledger, stack.dbs) | recount
    )  # fmt: skip
    invariants["pending_after_drain"] = sum(abs(v) for v in storm["pending"].values())
    invariants["instances_died"] = sum(
        1 for i in stack.instances.values() if i.proc is None or i.proc.poll() is not None
    )
    lags = {g: n for g, n in (await group_lags(stack.bootstrap)).items() if g not in storm["abandoned"]}
    invariants["groups_lagging"] = sum(1 for n in lags.values() if n)
    # a service answers 503 + Retry-After while its database is away, never a 500 (dvckit.db, docs/reliability.md)
    invariants["http_500_answers"] = sum(n for why, n in ledger.retries.items() if why.endswith("http 500"))
    if invariants["http_500_answers"]:
        examples.append(
            f"HTTP 500 answers {invariants['http_500_answers']}: the services' logs say http.unhandled"
        )
    applied_at = {r["event_id"]: r["recorded_at"].timestamp() for r in rows}
    sent = {s.stored_id: s.first_sent for s in ledger.events()}
    lat = {k: v - sent[k] for k, v in applied_at.items() if sent.get(k)}
    examples += rej_examples + recount_examples + sms_examples + saga_examples + money_examples
    return {
        "invariants": invariants, "examples": examples, "sagas": outcomes, "pay_timing": pay_timing, "sms_by_saga_kind": sms_kinds,
        "lags": lags,
        "latency": report.split_latency(ledger, lat, faults.windows()),
        "outage": await report.outage_drain(ledger, stack.dbs["dossier"], stack.run, faults),
    }  # fmt: skip


def summary(
    sizes: Sizes, stack: Stack, ledger: Ledger, faults: Faults, storm: dict[str, Any], checked: dict[str, Any]
) -> dict[str, Any]:
    inv, held = checked["invariants"], checked["held"]
    inv |= {
        "intake_not_applied": held["intake"]["not_applied_at_end"],
        "intake_errors": sum(held["intake"]["other"].values()),  # anything but 202 and 429
        "track_errors": held["track"]["errors"],
    }
    must = {k: int(inv.get(k, 0)) for k in MUST_BE_ZERO} | {
        k: int(v) for k, v in inv.items() if k in checks_other.RECOUNTS
    }
    return {
        "sizes": sizes.__dict__, "machine_cores": os.cpu_count(), "setup_s": stack.setup_s,
        "network_cut": "network namespace + veth (link down)" if stack.cage else "SIGSTOP of the node (no namespace)",
        "faults_injected": faults.counts(), "faults": [f.row() for f in faults.log],
        "events": {"unique": len(ledger.events()), "sends": sum(s.sends for s in ledger.events()),
                   "duplicates_injected": ledger.duplicates, **ledger.counts(),
                   "http_batches": ledger.http_batches, "retries": dict(ledger.retries)},
        "lost": must["lost"] + must["rejection_missing"] + must["sms_missing"],
        "duplicated": must["applied_twice"] + must["same_seq_applied_twice"] + must["sms_duplicates"]
        + must["double_charges"] + must["double_refunds"],
        "invariant_failures": sum(must.values()), "must_be_zero": must, "invariants": inv,
        "sagas": checked["sagas"], "pay_timing": checked["pay_timing"], "sms_templates_by_saga_kind": checked["sms_by_saga_kind"],
        "drain": checked["outage"] | {"settled_after_load_s": storm["settled_after_load_s"], "pending_at_end": storm["pending"]},
        "consumer_group_lag_at_end": checked["lags"],
        "latency": checked["latency"], "load_s": storm["load_s"], "examples": checked["examples"],
        "held": held, "screenshots": storm["screenshots"],
    }  # fmt: skip
