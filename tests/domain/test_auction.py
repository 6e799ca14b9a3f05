"""Listing offers and the online time-limited bidding of a land lot, at every edge of their rules."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from trading.domain import auction
from trading.domain.errors import DomainError
from trading.domain.rules import DEFAULT_RULES, RuleSet

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 Beijing
END = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)  # 15:00 Beijing
TERMS = auction.Terms.of(starting_price=Decimal("1000000"), increment=Decimal("10000"), listing_start=START,
                         listing_end=END, rules=DEFAULT_RULES)


def offer(seq, paddle, amount, at=START, phase=auction.LISTING):
    return auction.Offer(seq, paddle, Decimal(amount), at, phase)


def refused(call, *args) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value


def test_the_first_offer_may_equal_the_starting_price_but_not_go_below_it():
    assert auction.check_amount(TERMS, Decimal("1000000"), None) == Decimal("1000000")
    error = refused(auction.check_amount, TERMS, Decimal("999999"), None)
    assert error.rule == "land.increments" and error.field == "amount"


def test_a_later_offer_must_rise_by_at_least_one_increment_on_the_grid():
    assert auction.check_amount(TERMS, Decimal("1010000"), Decimal("1000000"))
    assert auction.check_amount(TERMS, Decimal("1050000"), Decimal("1000000"))  # n = 5
    assert refused(auction.check_amount, TERMS, Decimal("1000000"), Decimal("1000000")).rule == "land.increments"
    off_grid = refused(auction.check_amount, TERMS, Decimal("1015000"), Decimal("1000000"))
    assert off_grid.rule == "land.increments"
    assert off_grid.params["below"] == "1010000" and off_grid.params["above"] == "1020000"
    assert refused(auction.check_amount, TERMS, Decimal("1010000.01"), Decimal("1000000")).rule == "land.increments"


def test_the_listing_takes_offers_from_its_start_until_just_before_its_end_naming_the_arrival():
    auction.check_listing_time(TERMS, START)
    auction.check_listing_time(TERMS, END - timedelta(microseconds=1))
    assert refused(auction.check_listing_time, TERMS, START - timedelta(seconds=1)).field == "amount"
    late = refused(auction.check_listing_time, TERMS, END + timedelta(seconds=3))
    assert late.rule == "land.listing_end"
    assert late.params["arrived"] == "2026-03-16 15:00:03" and late.params["end"] == "2026-03-16 15:00:00"


def test_the_highest_offer_wins_and_the_earliest_of_equal_offers():
    offers = [offer(1, "101", "1000000"), offer(2, "102", "1010000"), offer(3, "103", "1010000")]
    decision = auction.decide(offers, None)
    assert decision.outcome == auction.DEAL and decision.winner.paddle == "102"
    assert decision.rule == "land.equal_offers"
    assert auction.decide(offers[:1], None).rule == "land.listing_end"


def test_one_offer_at_the_reserve_sells_below_it_does_not_and_none_is_no_deal():
    one = [offer(1, "101", "1200000")]
    assert auction.decide(one, Decimal("1200000")).outcome == auction.DEAL
    below = auction.decide(one, Decimal("1200000.01"))
    assert below.outcome == auction.BELOW_RESERVE and below.winner is None and below.rule == "land.reserve_price"
    assert auction.decide([], Decimal("1")).outcome == auction.NO_OFFER


def test_the_holder_of_the_highest_offer_may_not_raise_it_itself():
    offers = [offer(1, "101", "1000000"), offer(2, "102", "1010000")]
    auction.check_not_own_highest(offers, "101")
    assert refused(auction.check_not_own_highest, offers, "102").rule == "land.own_highest"


def test_only_bidders_with_a_listing_offer_join_and_only_within_the_window():
    offers = [offer(1, "101", "1000000")]
    window_end = END + timedelta(minutes=5)
    assert TERMS.confirmation_end == window_end
    auction.check_join(TERMS, offers, "101", END)
    auction.check_join(TERMS, offers, "101", window_end - timedelta(microseconds=1))
    assert refused(auction.check_join, TERMS, offers, "102", END).rule == "land.online_bidding"
    assert refused(auction.check_join, TERMS, offers, "101", END - timedelta(seconds=1)).rule \
        == "land.confirmation_window"
    late = refused(auction.check_join, TERMS, offers, "101", window_end)
    assert late.rule == "land.confirmation_window" and late.params["arrived"] == "2026-03-16 15:05:00"


def test_each_accepted_offer_restarts_the_countdown_and_one_after_it_ran_out_is_refused_with_its_time():
    opened = TERMS.confirmation_end
    assert auction.check_bidding_time(TERMS, [], opened) == opened + timedelta(minutes=5)
    assert refused(auction.check_bidding_time, TERMS, [], opened - timedelta(seconds=1)).rule == "land.online_bidding"
    at = opened + timedelta(minutes=4, seconds=59)
    offers = [offer(1, "101", "1000000"), offer(2, "102", "1010000", at, auction.BIDDING)]
    assert auction.countdown_end(TERMS, offers) == at + timedelta(minutes=5)
    auction.check_bidding_time(TERMS, offers, at + timedelta(minutes=4, seconds=59))
    late = refused(auction.check_bidding_time, TERMS, offers, at + timedelta(minutes=5))
    assert late.rule == "land.countdown"
    assert late.params["arrived"] == "2026-03-16 15:14:59" and late.params["end"] == "2026-03-16 15:14:59"


def test_the_windows_come_from_the_rules_in_force():
    stricter = RuleSet.from_overrides({"land.countdown": 10, "land.confirmation_window": 15, "land.reserve_lead": 60})
    terms = auction.Terms.of(starting_price=Decimal(1), increment=Decimal(1), listing_start=START, listing_end=END,
                             rules=stricter)
    assert terms.countdown == timedelta(minutes=10) and terms.confirmation_end == END + timedelta(minutes=15)
    assert terms.reserve_deadline == END - timedelta(hours=1)
    with pytest.raises(DomainError):
        RuleSet.from_overrides({"land.countdown": 4})  # shorter than the usual 5 minutes: looser


def test_the_reserve_is_set_at_the_latest_thirty_minutes_before_the_end():
    auction.check_reserve_time(TERMS, END - timedelta(minutes=30, microseconds=1))
    error = refused(auction.check_reserve_time, TERMS, END - timedelta(minutes=30))
    assert error.rule == "land.reserve_lead" and error.params["minutes"] == 30


def test_the_sealed_reserve_opens_only_with_its_price_and_salt():
    salt = "a" * 32
    sealed = auction.commit("4202002026030001", Decimal("1250000"), salt)
    assert auction.check_commitment(sealed.upper()) == sealed
    assert auction.check_reveal(sealed, "4202002026030001", Decimal("1250000.00"), salt) == Decimal("1250000")
    assert refused(auction.check_reveal, sealed, "4202002026030001", Decimal("1250000.01"), salt).field == "amount"
    assert refused(auction.check_reveal, sealed, "4202002026030002", Decimal("1250000"), salt).field == "amount"
    assert refused(auction.check_reveal, sealed, "4202002026030001", Decimal("1250000"), "short").field == "salt"
    assert refused(auction.check_commitment, "xyz").rule == "land.reserve_price"


def test_terms_need_a_positive_increment():
    with pytest.raises(DomainError) as caught:
        auction.Terms.of(starting_price=Decimal(1), increment=Decimal(0), listing_start=START, listing_end=END,
                         rules=DEFAULT_RULES)
    assert caught.value.rule == "land.increments"


def test_a_property_lots_bidding_names_the_property_rules():
    """A property lot's multi-round online bidding: it opens at its bidding start (property.bidding_notice after
    the routing), takes the listing price first and then the increment grid, restarts a 5-minute countdown with each
    offer, and every refusal names the property rule."""
    opens = END + timedelta(minutes=DEFAULT_RULES.value("property.bidding_notice"))
    terms = auction.Terms.of(starting_price=Decimal("1000000"), increment=Decimal("10000"), listing_start=START,
                             listing_end=END, rules=DEFAULT_RULES, trade_type="property", bidding_start=opens)
    assert terms.confirmation_end == opens and terms.countdown == timedelta(minutes=5)
    early = refused(auction.check_bidding_time, terms, [], opens - timedelta(seconds=1))
    assert early.rule == "property.competitive_bidding"
    assert auction.check_bidding_time(terms, [], opens) == opens + timedelta(minutes=5)
    assert refused(auction.check_amount, terms, Decimal("999999"), None).rule == "property.increments"
    assert refused(auction.check_amount, terms, Decimal("1015000"), Decimal("1000000")).rule == "property.increments"
    bid = offer(1, "101", "1000000", opens + timedelta(minutes=4), auction.BIDDING)
    assert auction.check_bidding_time(terms, [bid], opens + timedelta(minutes=8, seconds=59))
    late = refused(auction.check_bidding_time, terms, [bid], opens + timedelta(minutes=9))
    assert late.rule == "property.countdown" and "arrived" in late.params
    own = refused(auction.check_not_own_highest, [bid], "101", terms.rule("own_highest"))
    assert own.rule == "property.own_highest"
    assert auction.decide([bid], None, "property").rule == "property.competitive_bidding"
    assert auction.decide([], None, "property").rule == "property.disclosure"
