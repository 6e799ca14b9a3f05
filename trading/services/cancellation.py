"""Cancelling a lot (the tenderee asks, the supervisor decides) and re-trading a failed one."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain.errors import N_, DomainError, NotFound
from ..models import Cancellation, Lot
from . import audit, deposits
from .lots import require_role, require_tenderee, transition


def pending_cancellation(session, lot: Lot) -> Cancellation | None:
    """The cancellation request that waits for the supervisor, if any."""
    return session.scalar(sa.select(Cancellation).where(Cancellation.lot_id == lot.id,
                                                        Cancellation.status == "pending"))


def request_cancel(session, actor, now: datetime, lot: Lot, reason: str) -> Cancellation | None:
    """A draft is cancelled at once; otherwise the request waits for the supervisor's decision."""
    require_tenderee(actor, lot.project)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(N_("Write the reason for cancelling."), field="reason", rule="platform.supervision")
    if lot.state == "draft":
        transition(session, lot, "cancel", actor, "tenderee", now, payload={"reason": reason})
        return None
    if pending_cancellation(session, lot):
        raise DomainError(N_("A cancellation request is already waiting for the supervisor."), field="reason")
    transition(session, lot, "request_cancel", actor, "tenderee", now, payload={"reason": reason})
    row = Cancellation(lot_id=lot.id, round=lot.round, reason=reason, requested_by_id=actor.id, requested_at=now)
    session.add(row)
    session.flush()
    return row


def decide_cancel(ctx, session, actor, now: datetime, cancellation_id: int, approve: bool, reason: str
                  ) -> Cancellation:
    """The supervisor approves (the lot is cancelled) or rejects a cancellation request, with a reason. A land or
    property lot cancelled in its trade gives its deposits back (``auction_results.release_on_cancel``); a construction
    or procurement lot refunds its bidders' deposits with interest at once (``deposits.release_on_termination``:
    招标投标法实施条例 第三十一条, 87号令 第二十九条)."""
    require_role(actor, "supervisor")
    row = session.get(Cancellation, cancellation_id)
    if row is None or row.status != "pending":
        raise NotFound(N_("No such pending request."), field="cancellation")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(N_("Write the reason for the decision."), field="reason", rule="platform.supervision")
    lot = session.get(Lot, row.lot_id)
    if approve:
        transition(session, lot, "cancel", actor, "supervisor", now, payload={"reason": row.reason})
        from .auction_results import release_on_cancel

        release_on_cancel(ctx, session, now, lot)  # land and property
        deposits.release_on_termination(ctx, session, actor, now, lot)  # construction and procurement
    row.status = "approved" if approve else "rejected"
    row.decision_reason, row.decided_by_id, row.decided_at = reason, actor.id, now
    session.flush()
    audit.record(session, actor, now, "cancellation.decide", object_type="lot", object_id=lot.id,
                 rule="platform.supervision", payload={"approved": approve, "reason": reason})
    return row


def retrade(session, actor, now: datetime, lot: Lot) -> Lot:
    """Start the next round of a failed lot: back to draft, with the rounds before kept on record."""
    role = "staff" if actor.has_role("staff") else "tenderee"
    if role == "tenderee":
        require_tenderee(actor, lot.project)
    transition(session, lot, "retrade", actor, role, now, payload={"next_round": lot.round + 1})
    lot.round += 1
    lot.previous_state = None
    lot.method = lot.deal_code = None
    lot.issued_at = lot.documents_until = lot.clarification_cutoff = lot.objection_cutoff = None
    lot.bid_deadline = lot.opening_at = lot.listing_start = lot.listing_end = lot.auction_start = None
    session.flush()
    return lot


def get_cancellation(session, cancellation_id: int) -> Cancellation:
    """A cancellation request by id, or NotFound."""
    row = session.get(Cancellation, cancellation_id)
    if row is None:
        raise NotFound(N_("No such request."), field="cancellation")
    return row
