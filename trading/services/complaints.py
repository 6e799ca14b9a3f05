"""Complaints (投诉) to the supervisor about a construction or a government procurement lot: submitted by a party
within its window, accepted (the lot suspended if the supervisor so orders) or refused within the acceptance
period, decided in writing within the decision period; overdue ones are warnings (``result.warnings``). Each step
follows the rules of the lot's trade type (``domain.complaints.RULE_IDS``): a procurement complaint comes from a
supplier, after its question (质疑, ``services.questions``) on the same matter was answered or left unanswered."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from ..domain import complaints as rules_of_complaints, lifecycle, visibility
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import Complaint, Lot, Objection, OpeningObjection, Project, ResultObjection
from . import audit, questions, rulebook, suspension
from .lots import public_reason

OBJECTIONS = {"documents": Objection, "opening": OpeningObjection, "candidates": ResultObjection}


def _objection_ended(session, lot: Lot, org_id: int, matter: str, now: datetime) -> datetime | None:
    """When the party's objection on ``matter`` ended: its answer, or its due time once past (None: no such
    objection, or its answer is not yet due)."""
    model = OBJECTIONS.get(matter)
    if model is None:
        return None
    ended = []
    for row in session.scalars(sa.select(model).where(model.lot_id == lot.id, model.bidder_id == org_id)):
        if row.answered_at is not None:
            ended.append(row.answered_at)
        elif getattr(row, "answer_due", None) is not None and row.answer_due <= now:
            ended.append(row.answer_due)
    return max(ended) if ended else None


def _rule(lot: Lot, step: str) -> str:
    return rules_of_complaints.rule_id(lot.project.trade_type, step)


def submit(ctx, session, actor, now: datetime, lot: Lot, matter: str, text: str,
           known_on: date | None = None) -> Complaint:
    """A bidder or another interested company complains about a construction lot; a supplier about a procurement
    lot, after its question."""
    trade_type = lot.project.trade_type
    if actor is None or not (actor.has_role("bidder") or actor.has_role("tenderee")) or actor.organisation is None:
        raise Forbidden(N_("Complaints come from a bidder or another interested party."), field="lot")
    if trade_type not in rules_of_complaints.RULE_IDS:
        raise DomainError(N_("Complaints about this trade type are not taken on the platform yet."), field="lot",
                          rule="construction.complaint_window")
    if trade_type == "procurement" and not questions.is_supplier(session, actor, lot):
        raise Forbidden(N_("Only a supplier signed up to this lot may complain about it."), field="lot")
    if not lifecycle.published(lot.state, lot.previous_state):
        raise DomainError(N_("A lot that was never announced cannot be complained about."), field="lot",
                          rule=_rule(lot, "window"))
    in_force = rulebook.of_lot(ctx, session, lot)
    if trade_type == "procurement":
        start = rules_of_complaints.check_procurement_complaint(
            matter, text, questions.latest_on(session, lot, actor.organisation_id, matter) if matter else None,
            now, in_force)
    else:
        start = rules_of_complaints.check_complaint(
            matter, text, known_on, _objection_ended(session, lot, actor.organisation_id, matter, now), now,
            in_force)
    row = Complaint(lot_id=lot.id, round=lot.round, complainant_id=actor.organisation_id, submitted_by_id=actor.id,
                    matter=matter, text=text.strip()[:8000], window_from=start, received_at=now,
                    accept_due=rules_of_complaints.due(now, _rule(lot, "acceptance"), in_force))
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "complaint.submit", object_type="lot", object_id=lot.id,
                 rule=_rule(lot, "window"), payload={"complaint_id": row.id, "matter": matter})
    return row


def _pending(session, complaint_id: int, status: str) -> Complaint:
    row = session.get(Complaint, complaint_id)
    if row is None:
        raise NotFound(N_("No such complaint."), field="complaint")
    if row.status != status:
        raise DomainError(N_("This complaint has been handled already."), field="complaint")
    return row


def _supervisor(actor) -> None:
    if actor is None or not actor.has_role("supervisor"):
        raise Forbidden(N_("Complaints are handled by the supervisor."), field="role")


def accept(ctx, session, actor, now: datetime, complaint_id: int, *, suspend: bool = False) -> Complaint:
    """Accept a complaint (the decision is then due within the working days of the rule); ``suspend`` orders the
    trading suspended meanwhile (第六十二条)."""
    _supervisor(actor)
    row = _pending(session, complaint_id, "received")
    lot = session.get(Lot, row.lot_id)
    in_force = rulebook.of_lot(ctx, session, lot)
    row.status, row.handled_at, row.handled_by_id = "accepted", now, actor.id
    # construction: 30 working days from acceptance (条例 第六十一条); procurement: from receipt (采购法 第五十六条)
    row.decide_due = rules_of_complaints.due(row.received_at if lot.project.trade_type == "procurement" else now,
                                             _rule(lot, "decision"), in_force)
    if suspend:
        if lot.state not in lifecycle.SUSPENDABLE:
            raise DomainError(N_("The lot cannot be suspended in its present state."), field="suspend",
                              rule=_rule(lot, "suspension"))
        capped = lot.project.trade_type == "procurement"  # at most 30 days (政府采购法 第五十七条)
        suspension.suspend(session, actor, now, lot, f"处理投诉（第{row.id}号）期间暂停", rule=_rule(lot, "suspension"),
                           days=int(in_force.value(_rule(lot, "suspension"))) if capped else None)
        row.suspended = True
    audit.record(session, actor, now, "complaint.accept", object_type="lot", object_id=row.lot_id,
                 rule=_rule(lot, "acceptance"),
                 payload={"complaint_id": row.id, "decide_due": row.decide_due, "suspended": row.suspended})
    return row


def refuse(session, actor, now: datetime, complaint_id: int, reason: str) -> Complaint:
    """Refuse a complaint with the reason (out of time, not an interested party, no grounds, ...)."""
    _supervisor(actor)
    row = _pending(session, complaint_id, "received")
    lot = session.get(Lot, row.lot_id)
    reason = public_reason(reason, _rule(lot, "acceptance"))
    row.status, row.handled_at, row.handled_by_id, row.refusal = "refused", now, actor.id, reason
    audit.record(session, actor, now, "complaint.refuse", object_type="lot", object_id=row.lot_id,
                 rule=_rule(lot, "acceptance"), payload={"complaint_id": row.id})
    return row


def decide(session, actor, now: datetime, complaint_id: int, outcome: str, decision: str) -> Complaint:
    """The written decision on an accepted complaint: upheld or dismissed, with its reasons."""
    _supervisor(actor)
    row = _pending(session, complaint_id, "accepted")
    lot = session.get(Lot, row.lot_id)
    if outcome not in rules_of_complaints.OUTCOMES:
        raise DomainError(N_("Choose whether the complaint is upheld or dismissed."), field="outcome",
                          rule=_rule(lot, "decision"))
    if len((decision or "").strip()) < 10:
        raise DomainError(N_("Write the decision with its facts and reasons (at least 10 characters)."),
                          field="decision", rule=_rule(lot, "decision"))
    row.status, row.decided_at, row.outcome, row.decision = "decided", now, outcome, decision.strip()[:8000]
    audit.record(session, actor, now, "complaint.decide", object_type="lot", object_id=row.lot_id,
                 rule=_rule(lot, "decision"), payload={"complaint_id": row.id, "outcome": outcome})
    return row


def of_lot(session, lot: Lot) -> list[Complaint]:
    """The lot's complaints, oldest first."""
    return list(session.scalars(sa.select(Complaint).where(Complaint.lot_id == lot.id).order_by(Complaint.id)))


