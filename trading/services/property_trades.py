"""A state property lot (企业国有资产交易, 32号令) or a village collective lease traded live (issue 18): the centre's
qualification of intending buyers (意向受让方资格确认), the end of the disclosure (no buyer: 流拍; one: a transfer by
agreement; two or more: the multi-round online bidding of ``services.auctions``), the agreement's price, and after
the result publicity the transaction contract (产权交易合同) with its payment terms (``domain.property_trade``).

An intending buyer signs up and pays its deposit (交易保证金) into its sub-account, as for land; the centre's staff
then qualify it (its 竞买号 issued) or refuse it with the reason (its deposit refunded). Staff see the applicants to
do so (``visibility.Fact.APPLICANTS``); nobody else learns who, or how many, applied before the deal: the
transferor, the other buyers and the public see paddle numbers only (``Fact.BIDDERS``). Applications still
undecided when the disclosure ends hold the routing (phase ``qualifying``) until staff decide the last of them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import auction as rules_of_auction, calendar, property_terms, property_trade
from ..domain.errors import N_, DomainError, Forbidden
from ..models import Auction, Lot, Offer, Qualification, Registration, TransferContract
from . import audit, deals, deposits, property_payments
from .auctions import auction_of, is_property, issue_paddle, notify_board, paddles, terms
from .lots import acts_for_tenderee, get_lot, public_reason, transition

QUALIFY_PHASES = ("listing", "qualifying")  # while the centre may still decide on applications


def _require_property(lot: Lot) -> None:
    if not is_property(lot):
        raise DomainError(N_("This lot is not a property lot traded on the platform."), field="lot",
                          rule="property.methods")


def _require_staff(actor) -> None:
    if actor is None or not actor.has_role("staff"):
        raise Forbidden(N_("Only the centre's staff qualify intending buyers."), field="lot",
                        rule="property.qualification")


def applications(session, lot: Lot) -> list[dict]:
    """Every intending buyer of the lot's round, for the centre's review: its registration, deposit and decision
    (the caller shows this to staff only: ``Fact.APPLICANTS``)."""
    rows = session.scalars(sa.select(Registration).where(Registration.lot_id == lot.id, Registration.round == lot.round)
                           .order_by(Registration.id)).all()
    decided = {q.registration_id: q for q in session.scalars(sa.select(Qualification).where(
        Qualification.lot_id == lot.id, Qualification.round == lot.round))}
    held = {p.registration_id: p for p in paddles(session, lot)}
    return [{"registration": r, "deposit": deposits.deposit_of(session, lot, r.bidder_id),
             "covered": deposits.is_covered(session, lot, r.bidder_id), "decision": decided.get(r.id),
             "paddle": held.get(r.id)} for r in rows]


def decision_of(session, lot: Lot, bidder_id: int | None) -> Qualification | None:
    """The centre's decision on a bidder's application for the lot's round (its own, for its page)."""
    if bidder_id is None:
        return None
    return session.scalar(sa.select(Qualification).where(Qualification.lot_id == lot.id,
                                                         Qualification.round == lot.round,
                                                         Qualification.bidder_id == bidder_id))


def pending(session, lot: Lot) -> int:
    """How many applications (signed up, deposit in full) still wait for the centre's decision."""
    return sum(1 for a in applications(session, lot) if a["covered"] and a["decision"] is None)


def _application(session, lot: Lot, registration_id: int) -> Registration:
    """The lot's registration of its current round, or refuse; and refuse one already decided."""
    row = session.get(Registration, registration_id)
    if row is None or row.lot_id != lot.id or row.round != lot.round:
        raise DomainError(N_("No such application for this lot."), field="registration",
                          rule="property.qualification")
    if decision_of(session, lot, row.bidder_id) is not None:
        raise DomainError(N_("The centre has decided on this application already."), field="registration",
                          rule="property.qualification")
    state = auction_of(session, lot)
    if lot.state != "listing" or (state is not None and state.phase not in QUALIFY_PHASES):
        raise DomainError(N_("Applications are decided during the disclosure, or after it until the last one is."),
                          field="registration", rule="property.qualification")
    return row


