"""The clock's part in a live land or property trade and its end (``services.auctions``): the step that ends the
listing, opens the window to join the online bidding, starts the bidding and ends it on its countdown; the decision
on the revealed reserve; the deal (成交确认书 signed by the platform, the winner's deposit into the price, the others
refunds ordered, the deal into the statistics) or the failure (流拍, every deposit's refund ordered; a property
lot's deposits refunded at once).

``step`` is idempotent: it looks at the lot's phase and the time and moves at most as far as ``now`` allows; the
chronograph calls it under the lot's row lock (``SELECT ... FOR UPDATE SKIP LOCKED``), so two tickers never decide
a lot twice. A property lot's disclosure ends in ``services.property_trades.end_disclosure`` (routed by its
qualified buyers); its bidding and its decision then follow the land's, under its own rules.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import sqlalchemy as sa

from ..domain import auction as rules_of_auction, calendar
from ..models import Auction, Lot, Paddle, Project
from . import audit, deals, deposits, rulebook
from .auctions import (
    LIVE_METHODS,
    LIVE_TRADE_TYPES,
    auction_of,
    deposits_of,
    is_live,
    notify_board,
    offers,
    paddles,
    rule,
    terms,
)
from .lots import transition


def due(session, now: datetime):
    """Select of the ids of live lots whose trade may move at ``now`` (the chronograph locks and steps them)."""
    ending = sa.and_(Lot.state == "listing", Lot.listing_end <= now,
                     sa.or_(Auction.id.is_(None), Auction.phase.in_(["listing", "confirming", "qualifying"])))
    bidding = sa.and_(Lot.state == "auction", Auction.phase.in_(["bidding", "sealed"]), Auction.countdown_end <= now)
    live = sa.select(Project.id).where(Project.trade_type.in_(LIVE_TRADE_TYPES))
    return (sa.select(Lot.id).outerjoin(Auction, sa.and_(Auction.lot_id == Lot.id, Auction.round == Lot.round))
            .where(Lot.method.in_(LIVE_METHODS), Lot.project_id.in_(live), sa.or_(ending, bidding)))


def step(ctx, session, now: datetime, lot: Lot) -> list[str]:
    """Move the lot's live trade as far as ``now`` allows; returns the actions taken (for the chronograph)."""
    if not is_live(lot) or lot.state not in ("listing", "auction"):
        return []
    state = auction_of(session, lot, create=True)
    found = terms(ctx, session, lot)
    done: list[str] = []
    if lot.project.trade_type == "property":
        from .property_trades import end_disclosure

        done += end_disclosure(ctx, session, now, lot, state)
    elif state.phase == "listing" and now >= found.listing_end:
        accepted = rules_of_auction_views(session, lot)
        eligible = {o.paddle for o in accepted}
        state.phase = "confirming" if len(eligible) > 1 else "deciding"
        audit.record(session, None, now, "auction.listing_ended", object_type="lot", object_id=lot.id,
                     rule="land.listing_end", payload={"offers": len(accepted), "eligible": len(eligible)})
        done.append("end_listing")
    if state.phase == "confirming" and now >= found.confirmation_end:
        joined = [p for p in paddles(session, lot) if p.joined_at is not None]
        if joined:
            state.phase = "bidding"
            state.countdown_end = found.confirmation_end + found.countdown
            transition(session, lot, "start_auction", None, "system", now,
                       payload={"joined": [p.number for p in joined], "countdown_end": state.countdown_end})
            done.append("start_auction")
        else:
            state.phase = "deciding"
    if state.phase == "sealed":  # a property lot's one sealed round (its deadline is its countdown's end)
        from .sealed_rounds import close

        done += close(ctx, session, now, lot, state)
    if state.phase == "bidding" and state.countdown_end is not None and now >= state.countdown_end:
        state.phase = "deciding"
        audit.record(session, None, now, "auction.countdown_ended", object_type="lot", object_id=lot.id,
                     rule=found.rule("countdown"), payload={"countdown_end": state.countdown_end})
        done.append("end_bidding")
    if state.phase == "deciding":
        if state.reserve_commitment is not None and state.reserve is None:
            state.phase = "awaiting_reserve"
            done.append("await_reserve")
        else:
            done.append(decide(ctx, session, now, lot, state))
    session.flush()
    if done:
        notify_board(ctx, session, lot, now)
    return done