def overdue(session, now: datetime) -> list[tuple[Complaint, str, datetime]]:
    """Complaints not accepted or refused, or not decided, in time: (complaint, rule, due)."""
    found = []
    for row, trade_type in session.execute(
            sa.select(Complaint, Project.trade_type).join(Lot, Lot.id == Complaint.lot_id)
            .join(Project, Project.id == Lot.project_id).where(Complaint.status.in_(("received", "accepted")))):
        if row.status == "received" and row.accept_due <= now:
            found.append((row, rules_of_complaints.rule_id(trade_type, "acceptance"), row.accept_due))
        elif row.status == "accepted" and row.decide_due is not None and row.decide_due <= now:
            found.append((row, rules_of_complaints.rule_id(trade_type, "decision"), row.decide_due))
    return found


def visible(session, actor, lot: Lot) -> list[Complaint]:
    """The lot's complaints this user may read: all for the supervisor, a party's own, and every decided one (the
    decisions are published)."""
    roles = frozenset(actor.roles) if actor is not None and getattr(actor, "is_authenticated", True) \
        else frozenset()
    own = actor.organisation_id if roles else None
    return [row for row in of_lot(session, lot) if visibility.may_read_complaint(
        roles, own=own is not None and row.complainant_id == own, decided=row.status == "decided")]
