"""A state property lot whose disclosure chose one sealed round (一次报价): its opening key made at the announcement,
one sealed price from each qualified buyer through the platform's envelope machinery, the clock step closing the
round and opening it as a tender's, the key holders' shares opening every price at once, and the deal (or 流拍)
decided by the opening on the property path: the 成交确认书, the deposit into the price, the refunds, the result
publicity, the contract and the statistics. And every way it fails."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from tests.security.sealed_lot import KEY_PASS
from tests.services.property_lot import property_lot, refused, statuses
from trading.domain import auction as rules_of_auction, calendar
from trading.models import Announcement, AuditEntry, Bid, Deal, Offer
from trading.services import auctions, bids, chronograph, keys, opening, sealed_rounds, statistics
from trading.simulate import lots as walk

LISTING = Decimal("25800000.00")




def routed(ctx, session, qualified: int = 2, applicants: int | None = None):
    """The sealed-round lot with ``qualified`` buyers qualified, past its disclosure: in its sealed round."""
    people, lot = property_lot(session, applicants=applicants or qualified, qualified=qualified, form="sealed")
    moved = chronograph.tick(ctx, session, lot.listing_end)
    session.commit()
    return people, lot, moved


def seal(ctx, session, people, lot, at, prices, bidders=None):
    """The buyers seal their prices with their own keys and submit them at ``at`` (committed by ``submit``)."""
    return walk.submit_bids(ctx, session, people, at, lot, prices, bidders=bidders or people.bidders[:len(prices)])


def open_round(ctx, session, people, lot):
    """The clock reaches the round's deadline; two key holders release their shares (the opening decides)."""
    at = lot.bid_deadline
    chronograph.tick(ctx, session, at)
    session.commit()
    if lot.state == "opening":
        for holder in (people.staff, people.supervisor):
            opening.release_share(ctx, session, holder, at, lot, KEY_PASS)
        session.commit()
    return at


def test_the_announcement_makes_the_opening_key_and_routes_two_buyers_to_one_sealed_round_until_17_00(ctx, session):
    people, lot, moved = routed(ctx, session)
    key = keys.opening_key_of(session, lot)
    assert key is not None and (key.k, key.n) == (2, 3)  # made when the lot was announced, as for a tender
    # the announcement and the documents state the form, the rules, the opening key and its holders
    notice = session.scalar(sa.select(Announcement).where(Announcement.lot_id == lot.id))
    assert "一次报价（密封报价）" in notice.text and key.fingerprint in notice.text
    assert "网络竞价（多次报价）：" not in notice.text
    assert "报价相同的，以报价提交在先" in notice.text and "低于挂牌价的报价无效" in notice.text
    assert "四、报价单（一次报价）" in notice.documents_text and key.fingerprint in notice.documents_text
    assert [m.action for m in moved] == ["end_listing", "start_sealed_round"] and lot.state == "auction"
    state = auctions.auction_of(session, lot)
    assert state.phase == "sealed" and state.countdown_end == lot.bid_deadline == lot.opening_at
    # property.sealed_period (1 working day, the centre's setting): 17:00 Beijing time on the next working day
    day = calendar.add_working_days(calendar.local_date(lot.listing_end), 1)
    local = calendar.to_local(lot.bid_deadline)
    assert (local.date(), local.hour, local.minute) == (day, 17, 0)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lot.start_auction"))
    assert entry.rule == "property.sealed_round" and entry.payload["form"] == "sealed"
    # the multi-round board takes no offer in a sealed round
    row = auctions.place_offer(ctx, session, people.bidders[0], lot.listing_end + timedelta(minutes=40), lot.id,
                               str(LISTING))
    assert not row.accepted and row.rule == "property.sealed_round"


