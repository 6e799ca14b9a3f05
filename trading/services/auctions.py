"""A land or state property lot traded live (issue 18): paddle numbers (竞买号) for qualified bidders, listing offers
(挂牌报价) and the online time-limited bidding (网上限时竞价) in one per-lot sequence under the lot's row lock, the
reserve price sealed by the land authority and revealed after the end, and the clock step that ends the listing,
opens the window to join the bidding, ends the bidding on its countdown and decides (``domain.auction``).

Qualification is the platform's own check, as online land systems make it: a bidder signed up for the lot whose
deposit (竞买保证金) arrived in full through its sub-account before the application deadline is qualified and given a
random 竞买号. Bidders and watchers see one another only by 竞买号 until the result is out (``domain.visibility``).

The reserve (底价) is sealed as a salted SHA-256 commitment: the land authority's browser computes it and keeps the
price and salt on a slip it prints; the platform stores the commitment alone, so nobody, the centre included, can
read the reserve before the end. After the listing ends the land authority reveals price and salt under the
supervisor's eye; the platform checks them against the commitment; the decision waits for the reveal.

Every offer, accepted or refused, takes the next number of the lot's sequence and is written to the audit chain; a
refused offer is kept (``Offer.accepted`` False with its reason), so ``place_offer`` returns it instead of raising.
The deal (``conclude``) issues the signed 成交确认书, turns the winner's deposit into part of the price, refunds the
others with interest, and writes the deal into the statistics at once (``services.deals``); no deal (no bidder, no
offer, a top offer below the reserve) fails the lot (流拍) and refunds every deposit.

A property lot (企业国有资产交易, 32号令) takes the same path with its own rules and three differences
(``services.property_trades``): the centre's staff qualify its intending buyers one by one instead of the deposit
alone; it takes no offer during its disclosure; and at the disclosure's end its qualified buyers, if two or more,
all bid online (no window to join, no sealed reserve: its listing price is public and is the floor).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from .. import live
from ..domain import auction as rules_of_auction, calendar, money, property_terms
from ..domain.errors import N_, DomainError, Forbidden
from ..models import Auction, Deposit, Lot, Offer, Paddle
from . import audit, deposits, rulebook
from .lots import get_lot, require_tenderee
from .registrations import registration_of

LIVE_METHODS = ("listing",)  # the methods traded live here
LIVE_TRADE_TYPES = ("land", "property")
PHASES = ("listing", "confirming", "bidding", "awaiting_reserve", "decided")


def notify_board(ctx, session, lot: Lot, now: datetime) -> None:
    """Tell the watchers of the lot's price board that it changed (an offer accepted, its phase or state moved),
    once ``session`` commits (``live.notify_board``: Server-Sent Events on ``lot:<id>:board``). The event carries the
    board's public figures (``board_event``: a subset of what board.json shows any reader), so a watching page
    redraws without reading board.json; it reads board.json for its first render and after a ``reset``."""
    live.notify_board(ctx, lot, "board", board_event(ctx, session, lot, now), session=session)


def is_live(lot: Lot) -> bool:
    """Whether the lot is traded by listing offers and online bidding on this platform."""
    return lot.project.trade_type in LIVE_TRADE_TYPES and lot.method in LIVE_METHODS


def is_property(lot: Lot) -> bool:
    """Whether the lot is a state property (or collective asset) lot traded live."""
    return is_live(lot) and lot.project.trade_type == "property"


def rule(lot: Lot, name: str) -> str:
    """The rule a check ``name`` names for the lot's trade type (``domain.auction.RULE_IDS``)."""
    return rules_of_auction.rule_of(lot.project.trade_type, name)


def _require_live(lot: Lot) -> None:
    if not is_live(lot):
        raise DomainError(N_("This lot is not traded by listing offers."), field="lot",
                          rule=f"{lot.project.trade_type}.methods")


