"""The supervisor suspends (暂停) a lot in trading and resumes it, each with the reason every party reads.

While suspended nothing moves: the lifecycle allows no action but resume and cancel, and the clock step leaves
the lot alone. At the resume the lot goes back to the state it was suspended from, and every time limit of the
lot that had not yet run out when it was suspended (the documents' and objections' cut-offs, the bid deadline and
the opening, the listing and auction times, a property lot's sealed round's end, the publicity's end, an open
evaluation room's closing) moves on by the time it was suspended, so that nobody loses a day to the pause; the audit
entry lists each change. (A multi-round bidding's countdown is reckoned from its offers and does not move: a
bidding suspended mid-countdown ends at the next clock step after the resume.)

A procurement lot suspended while a complaint is handled stays suspended at most ``procurement.complaint_suspension``
(30) days (政府采购法 第五十七条): its suspension records when it ends (``until``) and the clock step resumes it then
(``resume_lapsed``), unless the supervisor resumed it before.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ..domain.errors import N_, DomainError
from ..domain.sealed_round import SEALED
from ..models import Auction, AuditEntry, Evaluation, Lot
from .lots import public_reason, transition

MOVED = ("documents_until", "clarification_cutoff", "objection_cutoff", "bid_deadline", "opening_at",
         "listing_start", "listing_end", "auction_start", "publicity_end")  # the lot's own time limits


def suspend(session, actor, now: datetime, lot: Lot, reason: str, *, rule: str = "platform.supervision",
            days: int | None = None) -> str:
    """Suspend the lot with a reason (the supervisor), under ``rule``; with ``days``, for at most that long (the clock
    resumes it then: ``resume_lapsed``)."""
    reason = public_reason(reason, rule, 1000)
    payload = {"reason": reason}
    if days is not None:
        payload["until"] = now + timedelta(days=days)
    return transition(session, lot, "suspend", actor, "supervisor", now, payload=payload, rule=rule)


def suspended_at(session, lot: Lot) -> AuditEntry | None:
    """The audit entry of the lot's current suspension (its time and reason), if it is suspended."""
    if lot.state != "suspended":
        return None
    return session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "lot.suspend", AuditEntry.object_type == "lot", AuditEntry.object_id == str(lot.id))
        .order_by(AuditEntry.seq.desc()).limit(1))


def ends_at(entry: AuditEntry | None) -> datetime | None:
    """When a suspension ends of itself (its ``until``), or None when only the supervisor ends it."""
    until = (entry.payload or {}).get("until") if entry is not None else None
    if not isinstance(until, str):
        return None
    found = datetime.fromisoformat(until)
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def resume_lapsed(session, now: datetime) -> list[int]:
    """Resume every lot whose suspension has run its longest time (the clock step); returns their ids."""
    resumed = []
    query = sa.select(Lot).where(Lot.state == "suspended").order_by(Lot.id)
    for lot in session.scalars(query.with_for_update(skip_locked=True)).all():  # another step's lots: skipped
        entry = suspended_at(session, lot)
        until = ends_at(entry)
        if until is not None and until <= now:
            days = round((until - entry.at).total_seconds() / 86400)
            resume(session, None, now, lot, f"暂停已满{days}日，依法自动恢复（{entry.rule}）", rule=entry.rule,
                   role="system")
            resumed.append(lot.id)
    return resumed


def resume(session, actor, now: datetime, lot: Lot, reason: str, *, rule: str = "platform.supervision",
           role: str = "supervisor") -> str:
    """Resume the lot with a reason (the supervisor, or the clock at the end of a suspension's longest time): back
    to the state it left, its running time limits moved on by the time it was suspended."""
    reason = public_reason(reason, rule, 1000)
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
    trade = session.scalar(sa.select(Auction).where(Auction.lot_id == lot.id, Auction.round == lot.round))
    if trade is not None and trade.phase == SEALED and trade.countdown_end is not None and trade.countdown_end > since:
        # a sealed round's end, with its deadline: the clock step closes the round by it (a multi-round bidding's
        # countdown is reckoned from its offers: ``domain.auction.countdown_end``)
        moved["countdown_end"] = [trade.countdown_end, trade.countdown_end + paused]
        trade.countdown_end += paused
    for room in session.scalars(sa.select(Evaluation).where(Evaluation.lot_id == lot.id, Evaluation.round == lot.round,
                                                           Evaluation.closes_at > since)):
        moved[f"evaluation_{room.id}_closes_at"] = [room.closes_at, room.closes_at + paused]
        room.closes_at += paused
    return transition(session, lot, "resume", actor, role, now, rule=rule,
                      payload={"reason": reason, "suspended_seconds": int(paused.total_seconds()), "moved": moved})
