"""A new feedback or petition: validated, routed to the responsible agency, given its deadline, flagged when it
is likely a duplicate, saved with feedback-received (outbox)."""

from __future__ import annotations

from datetime import datetime

from dvc_contracts import phone as vn_phone
from dvc_contracts import topics
from dvc_contracts.events import FeedbackReceivedV1
from dvc_feedback.domain.duplicates import best_match, fingerprint
from dvc_feedback.domain.model import SYSTEM, Actor, Feedback, Forbidden, new_feedback_id
from dvc_feedback.domain.submission import Submission, check_submission, route
from dvc_feedback.service.handlers.policy import Policy
from dvc_feedback.service.uow import FeedbackUnitOfWork
from dvckit.logging import get_logger

log = get_logger("dvc_feedback.handlers")


async def submit_feedback(
    uow: FeedbackUnitOfWork,
    actor: Actor,
    sub: Submission,
    *,
    submitter_name: str | None,
    policy: Policy,
    now: datetime,
) -> Feedback:
    """Validate, route to the responsible agency, set the deadline, flag a likely duplicate."""
    if actor.role != "citizen":
        raise Forbidden("forbidden", "Chỉ người dân, doanh nghiệp gửi phản ánh, kiến nghị.")
    clean = check_submission(sub)
    dossier = await uow.dossiers.get(clean.dossier_code) if clean.dossier_code else None
    procedure = await uow.catalog.procedure(clean.procedure_code) if clean.procedure_code else None
    known = await uow.catalog.agency_known(clean.agency_code) if clean.agency_code else False
    routing = route(clean, dossier=dossier, procedure=procedure, named_agency_known=known)

    fb = Feedback(
        id=new_feedback_id(clean.kind, now),
        kind=clean.kind,
        category=clean.category,
        province_code=routing.province_code,
        title=clean.title,
        content=clean.content,
        owner_sub=actor.sub,
        received_at=now,
        submitter_name=submitter_name,
        organisation=clean.organisation,
        citizen_phone=clean.phone,
        procedure_code=clean.procedure_code or routing.procedure_code,
        dossier_code=clean.dossier_code,
        named_agency_code=clean.agency_code,
        fingerprint=fingerprint(clean.title, clean.content),
    )
    fb.receive(actor)
    fb.route(
        routing.agency_code, routing.basis, SYSTEM, now, response_working_days=policy.response_working_days
    )
    candidates = await uow.feedback.duplicate_candidates(
        agency_code=routing.agency_code, dossier_code=fb.dossier_code, since=now - policy.duplicate_window
    )
    match = best_match(fb.fingerprint, fb.dossier_code, candidates, policy.duplicate_threshold)
    if match is not None:
        fb.possible_duplicate_of, fb.duplicate_score, fb.duplicate_reason = (
            match.of,
            match.score,
            match.reason,
        )

    await uow.feedback.add(fb)
    await uow.feedback.add_history(fb.id, fb.take_transitions())
    received = FeedbackReceivedV1(
        feedback_id=fb.id,
        kind=fb.kind,
        category=fb.category,
        province_code=fb.province_code,
        agency_code=fb.agency_code,
        procedure_code=fb.procedure_code,
        dossier_code=fb.dossier_code,
        received_at=now,
        due_date=fb.due_date,
        possible_duplicate_of=fb.possible_duplicate_of,
        citizen_phone=fb.citizen_phone,
    )
    await uow.publish(topics.FEEDBACK_RECEIVED, received, key=fb.id)
    log.info(
        "feedback.received",
        feedback_id=fb.id,
        agency=fb.agency_code,
        province=fb.province_code,
        routed_by=routing.basis,
        due_date=str(fb.due_date),
        possible_duplicate_of=fb.possible_duplicate_of,
        phone=vn_phone.mask(fb.citizen_phone),
    )
    return fb
