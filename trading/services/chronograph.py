"""Time passing, as one step: ``run(ctx, session, now)`` makes everything due at ``now`` happen. When a deadline
passes, the lot moves on (bid deadline -> opening, listing start -> listing, auction start -> auction; too few
bids: 流标); experts' suspensions end; draws waiting on a beacon pulse or a call's answer move on; bids whose k
shares are in but whose opening job died are opened. The admin's
clock page, ``flask clock advance`` and ``flask chronograph`` (cron, every minute) all call ``run``; running it
twice at the same time changes nothing the second time.

Each due lot is taken with ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several app servers can
tick at once and each transition still happens exactly once: a lot locked by one ticker is skipped by the
others, and the state is checked again under the lock. SQLite serialises writers and ignores the clause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..domain import rules
from ..models import Lot
from .lots import transition
from .objections import is_paused
from .opening import check_quorum, tell

TENDER_METHODS = [code for code, method in rules.METHODS.items() if method.sealed_bids]
LISTING_METHODS = [code for code, method in rules.METHODS.items() if method.kind == "listing"]
AUCTION_METHODS = [code for code, method in rules.METHODS.items() if method.kind == "auction"]


@dataclass(frozen=True)
class Moved:
    """One transition the chronograph made."""

    lot_id: int
    action: str
    to_state: str


def _due(session, now: datetime):
    """(select of due lot ids, action) pairs, one per kind of time-driven move."""
    yield (sa.select(Lot.id).where(Lot.state == "announced", Lot.method.in_(TENDER_METHODS),
                                   Lot.bid_deadline <= now), "close_bidding")
    yield (sa.select(Lot.id).where(Lot.state == "announced", Lot.method.in_(LISTING_METHODS),
                                   Lot.listing_start <= now), "open_listing")
    yield (sa.select(Lot.id).where(Lot.state == "announced", Lot.method.in_(AUCTION_METHODS),
                                   Lot.auction_start <= now), "start_auction")


def tick(ctx, session, now: datetime, limit: int = 500) -> list[Moved]:
    """Make every transition that is due at ``now`` (a lot short of bids by the rules in force fails); returns what
    moved (flushes, never commits)."""
    moved: list[Moved] = []
    for query, action in _due(session, now):
        ids = session.scalars(query.order_by(Lot.id).limit(limit).with_for_update(skip_locked=True)).all()
        for lot_id in ids:
            lot = session.get(Lot, lot_id)
            if lot.state != "announced" or is_paused(session, lot):
                continue
            to_state = transition(session, lot, action, None, "system", now)
            moved.append(Moved(lot.id, action, to_state))
            if action == "close_bidding":
                tell(ctx, session, lot, "state")
            if action == "close_bidding" and check_quorum(ctx, session, now, lot):  # too few bids: 流标, unopened
                moved.append(Moved(lot.id, "fail", lot.state))
    moved += step_live_trades(ctx, session, now, limit)
    return moved


def step_live_trades(ctx, session, now: datetime, limit: int = 500) -> list[Moved]:
    """Move every live land trade that is due (listing ended, window closed, countdown out: ``auction_results``; a
    land contract not signed in time: ``land_contracts.lapse``),
    each under its lot's row lock; a lot another ticker holds is skipped."""
    from . import auction_results, land_contracts

    moved: list[Moved] = []
    query = auction_results.due(session, now).order_by(Lot.id).limit(limit)
    for lot_id in session.scalars(query.with_for_update(of=Lot, skip_locked=True)).all():
        lot = session.get(Lot, lot_id)
        if is_paused(session, lot):
            continue
        moved += [Moved(lot.id, action, lot.state) for action in auction_results.step(ctx, session, now, lot)]
    query = land_contracts.due(session, now).order_by(Lot.id).limit(limit)  # land contracts not signed in time
    for lot_id in session.scalars(query.with_for_update(of=Lot, skip_locked=True)).all():
        lot = session.get(Lot, lot_id)
        if is_paused(session, lot):
            continue
        moved += [Moved(lot.id, action, lot.state) for action in land_contracts.lapse(ctx, session, now, lot)]
    return moved


@dataclass(frozen=True)
class Step:
    """What one step of time did."""

    moved: list[Moved]
    suspensions_ended: int
    draws_moved: int
    lots_opened: int = 0
    warnings_raised: int = 0
    messages_sent: int = 0


def run(ctx, session, now: datetime) -> Step:
    """Make everything due at ``now`` happen (flushes, never commits): lots whose suspension has run its longest
    time resumed, the lots' time-driven transitions, the end of experts' suspensions, every running draw moved on
    (ranked once its beacon pulse exists, answers collected, the next call placed), the bids of lots with k shares
    in opened if their job has not; then every early warning now due stored once (``corrections.raise_warnings``:
    overdue correction orders and public reports among them); and the outbox's messages still queued sent
    (``outbox.send_due``: their job did not run, or the gateway refused them)."""
    from . import corrections, experts, outbox, suspension

    moved = [Moved(lot_id, "resume", session.get(Lot, lot_id).state)
             for lot_id in suspension.resume_lapsed(session, now)]  # a suspension at its longest, first
    moved += tick(ctx, session, now)
    ended = experts.lift_expired_suspensions(session, now)
    step = Step(moved, ended, advance_draws(ctx, session, now), open_ready(ctx, session, now))
    return Step(step.moved, step.suspensions_ended, step.draws_moved, step.lots_opened,
                corrections.raise_warnings(ctx, session, now), outbox.send_due(ctx, session, now))


def open_ready(ctx, session, now: datetime) -> int:
    """Open the bids of every lot at its opening whose k shares are in but whose bids are not open (the opening
    job died or is yet to run); a lot another step or job holds is skipped. Returns how many opened."""
    from .opening import open_if_ready

    opened = 0
    for lot_id in session.scalars(sa.select(Lot.id).where(Lot.state == "opening").order_by(Lot.id)).all():
        opened += open_if_ready(ctx, session, now, session.get(Lot, lot_id), wait=False)
    return opened


def advance_draws(ctx, session, now: datetime, draw_ids: list[int] | None = None) -> int:
    """Move every running draw (or those of ``draw_ids``) on at ``now``, following a chain of quick answers one
    call at a time; returns how many draws changed. Each draw is taken under a row lock (skipped if another step
    holds it)."""
    from ..models import Draw
    from . import draws

    changed = 0
    running = sa.select(Draw.id).where(Draw.status.in_(["committed", "calling"])).order_by(Draw.id)
    if draw_ids is not None:
        running = running.where(Draw.id.in_(draw_ids))
    for draw_id in session.scalars(running.with_for_update(skip_locked=True)).all():
        draw = session.get(Draw, draw_id)
        start = (draw.status, len(draw.calls), draw.ranking is None)
        for _ in range(20):
            before = (draw.status, len(draw.calls), draw.ranking is None)
            draws.advance(ctx, session, now, draw)
            if (draw.status, len(draw.calls), draw.ranking is None) == before:
                break
        changed += (draw.status, len(draw.calls), draw.ranking is None) != start
    return changed
