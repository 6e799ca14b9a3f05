"""Objections to the documents (异议, 条例 Art. 22): until 10 days before the deadline, answered within 3 days;
the lot is paused while one is open."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import schedule
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import Lot, Objection, Registration
from . import audit, rulebook
from .lots import require_tenderee


def open_objections(session, lot: Lot) -> list[Objection]:
    """Unanswered objections of the lot's current round."""
    return list(session.scalars(sa.select(Objection).where(Objection.lot_id == lot.id, Objection.round == lot.round,
                                                           Objection.answered_at.is_(None))))


def is_paused(session, lot: Lot) -> bool:
    """True while an objection to the documents waits for its answer (construction.objection_pause)."""
    return session.scalar(sa.select(sa.func.count(Objection.id)).where(
        Objection.lot_id == lot.id, Objection.round == lot.round, Objection.answered_at.is_(None))) > 0


def raise_objection(ctx, session, actor, now: datetime, lot: Lot, text: str) -> Objection:
    """A signed-up bidder objects to the documents before the objection cut-off; the answer is due by the rule in
    force."""
    signed_up = session.scalar(sa.select(Registration.id).where(
        Registration.lot_id == lot.id, Registration.round == lot.round,
        Registration.bidder_id == actor.organisation_id))
    if not actor.has_role("bidder") or not signed_up:
        raise Forbidden(N_("Only a bidder that signed up may object to the documents."), field="lot")
    text = (text or "").strip()
    if len(text) < 10:
        raise DomainError(N_("Describe the objection and what should change (at least 10 characters)."),
                          field="text")
    if lot.state != "announced" or lot.objection_cutoff is None or not schedule.objection_open(lot_schedule(lot), now):
        raise DomainError(N_("Objections to the documents are accepted until %(days)s days before the deadline."),
                          field="text", rule="construction.objection_documents",
                          days=rulebook.of_lot(ctx, session, lot).value("construction.objection_documents"))
    row = Objection(lot_id=lot.id, round=lot.round, bidder_id=actor.organisation_id, raised_by_id=actor.id, text=text,
                    raised_at=now, answer_due=schedule.objection_answer_due(
                        now, rules=rulebook.of_lot(ctx, session, lot)))
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "objection.raise", object_type="lot", object_id=lot.id,
                 rule="construction.objection_pause", payload={"objection_id": row.id, "answer_due": row.answer_due})
    return row


def answer_objection(session, actor, now: datetime, objection_id: int, answer: str) -> Objection:
    """The tenderee answers; the lot's pause ends when no objection is left open."""
    return tenderee_answers(session, actor, now, Objection, objection_id, answer, action="objection.answer",
                            rule="construction.objection_answer")


def tenderee_answers(session, actor, now: datetime, model, objection_id: int, answer: str, *, action: str,
                     rule: str):
    """The tenderee of the lot answers a bidder's objection (of ``model``, with an ``answer_due``), audited with
    whether the answer came late."""
    row = session.get(model, objection_id)
    if row is None:
        raise NotFound(N_("No such objection."), field="objection")
    lot = session.get(Lot, row.lot_id)
    require_tenderee(actor, lot.project)
    if row.answered_at is not None:
        raise DomainError(N_("This objection has already been answered."), field="answer")
    answer = (answer or "").strip()
    if len(answer) < 4:
        raise DomainError(N_("Write the answer."), field="answer")
    row.answer, row.answered_by_id, row.answered_at = answer[:2000], actor.id, now
    session.flush()
    audit.record(session, actor, now, action, object_type="lot", object_id=lot.id, rule=rule,
                 payload={"objection_id": row.id, "late": now > row.answer_due})
    return row


def lot_schedule(lot: Lot) -> schedule.Schedule:
    """The lot's current timetable as the domain's Schedule."""
    return schedule.Schedule(issued_at=lot.issued_at, documents_until=lot.documents_until,
                             clarification_cutoff=lot.clarification_cutoff, objection_cutoff=lot.objection_cutoff,
                             bid_deadline=lot.bid_deadline, opening_at=lot.opening_at,
                             listing_start=lot.listing_start, listing_end=lot.listing_end,
                             auction_start=lot.auction_start)