def _require_land(lot: Lot, field: str) -> None:
    """Refuse a land-only step (the window to join, the sealed reserve) on a property lot."""
    if is_property(lot):
        raise DomainError(N_("A property lot has no window to join and no sealed reserve: every qualified buyer "
                             "bids, and the public listing price is the floor."), field=field,
                          rule="property.competitive_bidding")


def auction_of(session, lot: Lot, *, create: bool = False) -> Auction | None:
    """The live trade of the lot's current round (created on first use when ``create``)."""
    row = session.scalar(sa.select(Auction).where(Auction.lot_id == lot.id, Auction.round == lot.round)
                         .execution_options(populate_existing=True))  # read afresh under the lot's lock
    if row is None and create:
        row = Auction(lot_id=lot.id, round=lot.round, phase="listing", last_seq=0)
        session.add(row)
        session.flush()
    return row


def terms(ctx, session, lot: Lot) -> rules_of_auction.Terms:
    """The lot's listing terms under the rules it was announced with (a property lot's with its bidding's start)."""
    state = auction_of(session, lot) if lot.project.trade_type == "property" else None
    return rules_of_auction.Terms.of(starting_price=lot.starting_price, increment=lot.increment,
                                     listing_start=lot.listing_start, listing_end=lot.listing_end,
                                     rules=rulebook.of_lot(ctx, session, lot), trade_type=lot.project.trade_type,
                                     bidding_start=state.bidding_start if state else None)


def paddles(session, lot: Lot) -> list[Paddle]:
    """The paddle numbers issued for the lot's current round, by number."""
    return list(session.scalars(sa.select(Paddle).where(Paddle.lot_id == lot.id, Paddle.round == lot.round)
                                .order_by(Paddle.number)))


def paddle_of(session, lot: Lot, bidder_id: int | None) -> Paddle | None:
    """The bidder's paddle for the lot's current round."""
    if bidder_id is None:
        return None
    return session.scalar(sa.select(Paddle).where(Paddle.lot_id == lot.id, Paddle.round == lot.round,
                                                  Paddle.bidder_id == bidder_id))


def offers(session, lot: Lot, *, accepted_only: bool = True) -> list[Offer]:
    """The offers of the lot's current round in sequence order (accepted ones only, unless asked)."""
    query = sa.select(Offer).where(Offer.lot_id == lot.id, Offer.round == lot.round)
    if accepted_only:
        query = query.where(Offer.accepted)
    return list(session.scalars(query.order_by(Offer.seq)))


def _views(rows: list[Offer]) -> list[rules_of_auction.Offer]:
    return [rules_of_auction.Offer(o.seq, o.paddle.number, o.amount, o.received_at, o.phase) for o in rows]


def accepted_views(session, lot: Lot) -> list[rules_of_auction.Offer]:
    """The accepted offers of the lot's current round in sequence order, as the rules see them: read as plain
    columns, not as ORM objects with their paddles (each offer and each board read goes through every accepted offer
    of the lot, which runs to thousands in a busy listing)."""
    rows = session.execute(
        sa.select(Offer.seq, Paddle.number, Offer.amount, Offer.received_at, Offer.phase)
        .join(Paddle, Paddle.id == Offer.paddle_id)
        .where(Offer.lot_id == lot.id, Offer.round == lot.round, Offer.accepted)
        .order_by(Offer.seq))
    return [rules_of_auction.Offer(*row) for row in rows]


