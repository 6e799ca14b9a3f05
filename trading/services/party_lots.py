"""A tenderee's own lots, for its programs (API v1 with a token of the ``lots`` scope): the lots of the projects
its organisation acts for (as the tenderee or as their agency), drafts included, with their state, timetable and
what the party may know of them now, never more than its lot page shows.

What the lot page shows a party is decided by the visibility policy (services/visibility.py) with the token's
user as the viewer: how many bidders signed up, paid their deposit and bid (``Fact.BIDDERS``) only from the bid
deadline on (招标投标法 第二十二条); the opening record's counts (``Fact.BID_STATISTICS``) from the opening on; the
result as published; the correction orders addressed to the organisation (``services.corrections.visible``).
Names of bidders are never in it: the lot page names them only in the opening record and the result, which have
their own pages.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import lifecycle
from ..domain.errors import N_, Forbidden, NotFound
from ..models import Lot, Project
from . import bids, corrections, deposits, registrations, visibility
from .lots import acts_for_tenderee
from .open_data import Page, bid_statistics, check_filters, lot_facts, page_of

PHASES = {visibility.Phase.BEFORE_DEADLINE: "before_deadline", visibility.Phase.OPENED: "opened",
          visibility.Phase.EVALUATING: "evaluating", visibility.Phase.DECIDED: "decided"}


def _require_tenderee(actor) -> None:
    if actor is None or not actor.has_role("tenderee"):
        raise Forbidden(N_("Only a tenderee or its agency reads its lots."), field="token")


def _own(actor):
    """The lots of the projects the actor's organisation acts for."""
    org = actor.organisation_id
    return sa.select(Lot).join(Project, Project.id == Lot.project_id).where(
        sa.or_(Project.tenderee_id == org, Project.agency_id == org))


def party_facts(session, actor, lot: Lot, now: datetime) -> dict:
    """What the party's lot page shows of ``lot`` now, as data."""
    phase = visibility.phase_of(lot, now)
    published = lifecycle.published(lot.state, lot.previous_state)
    facts = lot_facts(session, lot, now)
    facts.pop("bid_statistics")
    seen = visibility.sees(session, actor, lot, visibility.Fact.BIDDERS, now)
    return {
        **facts,
        "previous_state": lot.previous_state,
        "published": published,
        "phase": PHASES[phase],
        "clarification_cutoff": lot.clarification_cutoff, "objection_cutoff": lot.objection_cutoff,
        "publicity_end": lot.publicity_end,
        "participation": {"registrations": registrations.count(session, lot),
                          "deposits_paid": deposits.count_paid(session, lot),
                          "bids": bids.count(session, lot)} if seen else None,
        "bid_statistics": bid_statistics(session, lot, now)
        if visibility.sees(session, actor, lot, visibility.Fact.BID_STATISTICS, now) else None,
        "corrections": [{"id": o.id, "status": o.status, "issued_at": o.issued_at, "due_at": o.due_at,
                         "answered_at": o.answered_at, "text": o.text}
                        for o in reversed(corrections.visible(session, actor, lot))],
    }


def lots(session, actor, now: datetime, *, cursor: str | None = None, limit: int | None = None,
         state: str | None = None) -> Page:
    """The organisation's lots, in id order."""
    _require_tenderee(actor)
    check_filters(None, None, state)
    query = _own(actor)
    if state:
        query = query.where(Lot.state == state)
    return page_of(session, query, Lot.id, "party_lots", cursor, limit,
                   lambda lot: party_facts(session, actor, lot, now))


def lot(session, actor, lot_id: int, now: datetime) -> dict:
    """One of the organisation's lots; another's is not found (the same answer as a lot that does not exist)."""
    _require_tenderee(actor)
    row = session.get(Lot, lot_id)
    if row is None or not acts_for_tenderee(actor, row.project):
        raise NotFound(N_("No such lot."), field="lot_id")
    return party_facts(session, actor, row, now)
