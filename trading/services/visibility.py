"""The visibility policy (domain/visibility.py) applied to users and lots: every page, JSON, export and audit
view asks here whether a viewer may see a fact about a lot, and filters what it shows through it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..domain.visibility import (
    ANONYMOUS,
    BIDDER_ACTIONS,
    Fact,
    Moment,
    Phase,
    Viewer,
    fact_of_action,
    may_see,
)
from ..models import AuditEntry, CommitteeMember, Evaluation, Lot, Registration, User

__all__ = ["Fact", "Phase", "phase_of", "viewer_of", "sees", "seen_lots", "hidden_entries", "NEIGHBOURS",
           "withheld_names"]

# Entries by a bidder's own people within this time of one of its still-hidden entries are withheld too, so a
# login or a certificate next to a hidden sign-up cannot unmask it (issue 13, item 9).
NEIGHBOURS = timedelta(hours=24)


def phase_of(lot: Lot, now: datetime) -> Phase:
    """The lot's disclosure phase at ``now``."""
    return Moment(lot.state, lot.previous_state, lot.bid_deadline).phase(now)


def viewer_of(session, user, lot: Lot | None) -> Viewer:
    """The policy's view of ``user`` for ``lot`` (roles; acting for its tenderee; signed up for it)."""
    if user is None or not getattr(user, "is_authenticated", True) or not hasattr(user, "has_role"):
        return ANONYMOUS
    roles = frozenset(role for role in ("supervisor", "staff", "admin", "tenderee", "bidder", "expert")
                      if user.has_role(role))
    if lot is None:
        return Viewer(roles)
    party = "tenderee" in roles and user.organisation_id in lot.project.party_ids()
    signed_up = "bidder" in roles and session.scalar(sa.select(Registration.id).where(
        Registration.lot_id == lot.id, Registration.round == lot.round,
        Registration.bidder_id == user.organisation_id)) is not None
    return Viewer(roles, party=party, signed_up=signed_up)


def sees(session, user, lot: Lot, fact: Fact, now: datetime, *, about_org: int | None = None) -> bool:
    """True when ``user`` may see ``fact`` about ``lot`` now; ``about_org``: the organisation the fact is about
    (a bidder always sees its own)."""
    own = about_org is not None and user is not None and getattr(user, "organisation_id", None) == about_org
    return may_see(fact, viewer_of(session, user, lot), phase_of(lot, now), own=own)


def seen_lots(session, user, lot_ids: Iterable[int], fact: Fact, now: datetime) -> set[int]:
    """The ids, among ``lot_ids``, of the lots about which ``user`` may see ``fact`` now."""
    ids = set(lot_ids)
    if not ids:
        return set()
    return {lot.id for lot in session.scalars(sa.select(Lot).where(Lot.id.in_(ids)))
            if sees(session, user, lot, fact, now)}


def withheld_names(session, user, accounts: Iterable[User], now: datetime) -> set[int]:
    """Ids of the listed accounts whose display name ``user`` may not see now: the room accounts the evaluation
    makes for drawn experts carry the expert's name, a ``PANEL_NAMES`` fact of their lot."""
    from .evaluation import ROOM_ACCOUNT_PREFIX  # the evaluation service imports this module

    rooms = {a.id: a.username for a in accounts if a.username.startswith(ROOM_ACCOUNT_PREFIX)}
    if not rooms:
        return set()
    seats = session.execute(sa.select(CommitteeMember.user_id, CommitteeMember.seat, Evaluation.id, Evaluation.lot_id)
                            .join(Evaluation).where(CommitteeMember.user_id.in_(rooms))).all()
    shown = seen_lots(session, user, {s.lot_id for s in seats}, Fact.PANEL_NAMES, now)
    return {user_id for user_id, seat, evaluation_id, lot_id in seats
            if rooms[user_id] == f"{ROOM_ACCOUNT_PREFIX}{evaluation_id}-{seat}" and lot_id not in shown}


def _lot_ids(entries: Iterable[AuditEntry]) -> set[int]:
    return {int(e.object_id) for e in entries
            if fact_of_action(e.action) and e.object_type == "lot" and (e.object_id or "").isdigit()}


def _organisation(entry: AuditEntry, org_of: dict[int, int | None]) -> int | None:
    """The organisation an entry is by or about: its actor's, else the bidder its payload names."""
    if entry.actor_id is not None and org_of.get(entry.actor_id) is not None:
        return org_of[entry.actor_id]
    bidder = (entry.payload or {}).get("bidder_id")
    return int(bidder) if isinstance(bidder, int) else None


def hidden_entries(session, user, entries: list[AuditEntry], now: datetime) -> set[int]:
    """Sequence numbers of the audit entries ``user`` may not see now: entries revealing a fact of a lot the
    user may not see yet (who bid; who sits on the panel), and entries by a bidder's people within
    ``NEIGHBOURS`` of one of that bidder's hidden entries."""
    if not entries:
        return set()
    lots = {lot.id: lot for lot in session.scalars(sa.select(Lot).where(Lot.id.in_(_lot_ids(entries))))}
    hidden: set[int] = set()
    for entry in entries:
        fact = fact_of_action(entry.action)
        lot = lots.get(int(entry.object_id)) if fact and (entry.object_id or "").isdigit() else None
        if lot is not None and not sees(session, user, lot, fact, now):
            hidden.add(entry.seq)
    actor_ids = {e.actor_id for e in entries if e.actor_id is not None}
    org_of = dict(session.execute(sa.select(User.id, User.organisation_id).where(User.id.in_(actor_ids))).all())
    orgs = {_organisation(e, org_of) for e in entries if e.seq not in hidden} - {None}
    if not orgs:
        return hidden
    low, high = min(e.at for e in entries) - NEIGHBOURS, max(e.at for e in entries) + NEIGHBOURS
    nearby = list(session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action.in_(BIDDER_ACTIONS), AuditEntry.object_type == "lot", AuditEntry.at >= low,
        AuditEntry.at <= high)))
    open_lots = seen_lots(session, user, _lot_ids(nearby), Fact.BIDDERS, now)
    more_actors = {e.actor_id for e in nearby if e.actor_id is not None} - set(org_of)
    if more_actors:
        org_of.update(session.execute(sa.select(User.id, User.organisation_id).where(User.id.in_(more_actors))).all())
    secret_times: dict[int, list[datetime]] = defaultdict(list)
    for entry in nearby:
        org = _organisation(entry, org_of)
        lot_id = int(entry.object_id) if (entry.object_id or "").isdigit() else None
        if org in orgs and lot_id is not None and lot_id not in open_lots:
            secret_times[org].append(entry.at)
    for entry in entries:
        org = _organisation(entry, org_of)
        if entry.seq not in hidden and org in secret_times and any(
                abs(entry.at - at) <= NEIGHBOURS for at in secret_times[org]):
            hidden.add(entry.seq)
    return hidden


def hidden_filter(now: datetime):
    """A SQL condition that drops the entries revealing who takes part in a lot still before its deadline (for
    searches by actor, where even the rows that remain would tell who took part)."""
    secret_lots = sa.select(sa.cast(Lot.id, sa.String)).where(
        sa.or_(Lot.bid_deadline.is_(None), Lot.bid_deadline > now))
    return sa.not_(sa.and_(AuditEntry.action.in_(BIDDER_ACTIONS), AuditEntry.object_type == "lot",
                           AuditEntry.object_id.in_(secret_lots)))

