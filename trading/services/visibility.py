"""The visibility policy (domain/visibility.py) applied to users and lots: every page, JSON, export and audit
view asks here whether a viewer may see a fact about a lot, and filters what it shows through it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from ..domain.lifecycle import DECIDED
from ..domain.visibility import (
    ANONYMOUS,
    Fact,
    Moment,
    Phase,
    Viewer,
    actions_of,
    fact_of_action,
    may_count_qualified,
    may_see,
)
from ..models import Announcement, AuditEntry, CommitteeMember, Evaluation, Lot, Registration, User, UserRole

__all__ = ["Fact", "Phase", "phase_of", "viewer_of", "sees", "counts_qualified", "seen_lots", "secret_lots",
           "quiet_since", "audit_filter", "withheld_names", "fact_of_action"]


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


def counts_qualified(session, user, lot: Lot, now: datetime) -> bool:
    """True when ``user`` may know how many buyers the centre qualified for the property lot ``lot`` now
    (``Fact.QUALIFIED_COUNT``; the transferor once the disclosure has ended)."""
    over = lot.listing_end is not None and now >= lot.listing_end and lot.state not in (
        "draft", "filed", "certified", "method_approved", "announced")
    return may_count_qualified(viewer_of(session, user, lot), phase_of(lot, now), disclosure_over=over)


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


def quiet_since(session, now: datetime) -> datetime | None:
    """The start of the quiet period, or None: the earliest announcement of a lot still before its bid deadline.

    Any bidder may be signing up, paying or bidding for such a lot from its announcement on; so every entry by a
    bidder's people from that moment is withheld from the audit log, whether it concerns a lot or not (a login, a
    certificate, a bank statement read). Which entries are withheld then depends only on public facts (the lots'
    announcements and deadlines), never on who took part: no entry vanishing or staying tells anything (issue 13,
    item 9)."""
    return session.scalar(sa.select(sa.func.min(Announcement.published_at)).join(
        Lot, sa.and_(Lot.id == Announcement.lot_id, Lot.round == Announcement.round)).where(Lot.bid_deadline > now))


def secret_lots(session, user, fact: Fact, now: datetime) -> set[int]:
    """Ids of the lots about which ``user`` may not see ``fact`` now (a decided lot hides nothing)."""
    return {lot.id for lot in session.scalars(sa.select(Lot).where(Lot.state.not_in(DECIDED)))
            if not sees(session, user, lot, fact, now)}


def audit_filter(session, user, now: datetime):
    """The SQL condition on audit entries for what ``user`` may read of the log now, all in the query so that
    paging and counts reflect only what is shown: entries revealing a fact of a lot the user may not see yet (who
    bid; who sits on the panel; whom the draw left out), and every entry by a bidder's people in the quiet period
    (``quiet_since``)."""
    conditions = []
    for fact in Fact:
        hidden = secret_lots(session, user, fact, now)
        if hidden:
            conditions.append(sa.not_(sa.and_(
                AuditEntry.action.in_(actions_of(fact)), AuditEntry.object_type == "lot",
                AuditEntry.object_id.in_(sorted(str(i) for i in hidden)))))
    since = quiet_since(session, now)
    if since is not None:
        bidders = sa.select(UserRole.user_id).where(UserRole.role == "bidder")
        # (an entry without an actor id, the clock step's or an anonymous reporter's, is nobody's: kept; a bare
        # ``actor_id IN (...)`` is NULL for it, and NOT NULL would drop it)
        conditions.append(sa.not_(sa.and_(AuditEntry.actor_id.is_not(None), AuditEntry.actor_id.in_(bidders),
                                          AuditEntry.at >= since)))
    return sa.and_(sa.true(), *conditions)
