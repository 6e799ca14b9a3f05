"""Questions (质疑) about a government procurement lot: a supplier signed up to the lot asks the purchaser or its
agency in writing within ``procurement.question_window`` working days of knowing of the act; the purchaser or the
agency answers within ``procurement.question_answer`` working days. A complaint (``services.complaints``) about a
procurement lot needs a question on the same matter first. See ``domain.complaints``."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from ..domain import complaints as rules_of_complaints, lifecycle, visibility
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import Lot, ProcurementQuestion, Registration
from . import audit, rulebook
from .lots import acts_for_tenderee


def is_supplier(session, actor, lot: Lot) -> bool:
    """True for a bidder-role user whose organisation signed up to the lot (any round)."""
    return actor is not None and actor.has_role("bidder") and actor.organisation_id is not None and \
        session.scalar(sa.select(Registration.id).where(Registration.lot_id == lot.id,
                                                        Registration.bidder_id == actor.organisation_id)
                       .limit(1)) is not None


def ask(ctx, session, actor, now: datetime, lot: Lot, matter: str, text: str,
        known_on: date | None) -> ProcurementQuestion:
    """A supplier questions the purchaser about a procurement lot."""
    if lot.project.trade_type != "procurement":
        raise DomainError(N_("Questions (质疑) are for government procurement lots."), field="lot",
                          rule="procurement.question_window")
    if not is_supplier(session, actor, lot):
        raise Forbidden(N_("Only a supplier signed up to this lot may question it."), field="lot")
    if not lifecycle.published(lot.state, lot.previous_state):
        raise DomainError(N_("A lot that was never announced cannot be questioned."), field="lot",
                          rule="procurement.question_window")
    in_force = rulebook.of_lot(ctx, session, lot)
    rules_of_complaints.check_question(matter, text, known_on, now, in_force)
    row = ProcurementQuestion(lot_id=lot.id, round=lot.round, supplier_id=actor.organisation_id,
                              asked_by_id=actor.id, matter=matter, text=text.strip()[:8000], known_on=known_on,
                              asked_at=now, answer_due=rules_of_complaints.due(now, "procurement.question_answer",
                                                                               in_force))
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "question.ask", object_type="lot", object_id=lot.id,
                 rule="procurement.question_window", payload={"question_id": row.id, "matter": matter})
    return row


def answer(session, actor, now: datetime, question_id: int, text: str) -> ProcurementQuestion:
    """The purchaser or its agency answers a question in writing (late answers are taken, and stay late)."""
    row = session.get(ProcurementQuestion, question_id)
    if row is None:
        raise NotFound(N_("No such question."), field="question")
    lot = session.get(Lot, row.lot_id)
    if not acts_for_tenderee(actor, lot.project):
        raise Forbidden(N_("Only the purchaser of this project or its agency may answer."), field="question")
    if row.answered_at is not None:
        raise DomainError(N_("This question has been answered already."), field="question",
                          rule="procurement.question_answer")
    if len((text or "").strip()) < 10:
        raise DomainError(N_("Write the answer with its reasons (at least 10 characters)."), field="answer",
                          rule="procurement.question_answer")
    row.answered_at, row.answered_by_id, row.answer = now, actor.id, text.strip()[:8000]
    audit.record(session, actor, now, "question.answer", object_type="lot", object_id=lot.id,
                 rule="procurement.question_answer",
                 payload={"question_id": row.id, "late": now >= row.answer_due})
    return row


def of_lot(session, lot: Lot) -> list[ProcurementQuestion]:
    return list(session.scalars(sa.select(ProcurementQuestion).where(ProcurementQuestion.lot_id == lot.id)
                                .order_by(ProcurementQuestion.id)))


def visible(session, actor, lot: Lot) -> list[ProcurementQuestion]:
    """The questions this user may read: all for the purchaser, its agency and the supervisor; a supplier's own."""
    if actor is None or not getattr(actor, "is_authenticated", True):
        return []
    roles, party = frozenset(actor.roles), acts_for_tenderee(actor, lot.project)
    return [row for row in of_lot(session, lot) if visibility.may_read_question(
        roles, party=party, own=actor.organisation_id is not None and row.supplier_id == actor.organisation_id)]


def latest_on(session, lot: Lot, org_id: int, matter: str) -> tuple[datetime | None, datetime] | None:
    """The supplier's latest question on ``matter``: (answered_at, answer_due), or None."""
    row = session.scalars(sa.select(ProcurementQuestion).where(
        ProcurementQuestion.lot_id == lot.id, ProcurementQuestion.supplier_id == org_id,
        ProcurementQuestion.matter == matter).order_by(ProcurementQuestion.id.desc()).limit(1)).first()
    return None if row is None else (row.answered_at, row.answer_due)