def _checked_views(session, lot: Lot) -> list[rules_of_auction.Offer]:
    """The accepted offers an offer's checks read, in sequence order: the highest (the grid above it, the paddle
    that holds it: the earliest of equal ones) and the newest of the online bidding (the countdown restarts from
    it), each read by a one-row query instead of the whole sequence (the check runs under the lot's row lock, once
    per offer). ``rules_of_auction.highest`` and ``countdown_end`` give on these what they give on all of them."""
    query = (sa.select(Offer.seq, Paddle.number, Offer.amount, Offer.received_at, Offer.phase)
             .join(Paddle, Paddle.id == Offer.paddle_id)
             .where(Offer.lot_id == lot.id, Offer.round == lot.round, Offer.accepted))
    top = session.execute(query.order_by(Offer.amount.desc(), Offer.seq).limit(1)).first()
    newest = session.execute(query.where(Offer.phase == rules_of_auction.BIDDING)
                             .order_by(Offer.seq.desc()).limit(1)).first()
    found = {row.seq: rules_of_auction.Offer(*row) for row in (top, newest) if row is not None}
    return [found[seq] for seq in sorted(found)]


def qualify(ctx, session, actor, now: datetime, lot: Lot) -> Paddle:
    """Qualify the actor's company for the lot and issue its 竞买号: signed up, deposit in full, before the
    application deadline (the lot's bid deadline)."""
    _require_live(lot)
    if actor is None or not actor.has_role("bidder"):
        raise Forbidden(N_("Only bidder companies take part in a listing."), field="lot")
    if is_property(lot):
        raise DomainError(N_("The centre checks each intending buyer against the conditions: your paddle number is "
                             "issued when it qualifies you."), field="lot", rule="property.qualification")
    registration = registration_of(session, lot, actor.organisation_id)
    if registration is None:
        raise DomainError(N_("Sign up for the lot first."), field="lot", rule="land.paddle_numbers")
    found = paddle_of(session, lot, actor.organisation_id)
    if found is not None:
        return found
    if lot.state not in ("announced", "listing") or lot.bid_deadline is None or now >= lot.bid_deadline:
        raise DomainError(N_("Applications closed at the application deadline."), field="lot",
                          rule="land.paddle_numbers")
    if not deposits.is_covered(session, lot, actor.organisation_id):
        raise DomainError(N_("The deposit has not arrived in full: the paddle number is issued once it has."),
                          field="deposit", rule="land.paddle_numbers")
    row = issue_paddle(session, lot, registration.id, actor.organisation_id, now)
    audit.record(session, actor, now, "auction.qualify", object_type="lot", object_id=lot.id,
                 rule="land.paddle_numbers", payload={"bidder_id": actor.organisation_id, "paddle": row.number,
                                                      "round": lot.round})
    return row


def issue_paddle(session, lot: Lot, registration_id: int, bidder_id: int, now: datetime) -> Paddle:
    """A random paddle number (竞买号) of the lot's round for a qualified registration (the caller audits it)."""
    taken = set(session.scalars(sa.select(Paddle.number).where(Paddle.lot_id == lot.id, Paddle.round == lot.round)))
    low = 100 if len(taken) < 450 else 1000  # three random digits, four for a crowded lot (never runs out)
    number = next(n for n in iter(lambda: f"{low + secrets.randbelow(9 * low)}", None) if n not in taken)
    row = Paddle(lot_id=lot.id, round=lot.round, registration_id=registration_id, bidder_id=bidder_id,
                 number=number, issued_at=now)
    session.add(row)
    session.flush()
    return row


