"""Approval of the trading method (交易方式核准): the tenderee asks, naming the bidders an invited tender or a
single source goes to; the supervisor decides with reasons. Only the named bidders sign up for such a lot."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import committee, methods, rules
from ..domain.errors import N_, DomainError, NotFound
from ..models import Lot, MethodApproval, Organisation
from . import rulebook
from .lots import require_role, require_tenderee, transition


def pending_request(session, lot: Lot) -> MethodApproval | None:
    """The request of the current round that waits for the supervisor, if any."""
    return session.scalar(sa.select(MethodApproval).where(MethodApproval.lot_id == lot.id,
                                                          MethodApproval.round == lot.round,
                                                          MethodApproval.status == "pending"))


def _check_method(ctx, session, lot: Lot, method: str) -> None:
    """The law's check of the method for the trade type, amount and procurement category (the lot's rules)."""
    amount = lot.budget if lot.budget is not None else lot.starting_price
    rules.check_method(lot.project.trade_type, method, amount, category=lot.category,
                       rules=rulebook.of_lot(ctx, session, lot))


def _check_parties(ctx, session, lot: Lot, method: str, invited) -> tuple[int, ...]:
    """The bidders the method names (invited tender: at least 3, single source: one, each an active bidder company
    other than the tenderee's side) and the experts the lot asks for (they must make the method's committee), under
    the lot's rules; returns the named bidders."""
    trade_type, in_force = lot.project.trade_type, rulebook.of_lot(ctx, session, lot)
    named = methods.check_invitations(trade_type, method, invited, rules=in_force)
    for org_id in named:
        org = session.get(Organisation, org_id)
        if org is None or org.org_type != "bidder" or not org.active or org.id in lot.project.party_ids():
            raise DomainError(N_("Name bidder companies registered on the platform (not the tenderee or its agency)."),
                              field="invitees", rule=methods.invitation_rule(trade_type, method))
    committee.check_experts_wanted(trade_type, method, sum(s.count for s in lot.specialties), lot.budget,
                                   lot.complex, rules=in_force)
    return named


def approved_request(session, lot: Lot) -> MethodApproval | None:
    """The approved request of the lot's current round (its method and the bidders it names), if any."""
    return session.scalar(sa.select(MethodApproval).where(MethodApproval.lot_id == lot.id,
                                                          MethodApproval.round == lot.round,
                                                          MethodApproval.status == "approved"))


def invitees(session, lot: Lot) -> list[Organisation]:
    """The bidders the approved method names (invited tender, single source); empty for the announced methods."""
    row = approved_request(session, lot)
    return [session.get(Organisation, org_id) for org_id in (row.invitees if row else [])]


def may_take_part(session, lot: Lot, org_id: int) -> bool:
    """Whether a bidder company may sign up: anyone for an announced method, only the named ones otherwise."""
    if methods.invitation_rule(lot.project.trade_type, lot.method) is None:
        return True
    return org_id in {org.id for org in invitees(session, lot)}


def request_method(ctx, session, actor, now: datetime, lot: Lot, method: str, justification: str,
                   invited: list[int] | tuple[int, ...] = ()) -> MethodApproval:
    """Ask for a method (naming the bidders an invited tender or single source goes to); refused when the law does
    not allow it, or when a request is already pending."""
    require_tenderee(actor, lot.project)
    if lot.state != "certified":
        raise DomainError(N_("A method can be requested once the entry certificate is issued."), field="method",
                          rule="platform.five_stages")
    _check_method(ctx, session, lot, method)
    justification = (justification or "").strip()
    if method not in ("open", "listing") and len(justification) < 4:
        raise DomainError(N_("Explain why this method and not open competition is used."), field="justification",
                          rule=f"{lot.project.trade_type}.methods")
    named = _check_parties(ctx, session, lot, method, invited)
    if pending_request(session, lot):
        raise DomainError(N_("A request is already waiting for the supervisor."), field="method")
    transition(session, lot, "request_method", actor, "tenderee", now,
               payload={"method": method, "invitees": list(named)})
    row = MethodApproval(lot_id=lot.id, round=lot.round, method=method, justification=justification,
                         invitees=list(named), requested_by_id=actor.id, requested_at=now, status="pending")
    session.add(row)
    session.flush()
    return row


def decide_method(ctx, session, actor, now: datetime, approval_id: int, approve: bool, reason: str) -> MethodApproval:
    """Approve (the lot moves to method_approved) or reject (it stays certified) a pending request."""
    require_role(actor, "supervisor")
    row = session.get(MethodApproval, approval_id)
    if row is None or row.status != "pending":
        raise NotFound(N_("No such pending request."), field="approval")
    lot = session.get(Lot, row.lot_id)
    reason = (reason or "").strip()
    if not approve and len(reason) < 4:
        raise DomainError(N_("Write the reasons for the rejection."), field="reason", rule="platform.supervision")
    if approve:
        _check_method(ctx, session, lot, row.method)
        _check_parties(ctx, session, lot, row.method, row.invitees)
        transition(session, lot, "approve_method", actor, "supervisor", now,
                   payload={"method": row.method, "reason": reason})
        lot.method = row.method
    else:
        transition(session, lot, "reject_method", actor, "supervisor", now,
                   payload={"method": row.method, "reason": reason})
    row.status = "approved" if approve else "rejected"
    row.decision_reason, row.decided_by_id, row.decided_at = reason, actor.id, now
    session.flush()  # the transition above is the audit entry of the decision
    return row
