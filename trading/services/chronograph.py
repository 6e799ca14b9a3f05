"""Time-driven transitions: when a deadline passes, the lot moves on (bid deadline -> opening,
listing start -> listing, auction start -> auction). ``tick(session, now)`` is run by ``flask chronograph``
(cron) and after every clock advance.

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
from .opening import check_quorum

TENDER_METHODS = [code for code, method in rules.METHODS.items() if method.kind == "tender"]
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


def tick(session, now: datetime, limit: int = 500) -> list[Moved]:
    """Make every transition that is due at ``now``; returns what moved (flushes, never commits)."""
    moved: list[Moved] = []
    for query, action in _due(session, now):
        ids = session.scalars(query.order_by(Lot.id).limit(limit).with_for_update(skip_locked=True)).all()
        for lot_id in ids:
            lot = session.get(Lot, lot_id)
            if lot.state != "announced" or is_paused(session, lot):
                continue
            to_state = transition(session, lot, action, None, "system", now)
            moved.append(Moved(lot.id, action, to_state))
            if action == "close_bidding" and check_quorum(session, now, lot):  # too few bids: 流标, unopened
                moved.append(Moved(lot.id, "fail", lot.state))
    return moved


def tick_listener(session, now: datetime) -> None:
    """Run after a clock advance (registered in the admin blueprint's CLOCK_LISTENERS)."""
    from . import experts

    tick(session, now)
    experts.lift_expired_suspensions(session, now)