def place_offer(ctx, session, actor, now: datetime, lot_id: int, amount_text) -> Offer:
    """Take one offer from the actor's paddle under the lot's row lock: the next number of the lot's sequence,
    accepted if it is on the grid above the highest and in time, else kept as refused with its reason (the caller
    commits either way). Refuses (raises) only an actor without a paddle for the lot."""
    lot = get_lot(session, lot_id, for_update=True)
    _require_live(lot)
    paddle = paddle_of(session, lot, getattr(actor, "organisation_id", None))
    if paddle is None or not actor.has_role("bidder"):
        raise Forbidden(N_("Only a qualified bidder with a paddle number may offer."), field="amount",
                        rule=rule(lot, "paddle_numbers"))
    state = auction_of(session, lot, create=True)
    state.last_seq += 1
    phase = rules_of_auction.BIDDING if state.phase == "bidding" else rules_of_auction.LISTING
    row = Offer(lot_id=lot.id, round=lot.round, seq=state.last_seq, paddle_id=paddle.id, amount=Decimal("0"),
                phase=phase, received_at=now, accepted=False)
    try:
        row.amount = money.parse_yuan(amount_text, "amount")
        _check_offer(ctx, session, lot, state, paddle, row.amount, now)
        row.accepted = True
        if phase == rules_of_auction.BIDDING:
            state.countdown_end = now + terms(ctx, session, lot).countdown
    except DomainError as error:
        row.reason, row.rule = error.render(), error.rule
        row.error = error  # not stored: the view shows the refusal translated
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "auction.offer", object_type="lot", object_id=lot.id,
                 rule=row.rule or rule(lot, "increments"),
                 payload={"seq": row.seq, "paddle": paddle.number, "bidder_id": paddle.bidder_id,
                          "amount": row.amount, "phase": phase, "accepted": row.accepted, "reason": row.reason})
    if row.accepted:
        notify_board(ctx, session, lot, now)
    return row


def _check_offer(ctx, session, lot: Lot, state: Auction, paddle: Paddle, amount: Decimal, now: datetime) -> None:
    """Refuse an offer out of time, from a paddle that may not offer now, or off the grid."""
    found = terms(ctx, session, lot)
    accepted = _checked_views(session, lot)
    if state.phase == "bidding" and lot.state == "auction":
        if paddle.joined_at is None:
            raise DomainError(N_("Only bidders who confirmed they join may offer in the online bidding."),
                              field="amount", rule="land.online_bidding")
        rules_of_auction.check_bidding_time(found, accepted, now)
    elif state.phase == "sealed":
        raise DomainError(N_("This lot takes one sealed price from each qualified buyer, on its bid page, not offers "
                             "on the board."), field="amount", rule="property.sealed_round")
    elif is_property(lot) and lot.state in ("announced", "listing"):
        raise DomainError(N_("No offers are taken during the disclosure: if two or more buyers qualify, they bid "
                             "online once it ends."), field="amount", rule="property.competitive_bidding")
    elif state.phase == "listing" and lot.state in ("announced", "listing"):
        rules_of_auction.check_listing_time(found, now)
        if lot.state == "announced":  # its start has come but the clock step has not opened the listing yet
            raise DomainError(N_("The listing opens at %(start)s; offers are taken from then."), field="amount",
                              rule=found.rule("increments"), start=_shown(found.listing_start))
    else:
        end = state.countdown_end or found.listing_end
        raise DomainError(N_("Your offer arrived at %(arrived)s, after the offers closed at %(end)s."),
                          field="amount", rule=found.rule("countdown" if state.countdown_end else "listing_end"),
                          arrived=_shown(now), end=_shown(end))
    rules_of_auction.check_not_own_highest(accepted, paddle.number, found.rule("own_highest"))
    top = rules_of_auction.highest(accepted)
    rules_of_auction.check_amount(found, amount, top.amount if top else None)


def _shown(moment: datetime) -> str:
    return calendar.to_local(moment).strftime("%Y-%m-%d %H:%M:%S")


def join(ctx, session, actor, now: datetime, lot_id: int) -> Paddle:
    """The actor's company confirms it joins the online bidding (within the window after the listing's end)."""
    lot = get_lot(session, lot_id, for_update=True)
    _require_live(lot)
    _require_land(lot, "paddle")
    paddle = paddle_of(session, lot, getattr(actor, "organisation_id", None))
    if paddle is None:
        raise Forbidden(N_("Only a qualified bidder with a paddle number may join."), field="paddle",
                        rule="land.paddle_numbers")
    state = auction_of(session, lot, create=True)
    if state.phase not in ("listing", "confirming"):
        raise DomainError(N_("The window to join the online bidding is closed."), field="paddle",
                          rule="land.confirmation_window")
    rules_of_auction.check_join(terms(ctx, session, lot), accepted_views(session, lot), paddle.number, now)
    if paddle.joined_at is None:
        paddle.joined_at = now
        session.flush()
        audit.record(session, actor, now, "auction.join", object_type="lot", object_id=lot.id,
                     rule="land.confirmation_window", payload={"paddle": paddle.number, "bidder_id": paddle.bidder_id})
    return paddle


