"""The supervisor suspends (暂停) a lot in trading and resumes it, each with the reason every party reads.

While suspended nothing moves: the lifecycle allows no action but resume and cancel, and the clock step leaves
the lot alone. At the resume the lot goes back to the state it was suspended from, and every time limit of the
lot that had not yet run out when it was suspended (the documents' and objections' cut-offs, the bid deadline and
the opening, the listing and auction times, the publicity's end, an open evaluation room's closing) moves on by
the time it was suspended, so that nobody loses a day to the pause; the audit entry lists each change.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain.errors import N_, DomainError
from ..models import AuditEntry, Evaluation, Lot
from .lots import public_reason, transition

MOVED = ("documents_until", "clarification_cutoff", "objection_cutoff", "bid_deadline", "opening_at",
         "listing_start", "listing_end", "auction_start", "publicity_end")  # the lot's own time limits


def suspend(session, actor, now: datetime, lot: Lot, reason: str) -> str:
    """Suspend the lot with a reason (the supervisor)."""
    reason = public_reason(reason, "platform.supervision", 1000)
    return transition(session, lot, "suspend", actor, "supervisor", now, payload={"reason": reason},
                      rule="platform.supervision")


def suspended_at(session, lot: Lot) -> AuditEntry | None:
    """The audit entry of the lot's current suspension (its time and reason), if it is suspended."""
    if lot.state != "suspended":
        return None
    return session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "lot.suspend", AuditEntry.object_type == "lot", AuditEntry.object_id == str(lot.id))
        .order_by(AuditEntry.seq.desc()).limit(1))


def resume(session, actor, now: datetime, lot: Lot, reason: str) -> str:
    """Resume the lot with a reason (the supervisor): back to the state it left, its running time limits moved on
    by the time it was suspended."""
    reason = public_reason(reason, "platform.supervision", 1000)
    entry = suspended_at(session, lot)
    if entry is None:
        raise DomainError(N_("The lot is not suspended."), field="lot", rule="platform.supervision")
    since, paused = entry.at, now - entry.at
    moved = {}
    for name in MOVED:
        value = getattr(lot, name)
        if value is not None and value > since:
            setattr(lot, name, value + paused)
            moved[name] = [value, value + paused]
    for room in session.scalars(sa.select(Evaluation).where(Evaluation.lot_id == lot.id, Evaluation.round == lot.round,
                                                           Evaluation.closes_at > since)):
        moved[f"evaluation_{room.id}_closes_at"] = [room.closes_at, room.closes_at + paused]
        room.closes_at += paused
    return transition(session, lot, "resume", actor, "supervisor", now, rule="platform.supervision",
                      payload={"reason": reason, "suspended_seconds": int(paused.total_seconds()), "moved": moved})
