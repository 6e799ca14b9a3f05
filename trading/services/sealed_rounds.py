"""A state property lot's one sealed round (一次报价, ``domain.sealed_round``), through the platform's sealed-bid
machinery: the lot's opening key is made at its announcement (``keys.run_ceremony``), its qualified buyers submit
one envelope each through ``services.bids.submit`` (which asks ``check_may_seal`` here), the clock step closes the
round at its deadline and moves the lot to the opening (开标), the key holders release their shares as for a tender
(``services.opening``) and the opening decides at once (``decide``): the deal follows the property path
(``auction_results.conclude``: 成交确认书, the deposit into the price, refunds, result publicity, statistics), or the
lot fails (流拍) with every deposit refunded.

The round's deadline becomes the lot's bid deadline when the disclosure routes the lot to it (the application
deadline it replaces had passed with the disclosure; the announcement keeps it): the lifecycle's time conditions,
the opening's no-early-decryption check and the visibility policy then judge the round as they judge a tender.
Each opened price enters the lot's one sequence as an offer of phase ``sealed`` (accepted, or refused naming why),
so the price board shows the result by paddle number, as it shows a multi-round bidding's.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import auction as rules_of_auction, property_terms, sealed_round
from ..models import Auction, Bid, Lot, Offer
from . import audit, rulebook
from .auctions import auction_of, is_property, notify_board, paddle_of, paddles
from .lots import transition


def is_sealed_round(lot: Lot) -> bool:
    """Whether the lot is a property lot whose disclosure chose one sealed round."""
    return is_property(lot) and property_terms.takes_sealed_round(lot.project.trade_type, lot.property_terms)


def start(ctx, session, now: datetime, lot: Lot, state: Auction, qualified: list) -> list[str]:
    """The disclosure has ended with two or more qualified buyers: open the sealed round until its deadline
    (``property.sealed_period``), which becomes the lot's bid deadline and opening time."""
    closes = sealed_round.deadline(now, rulebook.of_lot(ctx, session, lot))
    lot.bid_deadline = lot.opening_at = closes
    state.phase, state.bidding_start, state.countdown_end = sealed_round.SEALED, now, closes
    for paddle in qualified:
        paddle.joined_at = now  # every qualified buyer may submit its one price
    transition(session, lot, "start_auction", None, "system", now, rule="property.sealed_round",
               payload={"form": property_terms.SEALED, "paddles": [p.number for p in qualified], "deadline": closes})
    return ["start_sealed_round"]


def _submitted(session, lot: Lot, bidder_id: int) -> bool:
    """Whether the bidder has submitted a sealed price in the lot's round (standing or not)."""
    return session.scalar(sa.select(Bid.id).where(Bid.lot_id == lot.id, Bid.round == lot.round,
                                                  Bid.bidder_id == bidder_id).limit(1)) is not None


def check_may_seal(session, actor, now: datetime, lot: Lot) -> None:
    """Refuse a sealed price from a buyer the centre did not qualify, outside the sealed round, while the supervisor
    has suspended it, after its deadline, or a second one (``domain.sealed_round.check_submission``)."""
    state = auction_of(session, lot)
    bidder_id = actor.organisation_id
    in_round = state is not None and state.phase == sealed_round.SEALED
    sealed_round.check_submission(qualified=paddle_of(session, lot, bidder_id) is not None,
                                  phase=state.phase if state is not None and lot.state == "auction" else None,
                                  already=_submitted(session, lot, bidder_id), deadline_at=lot.bid_deadline,
                                  now=now, suspended=in_round and lot.state == "suspended")


def standing(session, lot: Lot) -> int:
    """How many sealed prices stand for the round (told to nobody before the deadline: ``Fact.BIDDERS``)."""
    return session.scalar(sa.select(sa.func.count(Bid.id)).where(Bid.lot_id == lot.id, Bid.round == lot.round,
                                                                Bid.status == "submitted"))