def set_reserve(ctx, session, actor, now: datetime, lot: Lot, commitment: str) -> Auction:
    """The land authority seals its reserve price (the commitment its browser computed) before the deadline; a
    second one before the deadline replaces the first (both in the audit chain)."""
    _require_live(lot)
    _require_land(lot, "commitment")
    require_tenderee(actor, lot.project)
    if lot.state not in ("announced", "listing"):
        raise DomainError(N_("The reserve price is set before the listing ends."), field="commitment",
                          rule="land.reserve_lead")
    rules_of_auction.check_reserve_time(terms(ctx, session, lot), now)
    state = auction_of(session, lot, create=True)
    state.reserve_commitment = rules_of_auction.check_commitment(commitment)
    state.reserve_set_at, state.reserve_set_by_id = now, actor.id
    session.flush()
    audit.record(session, actor, now, "auction.reserve_sealed", object_type="lot", object_id=lot.id,
                 rule="land.reserve_lead", payload={"commitment": state.reserve_commitment, "round": lot.round})
    return state


def reveal_reserve(ctx, session, actor, now: datetime, lot_id: int, amount_text, salt: str) -> Auction:
    """The land authority reveals the sealed reserve after the listing ends; the platform checks it against the
    commitment and, if the decision was waiting for it, decides."""
    lot = get_lot(session, lot_id, for_update=True)
    _require_live(lot)
    _require_land(lot, "amount")
    require_tenderee(actor, lot.project)
    state = auction_of(session, lot)
    if state is None or state.reserve_commitment is None:
        raise DomainError(N_("No reserve price was sealed for this lot."), field="amount", rule="land.reserve_price")
    if state.reserve is not None:
        raise DomainError(N_("The reserve price has been revealed already."), field="amount",
                          rule="land.reserve_price")
    if lot.listing_end is None or now < lot.listing_end:
        raise DomainError(N_("The reserve price stays sealed until the listing ends."), field="amount",
                          rule="land.reserve_price")
    amount = money.parse_yuan(amount_text, "amount")
    state.reserve = rules_of_auction.check_reveal(state.reserve_commitment, commitment_code(lot), amount, salt)
    state.reserve_revealed_at = now
    session.flush()
    audit.record(session, actor, now, "auction.reserve_revealed", object_type="lot", object_id=lot.id,
                 rule="land.reserve_price", payload={"reserve": state.reserve, "round": lot.round})
    if state.phase == "awaiting_reserve":
        from .auction_results import decide

        decide(ctx, session, now, lot, state)
        session.flush()
        notify_board(ctx, session, lot, now)
    return state


def commitment_code(lot: Lot) -> str:
    """The lot code the reserve's commitment is bound to (its deal code)."""
    return lot.deal_code or str(lot.id)


def _phase_and_end(ctx, session, lot: Lot, state: Auction | None):
    """The board's phase, the lot's terms (None before they are set) and when the current phase ends."""
    found = terms(ctx, session, lot) if lot.increment and lot.starting_price and lot.listing_end else None
    phase = state.phase if state else ("listing" if lot.state in ("announced", "listing") else lot.state)
    ends = None
    if found is not None:
        ends = {"listing": found.listing_end, "confirming": found.confirmation_end}.get(phase)
        if phase in ("bidding", "sealed"):  # the countdown's end; a sealed round's deadline
            ends = state.countdown_end
    return phase, found, ends


def _offer_view(offer: Offer) -> dict:
    """An accepted offer as the board shows it: sequence, paddle number, amount, phase and time (never a name)."""
    return {"seq": offer.seq, "paddle": offer.paddle.number, "amount": _text(offer.amount), "phase": offer.phase,
            "at": _iso(offer.received_at)}


