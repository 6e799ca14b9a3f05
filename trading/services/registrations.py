"""Sign-up (报名) and document downloads; who signed up stays confidential until the deadline (法 Art. 22)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain.errors import N_, DomainError, Forbidden
from ..models import DocumentDownload, Lot, Registration
from . import audit, deposits
from .objections import is_paused

# Audit actions that name a bidder: shown masked to everyone but the bidder until the lot's deadline passes.
CONFIDENTIAL_ACTIONS = {"registration.sign_up", "registration.download", "objection.raise", "deposit.payment",
                        "bid.submit", "bid.withdraw"}


def sealed_entries(session, entries, now: datetime) -> set[int]:
    """Sequence numbers of audit entries that name a bidder of a lot whose deadline has not passed."""
    lot_ids = {int(e.object_id) for e in entries
               if e.action in CONFIDENTIAL_ACTIONS and e.object_type == "lot" and (e.object_id or "").isdigit()}
    if not lot_ids:
        return set()
    secret = {lot.id for lot in session.scalars(sa.select(Lot).where(Lot.id.in_(lot_ids))) if confidential(lot, now)}
    return {e.seq for e in entries if e.action in CONFIDENTIAL_ACTIONS and e.object_id
            and e.object_id.isdigit() and int(e.object_id) in secret}


def without_sealed(query, now: datetime):
    """The audit query without entries that name a bidder of a lot still before its deadline (for searches
    by actor, where even a masked row would tell who took part)."""
    from ..models import AuditEntry

    secret_lots = sa.select(sa.cast(Lot.id, sa.String)).where(
        sa.or_(Lot.bid_deadline.is_(None), Lot.bid_deadline > now))
    return query.where(sa.not_(sa.and_(AuditEntry.action.in_(CONFIDENTIAL_ACTIONS), AuditEntry.object_type == "lot",
                                       AuditEntry.object_id.in_(secret_lots))))


def sign_up_deadline(lot: Lot) -> datetime | None:
    """Until when bidders may sign up: the bid deadline (for listings, the application deadline)."""
    return lot.bid_deadline


def confidential(lot: Lot, now: datetime) -> bool:
    """True while the names and number of bidders must stay secret (before the deadline)."""
    return lot.bid_deadline is None or now < lot.bid_deadline


def registration_of(session, lot: Lot, bidder_id: int) -> Registration | None:
    """The bidder's sign-up for the lot's current round."""
    return session.scalar(sa.select(Registration).where(Registration.lot_id == lot.id, Registration.round == lot.round,
                                                        Registration.bidder_id == bidder_id))


def count(session, lot: Lot) -> int:
    """How many bidders signed up for the current round (what staff and the tenderee may see)."""
    return session.scalar(sa.select(sa.func.count(Registration.id)).where(Registration.lot_id == lot.id,
                                                                         Registration.round == lot.round))


def sign_up(session, actor, now: datetime, lot: Lot) -> Registration:
    """Sign the actor's organisation up for an announced lot before its deadline."""
    if not actor.has_role("bidder") or actor.organisation.org_type != "bidder":
        raise Forbidden(N_("Only bidder companies sign up for lots."), field="lot")
    if lot.state != "announced":
        raise DomainError(N_("Sign-up is open only while the lot is announced."), field="lot",
                          rule="platform.five_stages")
    deadline = sign_up_deadline(lot)
    if deadline is None or now >= deadline:
        raise DomainError(N_("Sign-up closed at the deadline."), field="lot", rule="electronic.opening_at_deadline")
    if is_paused(session, lot):
        raise DomainError(N_("The lot is paused while an objection to the documents is answered."), field="lot",
                          rule="construction.objection_pause")
    if actor.organisation_id in lot.project.party_ids():
        raise Forbidden(N_("The tenderee and its agency cannot bid for their own lot."), field="lot")
    if registration_of(session, lot, actor.organisation_id):
        raise DomainError(N_("Your company has already signed up for this lot."), field="lot")
    row = Registration(lot_id=lot.id, round=lot.round, bidder_id=actor.organisation_id, user_id=actor.id,
                       registered_at=now)
    session.add(row)
    session.flush()
    deposits.open_for(session, now, lot, actor.organisation)
    audit.record(session, actor, now, "registration.sign_up", object_type="lot", object_id=lot.id,
                 rule="construction.bidders_confidential", payload={"bidder_id": actor.organisation_id,
                                                                    "round": lot.round})
    return row


def record_download(session, actor, now: datetime, lot: Lot, *, address: str | None, fingerprint: str | None,
                    user_agent: str | None) -> DocumentDownload:
    """Record a download of the documents by a signed-up bidder (time, address, device fingerprint)."""
    registration = registration_of(session, lot, actor.organisation_id)
    if registration is None:
        raise Forbidden(N_("Sign up for the lot to download its documents."), field="lot")
    fingerprint = "".join(ch for ch in (fingerprint or "") if ch.isalnum())[:128]
    row = DocumentDownload(registration_id=registration.id, user_id=actor.id, at=now, address=(address or "")[:64],
                           fingerprint=fingerprint, user_agent=(user_agent or "")[:300])
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "registration.download", object_type="lot", object_id=lot.id,
                 payload={"bidder_id": actor.organisation_id, "address": row.address, "fingerprint": fingerprint})
    return row


def lots_signed_up(session, bidder_id: int):
    """The lots (current rounds) a bidder signed up for, newest first."""
    return session.scalars(sa.select(Lot).join(Registration, sa.and_(Registration.lot_id == Lot.id,
                                                                     Registration.round == Lot.round))
                           .where(Registration.bidder_id == bidder_id).order_by(Registration.registered_at.desc()))