def rules_of_auction_views(session, lot: Lot) -> list[rules_of_auction.Offer]:
    """The accepted offers as the domain reads them."""
    return [rules_of_auction.Offer(o.seq, o.paddle.number, o.amount, o.received_at, o.phase)
            for o in offers(session, lot)]


def decide(ctx, session, now: datetime, lot: Lot, state: Auction) -> str:
    """Decide the trade on the accepted offers and the revealed reserve: the deal, or 流拍."""
    accepted = rules_of_auction_views(session, lot)
    decision = rules_of_auction.decide(accepted, state.reserve, lot.project.trade_type)
    outcome = decision.outcome
    if outcome == rules_of_auction.NO_OFFER and not paddles(session, lot):
        outcome = rules_of_auction.NO_BIDDER
        if lot.project.trade_type == "property":
            decision = rules_of_auction.Decision(outcome, None, "property.no_buyer_revalue")
    state.phase, state.outcome, state.rule, state.decided_at = "decided", outcome, decision.rule, now
    if outcome == rules_of_auction.DEAL:
        winner = session.scalar(sa.select(Paddle).where(Paddle.lot_id == lot.id, Paddle.round == lot.round,
                                                        Paddle.number == decision.winner.paddle))
        state.winner_paddle_id, state.price = winner.id, decision.winner.amount
        conclude(ctx, session, now, lot, state, winner, decision)
        return "deal"
    fail_rule = {("land", True): "land.reserve_price", ("land", False): "land.listing_end",
                 ("property", True): "property.competitive_bidding",
                 ("property", False): "property.no_buyer_revalue"}[(lot.project.trade_type, lot.state == "auction")]
    transition(session, lot, "fail", None, "system", now, rule=fail_rule,
               payload={"outcome": outcome, "rule": decision.rule})
    refund_all(ctx, session, now, lot, None, reason="流拍，退还竞买保证金" if lot.project.trade_type == "land"
                else "未成交")
    return "fail"


def conclude(ctx, session, now: datetime, lot: Lot, state: Auction, winner: Paddle,
             decision: rules_of_auction.Decision) -> None:
    """The deal: the lot's result is public, the signed 成交确认书, the winner's deposit into the price, the other
    deposits refunded, and the deal in the statistics at once."""
    action = "close_listing" if lot.state == "listing" else "close_auction"  # (a sealed round closes at its opening)
    closing = {("land", "close_auction"): "land.reserve_price", ("land", "close_listing"): "land.listing_end",
               ("property", "close_auction"): "property.competitive_bidding",
               ("property", "close_listing"): "property.agreement_price"}[(lot.project.trade_type, action)]
    if lot.state == "opening":  # one sealed round (services.sealed_rounds): the rule that decided
        closing = decision.rule
    transition(session, lot, action, None, "system", now, rule=closing,
               payload={"paddle": winner.number, "bidder_id": winner.bidder_id, "price": state.price,
                        "seq": decision.winner.seq, "decided_by": decision.rule})
    if lot.project.trade_type == "property":  # the result publicity of the lot's terms (property.result_publicity)
        lot.publicity_end = publicity_end(ctx, session, lot, now)
    else:  # the land contract is due within land.contract_deadline (services.land_contracts)
        from .land_contracts import contract_due

        state.contract_due = contract_due(ctx, session, lot, now)
    state.confirmation = rules_of_auction.sign_confirmation(confirmation_fields(lot, state, winner, decision, now),
                                                            ctx.keyring.platform.signing_key)
    for deposit in deposits_of(session, lot):
        if deposit.bidder_id == winner.bidder_id and deposit.status == "paid":
            deposit.status = "applied"
            audit.record(session, None, now, "deposit.applied", object_type="lot", object_id=lot.id,
                         rule=rule(lot, "deposit_to_price"),
                         payload={"deposit_id": deposit.id, "amount": deposit.received, "bidder_id": deposit.bidder_id})
    refund_all(ctx, session, now, lot, winner.bidder_id,
                reason="未竞得" if lot.project.trade_type == "land" else "未受让")
    deals.record_deal(session, now, lot, state.price, now)


