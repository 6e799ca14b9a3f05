"""诚信承诺书 (rule ``credit.integrity_pledge``): the pledge a bidder is shown before it signs up for a lot, and the
one it accepted, kept with its registration: the exact text, its SHA-256, the language, who signed for which
organisation and when (``domain.pledges``). ``registrations.sign_up`` takes the digest of the text the bidder
accepted and refuses without it; the web form, the demo and the simulators all go through it.

Who reads a kept pledge: the bidder that signed it (its own); the centre's staff and the supervisor once they may
know who signed up for the lot (the visibility policy: from the bid deadline for a tender, at once for the property
applicants the centre checks); the lot's archive keeps every one."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import pledges as rules_of_pledges
from ..models import IntegrityPledge, Lot, Organisation, Registration
from . import audit, visibility

RULE = rules_of_pledges.RULE


def centre_name(session) -> str:
    """The trading centre's name (the first organisation of type trading_centre)."""
    return session.scalar(sa.select(Organisation.name).where(Organisation.org_type == "trading_centre")
                          .order_by(Organisation.id)) or "公共资源交易中心"


def facts(session, lot: Lot, organisation: Organisation) -> rules_of_pledges.Facts:
    """What the pledge for ``organisation`` signing up for ``lot`` names."""
    project = lot.project
    return rules_of_pledges.Facts(
        centre=centre_name(session), tenderee=project.tenderee.name, project=project.name, lot=lot.name,
        deal_code=lot.deal_code or "", trade_type=project.trade_type, organisation=organisation.name,
        credit_code=organisation.credit_code or "")


def shown(session, lot: Lot, organisation: Organisation, language: str = "zh") -> str:
    """The pledge text the bidder is shown for this lot, in ``language`` (zh: the centre's text; en: its
    translation)."""
    return rules_of_pledges.text(language, facts(session, lot, organisation))


def accepted(session, lot: Lot, actor, language: str = "zh") -> str:
    """The digest a caller passes to ``registrations.sign_up`` once ``actor`` has read the pledge shown to it in
    ``language`` and accepts it (what the sign-up form sends; the demo and the simulators use this)."""
    return rules_of_pledges.digest(shown(session, lot, actor.organisation, language))


def sign(session, actor, now: datetime, lot: Lot, registration: Registration, language: str,
         digest: str) -> IntegrityPledge:
    """Keep the pledge accepted at this sign-up (the caller checked ``digest`` against the text shown) and record it
    in the audit chain: the digest, the language and the signer, not the text (which the row keeps)."""
    text = shown(session, lot, actor.organisation, language)
    row = IntegrityPledge(registration_id=registration.id, lot_id=lot.id, round=registration.round,
                          bidder_id=registration.bidder_id, user_id=actor.id, language=language, text=text,
                          sha256=digest, signed_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "registration.pledge", object_type="lot", object_id=lot.id, rule=RULE,
                 payload={"bidder_id": registration.bidder_id, "registration_id": registration.id,
                          "round": registration.round, "sha256": digest, "language": language})
    return row


def of_registration(session, registration_id: int) -> IntegrityPledge | None:
    """The pledge signed at one sign-up (None for a sign-up made before pledges were kept)."""
    return session.scalar(sa.select(IntegrityPledge).where(IntegrityPledge.registration_id == registration_id))


def of_lot(session, lot: Lot) -> list[IntegrityPledge]:
    """Every pledge signed for the lot's current round, in the order signed."""
    return list(session.scalars(sa.select(IntegrityPledge).where(IntegrityPledge.lot_id == lot.id,
                                                                 IntegrityPledge.round == lot.round)
                                .order_by(IntegrityPledge.signed_at, IntegrityPledge.id)))


def may_read_all(session, actor, lot: Lot, now: datetime) -> bool:
    """Whether ``actor`` (staff or supervisor) may read every bidder's pledge for the lot now: when the policy lets
    it know who signed up (``Fact.BIDDERS``; for a property lot, the applicants the centre checks)."""
    if actor is None or not actor.has_role("staff", "supervisor"):
        return False
    fact = visibility.Fact.APPLICANTS if lot.project.trade_type == "property" else visibility.Fact.BIDDERS
    return visibility.sees(session, actor, lot, fact, now)


def visible(session, actor, lot: Lot, now: datetime) -> list[IntegrityPledge]:
    """The pledges of the lot's current round ``actor`` may read: all of them for staff and the supervisor once
    ``may_read_all``; a bidder's own; nothing for anyone else."""
    rows = of_lot(session, lot)
    if may_read_all(session, actor, lot, now):
        return rows
    own = getattr(actor, "organisation_id", None)
    if actor is not None and actor.has_role("bidder") and own is not None:
        return [row for row in rows if row.bidder_id == own]
    return []