def qualify(ctx, session, actor, now: datetime, lot_id: int, registration_id: int) -> Qualification:
    """Staff qualify an intending buyer whose deposit arrived in full before the application deadline: its paddle
    number is issued. If the disclosure has ended and this was the last undecided application, the lot is routed."""
    lot = get_lot(session, lot_id, for_update=True)
    _require_property(lot)
    _require_staff(actor)
    registration = _application(session, lot, registration_id)
    if not deposits.is_covered(session, lot, registration.bidder_id):
        raise DomainError(N_("The deposit has not arrived in full: an intending buyer is qualified once it has."),
                          field="deposit", rule="property.qualification")
    paddle = issue_paddle(session, lot, registration.id, registration.bidder_id, now)
    row = Qualification(lot_id=lot.id, round=lot.round, registration_id=registration.id,
                        bidder_id=registration.bidder_id, decision="qualified", decided_by_id=actor.id, decided_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "property.qualify", object_type="lot", object_id=lot.id,
                 rule="property.qualification", payload={"bidder_id": registration.bidder_id, "paddle": paddle.number,
                                                         "round": lot.round})
    _route_if_waiting(ctx, session, now, lot)
    return row


def refuse(ctx, session, actor, now: datetime, lot_id: int, registration_id: int, reason: str) -> Qualification:
    """Staff refuse an intending buyer with the reason it reads; its deposit is refunded at once."""
    lot = get_lot(session, lot_id, for_update=True)
    _require_property(lot)
    _require_staff(actor)
    registration = _application(session, lot, registration_id)
    text = public_reason(reason, "property.qualification", limit=1000)
    row = Qualification(lot_id=lot.id, round=lot.round, registration_id=registration.id,
                        bidder_id=registration.bidder_id, decision="refused", reason=text, decided_by_id=actor.id,
                        decided_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "property.refuse", object_type="lot", object_id=lot.id,
                 rule="property.qualification", payload={"bidder_id": registration.bidder_id, "reason": text,
                                                         "round": lot.round})
    deposit = deposits.deposit_of(session, lot, registration.bidder_id)
    if deposit is not None and deposit.status in ("paid", "short"):
        from .auction_results import refund_due

        deposits.refund(ctx, session, actor, now, deposit, reason="资格未通过", due=refund_due(ctx, session, lot, now),
                        rule="property.deposit_refund")
    _route_if_waiting(ctx, session, now, lot)
    return row


def _route_if_waiting(ctx, session, now: datetime, lot: Lot) -> None:
    """After a decision past the disclosure's end, move the lot on if no application waits any more."""
    state = auction_of(session, lot)
    if state is not None and state.phase == "qualifying":
        from .auction_results import step

        step(ctx, session, now, lot)


def end_disclosure(ctx, session, now: datetime, lot: Lot, state: Auction) -> list[str]:
    """At (or after) the disclosure's end: wait while applications are undecided, else route by the number of
    qualified buyers: none, 流拍; one, the agreement; two or more, the online bidding (every qualified buyer takes
    part, from ``property.bidding_notice`` on) or, if the disclosure chose it, one sealed round
    (``services.sealed_rounds``)."""
    if state.phase not in QUALIFY_PHASES or lot.listing_end is None or now < lot.listing_end:
        return []
    done: list[str] = []
    if state.phase == "listing":
        audit.record(session, None, now, "auction.listing_ended", object_type="lot", object_id=lot.id,
                     rule="property.disclosure", payload={"round": lot.round})
        done.append("end_listing")
    if pending(session, lot):
        if state.phase == "qualifying":
            return done  # still waiting: nothing moved
        state.phase = "qualifying"
        return done + ["await_qualification"]
    qualified = paddles(session, lot)
    route, rule = property_trade.route(len(qualified), property_terms.bidding_form(lot.property_terms))
    if route == property_trade.NO_BUYER:
        state.phase = "deciding"
    elif route == property_trade.AGREEMENT:
        state.phase = "agreement"
        audit.record(session, None, now, "property.route", object_type="lot", object_id=lot.id, rule=rule,
                     payload={"route": route, "round": lot.round})
        done.append("await_agreement")
    elif route == property_trade.SEALED_ROUND:
        from .sealed_rounds import start

        done += start(ctx, session, now, lot, state, qualified)
    else:
        found = terms(ctx, session, lot)
        state.bidding_start = now + found.confirmation
        state.countdown_end = state.bidding_start + found.countdown
        state.phase = "bidding"
        for paddle in qualified:
            paddle.joined_at = now  # every qualified buyer bids: there is no window to join
        transition(session, lot, "start_auction", None, "system", now, rule=rule,
                   payload={"paddles": [p.number for p in qualified], "bidding_start": state.bidding_start,
                            "countdown_end": state.countdown_end})
        done.append("start_auction")
    return done