# What a board event carries: the board's public figures, each the same as board.json's, and the newest accepted
# offer (board.json's first offer), with the platform's time for the countdown. Nothing board.json does not show.
EVENT_FIELDS = ("lot", "state", "phase", "round", "current_price", "current_paddle", "next_minimum", "ends_at",
                "outcome", "price", "winner_paddle", "now")


def board_event(ctx, session, lot: Lot, now: datetime) -> dict:
    """The board's public figures for its live event (``EVENT_FIELDS`` and ``offer``), read with two one-row queries
    instead of the whole sequence (it runs under the lot's lock with every accepted offer)."""
    state = auction_of(session, lot)
    phase, found, ends = _phase_and_end(ctx, session, lot, state)
    accepted = sa.select(Offer).where(Offer.lot_id == lot.id, Offer.round == lot.round, Offer.accepted)
    top = session.scalar(accepted.order_by(Offer.amount.desc(), Offer.seq).limit(1))
    newest = session.scalar(accepted.order_by(Offer.seq.desc()).limit(1))
    decided = state is not None and state.phase == "decided"
    return {
        "lot": lot.id, "state": lot.state, "phase": phase, "round": lot.round,
        "current_price": _text(top.amount) if top else None, "current_paddle": top.paddle.number if top else None,
        "next_minimum": _text(rules_of_auction.minimum(found, top.amount if top else None)) if found else None,
        "ends_at": _iso(ends), "outcome": state.outcome if decided else None,
        "price": _text(state.price) if state and state.price is not None else None,
        "winner_paddle": state.winner.number if state and state.winner else None, "now": _iso(now),
        "offer": _offer_view(newest) if newest else None,
    }


def board(ctx, session, lot: Lot, now: datetime) -> dict:
    """The price board (挂牌价格表) as everyone watching sees it: phase, current price, the next valid offer, the
    countdown, and every accepted offer by paddle number and time (never a name). JSON-ready."""
    state = auction_of(session, lot)
    accepted = accepted_views(session, lot)
    top = rules_of_auction.highest(accepted)
    phase, found, ends = _phase_and_end(ctx, session, lot, state)
    return {
        "lot": lot.id, "state": lot.state, "phase": phase, "round": lot.round, "trade_type": lot.project.trade_type,
        "starting_price": _text(lot.starting_price), "increment": _text(lot.increment),
        "current_price": _text(top.amount) if top else None, "current_paddle": top.paddle if top else None,
        "next_minimum": _text(rules_of_auction.minimum(found, top.amount if top else None)) if found else None,
        "listing_start": _iso(lot.listing_start), "listing_end": _iso(lot.listing_end),
        "ends_at": _iso(ends), "seconds_left": max(0, int((ends - now).total_seconds())) if ends else None,
        "now": _iso(now),
        "offers": [{"seq": o.seq, "paddle": o.paddle, "amount": _text(o.amount), "phase": o.phase, "at": _iso(o.at)}
                   for o in reversed(accepted)],  # as _offer_view shows each
        "outcome": state.outcome if state and state.phase == "decided" else None,
        "price": _text(state.price) if state and state.price is not None else None,
        "winner_paddle": state.winner.number if state and state.winner else None,
        # why the deal is void: the lapse as a recorded message, a refusal as staff typed it
        "void_reason": state.void_message if state and state.outcome == "void" else None,
        "reserve_sealed": bool(state and state.reserve_commitment),
        "bidding_start": _iso(state.bidding_start) if state else None,
        "bidding_form": property_terms.bidding_form(lot.property_terms) if lot.project.trade_type == "property"
        else None,
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def deposits_of(session, lot: Lot) -> list[Deposit]:
    """The deposits of the lot's current round."""
    return list(session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id, Deposit.round == lot.round)
                                .order_by(Deposit.id)))