def test_the_highest_price_at_or_above_the_listing_price_wins_and_the_deal_follows_the_property_path(ctx, session):
    people, lot, _ = routed(ctx, session, qualified=3)
    first, second, third = people.bidders[:3]
    at = lot.listing_end + timedelta(hours=1)
    seal(ctx, session, people, lot, at, ["25800000.00", "26350000.00", "25799999.99"])
    assert sealed_rounds.standing(session, lot) == 3
    open_round(ctx, session, people, lot)
    state = auctions.auction_of(session, lot)
    assert lot.state == "publicity" and state.outcome == "deal" and state.price == Decimal("26350000.00")
    assert state.winner.bidder_id == second.organisation_id and state.rule == "property.sealed_round"
    # every read price is in the lot's sequence by paddle number; the one below the listing price is invalid
    prices = {o.paddle.bidder_id: o for o in session.scalars(sa.select(Offer).where(Offer.lot_id == lot.id))}
    assert {b: (o.amount, o.accepted, o.phase) for b, o in prices.items()} == {
        first.organisation_id: (LISTING, True, "sealed"),
        second.organisation_id: (Decimal("26350000.00"), True, "sealed"),
        third.organisation_id: (Decimal("25799999.99"), False, "sealed")}
    assert prices[third.organisation_id].rule == "property.sealed_price_floor"
    # the signed 成交确认书 says it was one sealed round
    assert state.confirmation["phase"] == "sealed" and state.confirmation["rule"] == "property.sealed_round"
    assert rules_of_auction.verify_confirmation(state.confirmation, ctx.keyring.platform.signing_key.public_key())
    assert statuses(session, lot) == {first.organisation_id: "refunded", second.organisation_id: "applied",
                                      third.organisation_id: "refunded"}
    deal = session.scalar(sa.select(Deal).where(Deal.lot_id == lot.id))
    assert deal.trade_type == "property" and deal.price == Decimal("26350000.00")
    assert next(b for b in statistics.report(session, statistics.Filters()).by_trade_type
                if b.key == "property").lots == 1
    close = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lot.close_auction"))
    assert close.rule == "property.sealed_round" and close.payload["from"] == "opening"
    assert lot.publicity_end is not None  # the result publicity, then the contract, as for the other forms


def test_equal_highest_prices_go_to_the_one_received_first(ctx, session):
    people, lot, _ = routed(ctx, session)
    first, second = people.bidders[:2]
    at = lot.listing_end + timedelta(hours=1)
    seal(ctx, session, people, lot, at + timedelta(minutes=5), ["26000000.00"], bidders=[second])
    seal(ctx, session, people, lot, at + timedelta(minutes=9), ["26000000.00"], bidders=[first])
    open_round(ctx, session, people, lot)
    state = auctions.auction_of(session, lot)
    assert state.winner.bidder_id == second.organisation_id and state.rule == "property.sealed_equal_prices"
    assert state.confirmation["rule"] == "property.sealed_equal_prices"


def test_no_sealed_price_fails_the_lot_at_the_deadline_and_refunds_every_deposit(ctx, session):
    people, lot, _ = routed(ctx, session)
    assert chronograph.tick(ctx, session, lot.bid_deadline - timedelta(seconds=1)) == []
    moved = chronograph.tick(ctx, session, lot.bid_deadline)
    assert [m.action for m in moved] == ["fail"] and lot.state == "failed"
    state = auctions.auction_of(session, lot)
    assert (state.outcome, state.rule) == ("no_offer", "property.sealed_round")
    assert set(statuses(session, lot).values()) == {"refunded"}
    assert session.scalar(sa.select(AuditEntry.rule).where(AuditEntry.action == "lot.fail")) == "property.sealed_round"


def test_prices_all_below_the_listing_price_are_invalid_and_the_lot_fails(ctx, session):
    people, lot, _ = routed(ctx, session)
    seal(ctx, session, people, lot, lot.listing_end + timedelta(hours=1), ["25000000.00", "25799999.00"])
    open_round(ctx, session, people, lot)
    state = auctions.auction_of(session, lot)
    assert lot.state == "failed" and (state.outcome, state.rule) == ("below_reserve", "property.sealed_price_floor")
    assert set(statuses(session, lot).values()) == {"refunded"}
    assert not any(o.accepted for o in session.scalars(sa.select(Offer).where(Offer.lot_id == lot.id)))
    assert state.confirmation is None


