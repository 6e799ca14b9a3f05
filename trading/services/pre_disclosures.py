"""The pre-disclosure (信息预披露) of a state property transfer before its formal disclosure (32号令 第十三条;
``domain.property_disclosure``): the transferor publishes it on the platform, publicly, once the centre has
accepted the lot (its entry certificate issued) and before the formal announcement; a transfer that changes control
of the enterprise must have one, and its formal disclosure (``announcements.publish``) may not begin until the
pre-disclosure has run ``property.pre_disclosure`` working days."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import calendar, property_disclosure
from ..domain.errors import N_, DomainError
from ..models import Lot, PreDisclosure
from . import audit, rulebook
from .lots import get_lot, require_tenderee

STATES = ("certified", "method_approved")  # accepted by the centre, not yet formally disclosed


def pre_disclosure_of(session, lot: Lot) -> PreDisclosure | None:
    """The lot's pre-disclosure, if one was published (it serves every later round of the lot)."""
    return session.scalar(sa.select(PreDisclosure).where(PreDisclosure.lot_id == lot.id))


def required(lot: Lot) -> bool:
    """Whether the lot's formal disclosure waits for a pre-disclosure (the transfer changes control)."""
    return lot.project.trade_type == "property" and bool((lot.property_terms or {}).get("control_change"))


def may_publish(lot: Lot) -> bool:
    """Whether a pre-disclosure may be published for the lot now (state property, not a lease, accepted, not yet
    formally disclosed)."""
    terms = lot.property_terms or {}
    return (lot.project.trade_type == "property" and terms.get("asset", "equity") == "equity"
            and lot.state in STATES)


def publish(ctx, session, actor, now: datetime, lot_id: int, note: str = "") -> PreDisclosure:
    """The transferor publishes the lot's pre-disclosure: its text rendered from the lot's facts (and the
    transferor's note), public at once; the formal disclosure may begin from ``formal_from`` on."""
    lot = get_lot(session, lot_id, for_update=True)
    require_tenderee(actor, lot.project)
    rule = "property.pre_disclosure"
    if not may_publish(lot):
        raise DomainError(N_("A pre-disclosure is published for a state property transfer accepted by the centre "
                             "(its entry certificate issued), before its formal disclosure."), field="lot", rule=rule)
    if pre_disclosure_of(session, lot) is not None:
        raise DomainError(N_("The pre-disclosure of this transfer is published already."), field="lot", rule=rule)
    in_force = rulebook.of_lot(ctx, session, lot)
    formal_from = property_disclosure.pre_disclosure_end(now, in_force)
    terms = lot.property_terms or {}
    approval = " ".join(part for part in (terms.get("price_approval_body", ""), terms.get("price_approval", ""))
                        if part)
    found = in_force[rule]
    title, text = property_disclosure.pre_disclosure_text(
        centre=ctx.centre_name(session), transferor=lot.project.tenderee.name, name=lot.name,
        deal_code=lot.deal_code or "", scope=lot.scope, location=lot.location,
        valuation=f"{lot.valuation:,.2f}元" if lot.valuation is not None else "", approval=approval,
        note=(note or "").strip()[:2000], published_on=calendar.local_date(now).isoformat(),
        formal_from=calendar.local_date(formal_from).isoformat(), rule_source=found.source, days=int(found.value),
        control_change=required(lot))
    row = PreDisclosure(lot_id=lot.id, round=lot.round, title=title[:300], text=text, published_by_id=actor.id,
                        published_at=now, formal_from=formal_from)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "property.pre_disclose", object_type="lot", object_id=lot.id, rule=rule,
                 payload={"pre_disclosure_id": row.id, "formal_from": formal_from, "control_change": required(lot)})
    return row


def check_formal(ctx, session, lot: Lot, in_force, now: datetime, listing_start: datetime) -> None:
    """At the formal announcement: refuse one published, or starting, before the pre-disclosure has run its working
    days, or a change of control with none (``property.pre_disclosure``)."""
    found = pre_disclosure_of(session, lot)
    property_disclosure.check_formal_start(in_force, control_change=required(lot),
                                           pre_published_at=found.published_at if found else None,
                                           listing_start=min(now, listing_start))


def recent(session, limit: int = 10) -> list[PreDisclosure]:
    """The latest pre-disclosures, newest first (the public announcements page lists them)."""
    return list(session.scalars(sa.select(PreDisclosure).order_by(PreDisclosure.published_at.desc()).limit(limit)))
