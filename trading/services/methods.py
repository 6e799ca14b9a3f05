"""Approval of the trading method (交易方式核准): the tenderee asks, the supervisor decides with reasons."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import rules
from ..domain.errors import N_, DomainError, NotFound
from ..models import Lot, MethodApproval
from .lots import require_role, require_tenderee, transition


def pending_request(session, lot: Lot) -> MethodApproval | None:
    """The request of the current round that waits for the supervisor, if any."""
    return session.scalar(sa.select(MethodApproval).where(MethodApproval.lot_id == lot.id,
                                                          MethodApproval.round == lot.round,
                                                          MethodApproval.status == "pending"))


def _check(ctx, lot: Lot, method: str) -> None:
    """The law's check of the method for the trade type, amount and procurement category (the rules in force)."""
    amount = lot.budget if lot.budget is not None else lot.starting_price
    rules.check_method(lot.project.trade_type, method, amount, category=lot.category, rules=ctx.rules)


def request_method(ctx, session, actor, now: datetime, lot: Lot, method: str, justification: str) -> MethodApproval:
    """Ask for a method; refused when the law does not allow it, or when a request is already pending."""
    require_tenderee(actor, lot.project)
    if lot.state != "certified":
        raise DomainError(N_("A method can be requested once the entry certificate is issued."), field="method",
                          rule="platform.five_stages")
    _check(ctx, lot, method)
    justification = (justification or "").strip()
    if method not in ("open", "listing") and len(justification) < 4:
        raise DomainError(N_("Explain why this method and not open competition is used."), field="justification",
                          rule=f"{lot.project.trade_type}.methods")
    if pending_request(session, lot):
        raise DomainError(N_("A request is already waiting for the supervisor."), field="method")
    transition(session, lot, "request_method", actor, "tenderee", now, payload={"method": method})
    row = MethodApproval(lot_id=lot.id, round=lot.round, method=method, justification=justification,
                         requested_by_id=actor.id, requested_at=now, status="pending")
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
        _check(ctx, lot, row.method)
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
