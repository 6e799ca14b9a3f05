"""Sign-up (报名) and document downloads; who signed up stays confidential until the deadline (法 Art. 22). An
invited tender or a single source takes only the bidders its approved method names."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import methods as rule_methods, pledges as rule_pledges, rules
from ..domain.errors import N_, DomainError, Forbidden
from ..models import DocumentDownload, Lot, Registration
from . import audit, credit, deposits, methods, pledges
from .objections import is_paused


def sign_up_deadline(lot: Lot) -> datetime | None:
    """Until when bidders may sign up: the bid deadline (for listings, the application deadline)."""
    return lot.bid_deadline


def registration_of(session, lot: Lot, bidder_id: int) -> Registration | None:
    """The bidder's sign-up for the lot's current round."""
    return session.scalar(sa.select(Registration).where(Registration.lot_id == lot.id, Registration.round == lot.round,
                                                        Registration.bidder_id == bidder_id))


def count(session, lot: Lot) -> int:
    """How many bidders signed up for the current round (shown only where the visibility policy allows)."""
    return session.scalar(sa.select(sa.func.count(Registration.id)).where(Registration.lot_id == lot.id,
                                                                         Registration.round == lot.round))


def sign_up(session, actor, now: datetime, lot: Lot, *, pledge: str | None = None,
            language: str = "zh", address: str | None = None, fingerprint: str | None = None) -> Registration:
    """Sign the actor's organisation up for an announced lot before its deadline. ``pledge`` is the SHA-256 of the
    integrity pledge (诚信承诺书) the actor was shown in ``language`` and accepts (``pledges.shown``); without it, or
    with the digest of another text, the sign-up is refused (``credit.integrity_pledge``). The pledge is kept with
    the registration and recorded in the audit chain. The request's address and the browser's device fingerprint
    are kept with it for the collusion screens (条例 第四十条), as a download's are."""
    if not actor.has_role("bidder") or actor.organisation.org_type != "bidder":
        raise Forbidden(N_("Only bidder companies sign up for lots."), field="lot")
    if lot.state != "announced" and not (lot.state == "listing" and lot.method == "listing"):  # land: until the
        # application deadline, through the listing
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
    if not methods.may_take_part(session, lot, actor.organisation_id):
        raise Forbidden(N_("Only the bidders named by the approved method (%(method)s) sign up for this lot."),
                        field="lot", rule=rule_methods.invitation_rule(lot.project.trade_type, lot.method),
                        method=rules.METHODS[lot.method].name_zh)
    if registration_of(session, lot, actor.organisation_id):
        raise DomainError(N_("Your company has already signed up for this lot."), field="lot")
    credit.refuse_if_barred(session, actor.organisation_id, now)
    digest = rule_pledges.check_accepted(pledge, language, pledges.shown(session, lot, actor.organisation, language)
                                         if language in rule_pledges.LANGUAGES else "")
    row = Registration(lot_id=lot.id, round=lot.round, bidder_id=actor.organisation_id, user_id=actor.id,
                       registered_at=now, address=(address or "")[:64] or None,
                       fingerprint=_device(fingerprint) or None)
    session.add(row)
    session.flush()
    deposits.open_for(session, now, lot, actor.organisation)
    audit.record(session, actor, now, "registration.sign_up", object_type="lot", object_id=lot.id,
                 rule="construction.bidders_confidential",
                 payload={"bidder_id": actor.organisation_id, "round": lot.round, "address": row.address,
                          "fingerprint": row.fingerprint})
    pledges.sign(session, actor, now, lot, row, language, digest)
    return row


def _device(fingerprint: str | None) -> str:
    """A browser's device fingerprint as kept: letters and digits only, at most 128."""
    return "".join(ch for ch in (fingerprint or "") if ch.isalnum())[:128]


def record_download(session, actor, now: datetime, lot: Lot, *, address: str | None, fingerprint: str | None,
                    user_agent: str | None) -> DocumentDownload:
    """Record a download of the documents by a signed-up bidder (time, address, device fingerprint)."""
    registration = registration_of(session, lot, actor.organisation_id)
    if registration is None:
        raise Forbidden(N_("Sign up for the lot to download its documents."), field="lot")
    fingerprint = _device(fingerprint)
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
