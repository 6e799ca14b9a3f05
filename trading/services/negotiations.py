"""单一来源 (single source) after the opening of its one response: the tenderee's negotiators agree the price with
the supplier and record it (协商情况记录: date and place, negotiators, the supplier's costs and the prices of
comparable contracts, the price agreed and its justification; 采购法 Art. 39, 74号令 Art. 42) instead of a
committee's evaluation. Recording it publishes the result (成交结果公告) for the period of the rules in force; the
award (at the price agreed), the contract, the refunds and the archive then follow as for every lot."""

from __future__ import annotations

from datetime import datetime

from ..domain import calendar, methods
from ..domain.errors import N_, DomainError
from ..models import Lot, Negotiation
from . import audit, opening, result
from .lots import require_tenderee


def conclude(ctx, session, actor, now: datetime, lot: Lot, data: methods.Negotiation) -> Negotiation:
    """Record the negotiation with the one supplier and publish the result at the price agreed; every check comes
    before anything is written (``methods.check_negotiation``)."""
    require_tenderee(actor, lot.project)
    if lot.method != methods.SINGLE_SOURCE:
        raise DomainError(N_("Only a single-source lot is concluded by a negotiation record."), field="lot",
                          rule=methods.RECORD_RULE)
    if lot.state != "opening" or not opening.is_opened(session, lot):
        raise DomainError(N_("The negotiation is recorded once the supplier's response has been opened."),
                          field="lot", rule=methods.RECORD_RULE)
    if result.negotiation_of(session, lot) is not None:
        raise DomainError(N_("The negotiation of this round is already recorded."), field="lot",
                          rule=methods.RECORD_RULE)
    opened = [e for e in opening.record(session, lot) if e.status == "opened"]
    if len(opened) == 1 and opened[0].price is None:
        raise DomainError(N_("The supplier's price could not be read at the opening."), field="price",
                          rule=methods.PRICE_RULE)
    entry = opened[0] if opened else None
    price = methods.check_negotiation(data, opened=len(opened), quoted=entry.price if entry else None,
                                      budget=lot.budget, opened_on=calendar.local_date(lot.bid_deadline),
                                      today=calendar.local_date(now))
    row = Negotiation(lot_id=lot.id, round=lot.round, bid_id=entry.bid_id, bidder_id=entry.bidder_id,
                      negotiated_on=data.negotiated_on, place=data.place.strip()[:200],
                      negotiators=methods.negotiators(data.negotiators)[:20], cost_note=data.cost_note.strip()[:5000],
                      quoted=entry.price, price=price, justification=data.justification.strip()[:5000],
                      recorded_by_id=actor.id, recorded_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "negotiation.record", object_type="lot", object_id=lot.id,
                 rule=methods.RECORD_RULE,
                 payload={"negotiation_id": row.id, "bid_id": row.bid_id, "quoted": row.quoted, "price": price,
                          "negotiated_on": row.negotiated_on.isoformat(), "negotiators": row.negotiators})
    candidate = {"rank": 1, "bid_id": entry.bid_id, "bidder_id": entry.bidder_id, "name": entry.bidder.name,
                 "label": "", "price": str(price), "total": None}
    result.publish_candidates(ctx, session, actor, "tenderee", now, lot, [candidate], "conclude_negotiation")
    return row