def close(ctx, session, now: datetime, lot: Lot, state: Auction) -> list[str]:
    """At the round's deadline: with no sealed price, the lot fails (流拍) and every deposit is refunded; else it
    moves to the opening, where the key holders release their shares."""
    from .opening import tell

    if state.phase != sealed_round.SEALED or lot.state != "auction" or now < lot.bid_deadline:
        return []
    if not standing(session, lot):
        _fail(ctx, session, now, lot, state, sealed_round.NO_PRICE, "property.sealed_round")
        return ["fail"]
    transition(session, lot, "close_bidding", None, "system", now, rule="property.sealed_period",
               payload={"deadline": lot.bid_deadline})
    state.phase = "opening"
    tell(ctx, session, lot, "state")
    return ["close_bidding"]


def decide(ctx, session, now: datetime, lot: Lot) -> str:
    """Right after the opening record is written: every price in the lot's sequence (by paddle number, in the order
    received), then the deal to the highest valid price or the failure (``domain.sealed_round.decide``)."""
    from .auction_results import conclude
    from .opening import record

    state = auction_of(session, lot)
    if state is None or state.phase != "opening":
        return ""
    by_bidder = {p.bidder_id: p for p in paddles(session, lot)}
    received = dict(session.execute(sa.select(Bid.id, Bid.received_at).where(Bid.lot_id == lot.id,
                                                                             Bid.round == lot.round)).all())
    entries = [e for e in record(session, lot) if e.bidder_id in by_bidder]
    prices = [sealed_round.Price(by_bidder[e.bidder_id].number, e.price if e.status == "opened" else None,
                                 received[e.bid_id], e.position) for e in entries]
    found = sealed_round.decide(prices, lot.starting_price)
    rows = {}
    for entry, price in zip(entries, prices, strict=True):
        if price.amount is None:
            continue  # the opening record says why it was not read
        state.last_seq += 1
        rule = found.invalid.get(price.paddle)
        rows[price.paddle] = row = Offer(
            lot_id=lot.id, round=lot.round, seq=state.last_seq, paddle_id=by_bidder[entry.bidder_id].id,
            amount=price.amount, phase=sealed_round.SEALED, received_at=price.received_at, accepted=rule is None,
            reason="低于挂牌价，无效报价" if rule else "", rule=rule or "property.sealed_round")
        session.add(row)
    session.flush()
    audit.record(session, None, now, "property.sealed_result", object_type="lot", object_id=lot.id, rule=found.rule,
                 payload={"round": lot.round, "outcome": found.outcome, "listing_price": lot.starting_price,
                          "prices": [{"paddle": p.paddle, "amount": p.amount, "valid": p.paddle not in found.invalid,
                                      "rule": found.invalid.get(p.paddle)} for p in prices],
                          "winner": found.winner.paddle if found.winner else None})
    if found.outcome != sealed_round.DEAL:
        _fail(ctx, session, now, lot, state, found.outcome, found.rule)
        notify_board(ctx, session, lot, now)
        return "fail"
    row = rows[found.winner.paddle]
    winner = next(p for p in by_bidder.values() if p.number == found.winner.paddle)
    decision = rules_of_auction.Decision(rules_of_auction.DEAL, rules_of_auction.Offer(
        row.seq, winner.number, row.amount, row.received_at, sealed_round.SEALED), found.rule)
    state.phase, state.outcome, state.rule, state.decided_at = "decided", rules_of_auction.DEAL, found.rule, now
    state.winner_paddle_id, state.price = winner.id, row.amount
    conclude(ctx, session, now, lot, state, winner, decision)
    session.flush()
    notify_board(ctx, session, lot, now)
    return "deal"


def _fail(ctx, session, now: datetime, lot: Lot, state: Auction, outcome: str, rule: str) -> None:
    """No deal: the trade decided without a winner, the lot failed (流拍) naming the rule, every deposit refunded."""
    from .auction_results import refund_all

    state.phase, state.outcome, state.rule, state.decided_at = "decided", outcome, rule, now
    transition(session, lot, "fail", None, "system", now, rule=rule, payload={"outcome": outcome, "rule": rule})
    refund_all(ctx, session, now, lot, None, reason="未成交")