def record_agreement(ctx, session, actor, now: datetime, lot_id: int, price_text) -> Auction:
    """The transferor (or staff) records the price agreed with the one qualified buyer, at least the listing price:
    the deal, as the online bidding's would be (the price in the lot's sequence, the signed 成交确认书, the deposit
    into the price, the deal into the statistics)."""
    from .auction_results import conclude

    lot = get_lot(session, lot_id, for_update=True)
    _require_property(lot)
    if actor is None or not (acts_for_tenderee(actor, lot.project) or actor.has_role("staff")):
        raise Forbidden(N_("Only the transferor or the centre records the agreement."), field="price",
                        rule="property.agreement_price")
    state = auction_of(session, lot)
    if state is None or state.phase != "agreement" or lot.state != "listing":
        raise DomainError(N_("An agreement is recorded when the disclosure has ended with one qualified buyer."),
                          field="price", rule="property.agreement_price")
    price = property_trade.check_agreement_price(price_text, lot.starting_price)
    (buyer,) = paddles(session, lot)
    state.last_seq += 1
    row = Offer(lot_id=lot.id, round=lot.round, seq=state.last_seq, paddle_id=buyer.id, amount=price,
                phase=rules_of_auction.AGREED, received_at=now, accepted=True, rule="property.agreement_price")
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "property.agreement", object_type="lot", object_id=lot.id,
                 rule="property.agreement_price", payload={"seq": row.seq, "paddle": buyer.number, "price": price,
                                                           "bidder_id": buyer.bidder_id})
    decision = rules_of_auction.Decision(rules_of_auction.DEAL, rules_of_auction.Offer(
        row.seq, buyer.number, price, now, rules_of_auction.AGREED), "property.agreement_price")
    state.phase, state.outcome, state.rule, state.decided_at = "decided", rules_of_auction.DEAL, decision.rule, now
    state.winner_paddle_id, state.price = buyer.id, price
    conclude(ctx, session, now, lot, state, buyer, decision)
    session.flush()
    notify_board(ctx, session, lot, now)
    return state


def contract_of(session, lot: Lot) -> TransferContract | None:
    """The transaction contract registered for the lot's current round, if any."""
    return session.scalar(sa.select(TransferContract).where(TransferContract.lot_id == lot.id,
                                                            TransferContract.round == lot.round))


def register_contract(ctx, session, actor, now: datetime, lot_id: int,
                      data: property_trade.ContractInput) -> TransferContract:
    """The transferor registers the transaction contract after the result publicity: the result is confirmed
    (award), the contract's payment terms checked (``domain.property_trade.check_contract``) and kept, its collection
    sub-account opened with the buyer's deposit moved into it (``property_payments.open_collection``); the deal's row
    notes the signing date."""
    from . import rulebook

    lot = get_lot(session, lot_id, for_update=True)
    _require_property(lot)
    if actor is None or not acts_for_tenderee(actor, lot.project):
        raise Forbidden(N_("Only the transferor registers the transaction contract."), field="number",
                        rule="property.payment_days")
    state = auction_of(session, lot)
    if state is None or state.outcome != rules_of_auction.DEAL or lot.state != "publicity":
        raise DomainError(N_("The contract is registered after a deal, at the end of its result publicity."),
                          field="number", rule="property.result_publicity")
    if lot.publicity_end is None or now < lot.publicity_end:
        raise DomainError(N_("The result is publicised until %(end)s: the contract is registered after that."),
                          field="number", rule="property.result_publicity",
                          end=calendar.to_local(lot.publicity_end).strftime("%Y-%m-%d %H:%M"))
    terms_kept = property_trade.check_contract(
        rulebook.of_lot(ctx, session, lot), data, price=state.price, disclosed=lot.property_terms or {},
        decided_on=calendar.local_date(state.decided_at), today=calendar.local_date(now))
    transition(session, lot, "award", actor, "tenderee", now, rule="property.result_publicity",
               payload={"paddle": state.winner.number, "bidder_id": state.winner.bidder_id, "price": state.price})
    row = TransferContract(lot_id=lot.id, round=lot.round, buyer_id=state.winner.bidder_id, number=terms_kept["number"],
                           signed_on=data.signed_on, price=state.price, payment=terms_kept["payment"],
                           terms=terms_kept, recorded_by_id=actor.id, recorded_at=now)
    session.add(row)
    session.flush()
    if row.payment in property_payments.PAYMENTS:  # the price is settled through the centre's bank from here on
        property_payments.open_collection(session, now, lot, row)
        terms_kept = row.terms
    rule = "property.instalment_upfront" if row.payment == "instalments" else "property.payment_days"
    transition(session, lot, "register_contract", actor, "tenderee", now, rule=rule,
               payload={"contract_id": row.id, "number": row.number, "signed_on": row.signed_on.isoformat(),
                        "terms": terms_kept})
    deals.record_contract(session, lot, row)
    return row