def test_a_company_that_never_applied_cannot_submit_a_sealed_price(ctx, session):
    people, lot, _ = routed(ctx, session)
    outsider = people.bidders[3]
    at = lot.listing_end + timedelta(hours=1)
    error = refused(lambda: bids.check_may_submit(session, outsider, at, lot))
    assert (error.field, error.rule) == ("lot", "electronic.encrypted_bids")  # sign up first: it is too late to
    assert refused(lambda: seal(ctx, session, people, lot, at, ["27000000.00"], bidders=[outsider])).rule == \
        "platform.five_stages"  # sign-up closed with the disclosure
    session.rollback()
    assert not session.scalars(sa.select(Bid).where(Bid.lot_id == lot.id)).all()


def test_a_signed_up_buyer_the_centre_refused_is_refused_naming_the_qualification_rule(ctx, session):
    people, lot = property_lot(session, applicants=3, qualified=2, form="sealed")
    from trading.services import property_trades, registrations

    refused_buyer = people.bidders[2]
    registration = registrations.registration_of(session, lot, refused_buyer.organisation_id)
    property_trades.refuse(ctx, session, people.staff, lot.listing_start + timedelta(days=1), lot.id, registration.id,
                           "未提供国有资产受让资格证明")
    session.commit()
    chronograph.tick(ctx, session, lot.listing_end)
    session.commit()
    error = refused(lambda: bids.check_may_submit(session, refused_buyer, lot.listing_end + timedelta(hours=1), lot))
    assert (error.field, error.rule) == ("lot", "property.qualification")


def test_a_price_before_the_round_or_after_its_deadline_or_a_second_one_is_refused(ctx, session):
    people, lot = property_lot(session, form="sealed")
    buyer = people.bidders[0]
    during = refused(lambda: bids.check_may_submit(session, buyer, lot.listing_start + timedelta(days=1), lot))
    assert during.rule == "property.sealed_round"  # the disclosure takes no price
    chronograph.tick(ctx, session, lot.listing_end)
    session.commit()
    late = refused(lambda: seal(ctx, session, people, lot, lot.bid_deadline, ["26000000.00"], bidders=[buyer]))
    assert (late.rule, late.field) == ("property.sealed_period", "envelope") and "arrived" in late.message
    session.rollback()
    seal(ctx, session, people, lot, lot.bid_deadline - timedelta(seconds=1), ["26000000.00"], bidders=[buyer])
    again = refused(lambda: seal(ctx, session, people, lot, lot.bid_deadline - timedelta(microseconds=1),
                                 ["26500000.00"], bidders=[buyer]))
    assert again.rule == "property.sealed_round"
    session.rollback()
    withdraw = refused(lambda: bids.withdraw(ctx, session, buyer, lot.bid_deadline - timedelta(seconds=1), lot))
    assert withdraw.rule == "property.sealed_round"
    assert sealed_rounds.standing(session, lot) == 1


def test_nobody_opens_a_price_before_the_deadline(ctx, session):
    people, lot, _ = routed(ctx, session)
    at = lot.listing_end + timedelta(hours=1)
    seal(ctx, session, people, lot, at, ["26000000.00", "26100000.00"])
    for holder in (people.staff, people.supervisor):  # shares are released only at the opening, after the deadline
        error = refused(lambda h=holder: opening.release_share(ctx, session, h, at, lot, KEY_PASS))
        assert error.rule == "electronic.no_early_decrypt"
    assert not session.scalars(sa.select(Offer).where(Offer.lot_id == lot.id)).all()


def test_a_multi_round_lot_keeps_its_online_bidding_and_has_no_opening_key(ctx, session):
    _, lot = property_lot(session)
    assert keys.opening_key_of(session, lot) is None
    notice = session.scalar(sa.select(Announcement).where(Announcement.lot_id == lot.id))
    assert "网络竞价（多次报价）：" in notice.text and "一次报价（密封报价）" not in notice.text
    moved = chronograph.tick(ctx, session, lot.listing_end)
    assert [m.action for m in moved] == ["end_listing", "start_auction"]
    assert auctions.auction_of(session, lot).phase == "bidding"