def confirmation_fields(lot: Lot, state: Auction, winner: Paddle, decision: rules_of_auction.Decision,
                        now: datetime) -> dict:
    """What the 成交确认书 states, as plain JSON values (the platform signs exactly these)."""
    premium = state.price - lot.starting_price
    terms = lot.property_terms or {}
    return {
        "trade_type": lot.project.trade_type, "asset": terms.get("asset") or None,
        "lease_years": terms.get("lease_years"),
        "deal_code": lot.deal_code or "", "lot": lot.name, "project": lot.project.name,
        "land_authority": lot.project.tenderee.name, "winner": winner.bidder.name, "paddle": winner.number,
        "price": f"{state.price:.2f}", "starting_price": f"{lot.starting_price:.2f}", "premium": f"{premium:.2f}",
        "offer_seq": decision.winner.seq, "offer_at": decision.winner.at.isoformat(), "phase": decision.winner.phase,
        "reserve": None if state.reserve is None else f"{state.reserve:.2f}", "rule": decision.rule,
        "decided_at": now.isoformat(), "decided_on": calendar.local_date(now).isoformat(),
        # land: the last day to sign the land contract (39号令 Art. 20: the 成交确认书 states when it is signed)
        "contract_by": None if state.contract_due is None
        else rules_of_auction.contract_last_day(state.contract_due).isoformat(),
    }


def refund_due(ctx, session, lot: Lot, now: datetime) -> datetime:
    """When a deposit refunded at ``now`` is due at the latest (``land.deposit_refund``,
    ``property.deposit_refund``)."""
    from .result import period_end

    return period_end(now, rulebook.of_lot(ctx, session, lot)[rule(lot, "deposit_refund")])


def publicity_end(ctx, session, lot: Lot, now: datetime) -> datetime:
    """The end of a property deal's result publicity: the working days its terms fixed (at least
    ``property.result_publicity``), from the day of the deal."""
    from .result import period_end

    found = rulebook.of_lot(ctx, session, lot)["property.result_publicity"]
    days = max(int(found.value), int((lot.property_terms or {}).get("result_publicity_days") or 0))
    return period_end(now, dataclasses.replace(found, value=days))


def refund_all(ctx, session, now: datetime, lot: Lot, keep_bidder: int | None, *, reason: str) -> None:
    """Every deposit of the round but the winner's goes back, due within the trade type's working days: a land
    deposit's refund is ordered with its due date and made by the centre's staff (``land_refunds``; overdue on the
    dashboard after it, no interest: 39号令 第二十一条); a property deposit is refunded at once, with interest."""
    due_at = refund_due(ctx, session, lot, now)
    for deposit in deposits_of(session, lot):
        if deposit.bidder_id == keep_bidder or deposit.status not in ("paid", "short"):
            continue
        if lot.project.trade_type == "land":
            deposits.order_refund(session, None, now, deposit, reason=reason, due=due_at,
                                  rule=rule(lot, "deposit_refund"))
        else:
            deposits.refund(ctx, session, None, now, deposit, reason=reason, due=due_at,
                            rule=rule(lot, "deposit_refund"))


def release_on_cancel(ctx, session, now: datetime, lot: Lot) -> None:
    """A land or property lot cancelled (终止) in its trade: every deposit of the round it still holds goes back as at
    a failure; a winner's deposit already applied to a price not yet contracted goes back too, and the deal leaves
    the statistics. Deposits applied under a contract, forfeited or refunded are left as they are (each once)."""
    if not is_live(lot):
        return
    from .land_contracts import contract_of

    if contract_of(session, lot) is None:
        for deposit in deposits_of(session, lot):
            if deposit.status == "applied":
                deposit.status = "paid"  # the deal is cancelled before its contract: the deposit is the bidder's again
        deals.withdraw_deal(session, lot)
    refund_all(ctx, session, now, lot, None, reason="终止出让" if lot.project.trade_type == "land" else "终止交易")

