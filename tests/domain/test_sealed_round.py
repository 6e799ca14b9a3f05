"""One sealed round (一次报价) of a state property lot, as plain rules: the bidding form the disclosure chooses, the
routing, the round's deadline, who may submit and when, and the decision at the opening (the highest valid price,
a price below the listing price invalid, equal highest prices to the one received first)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from trading.domain import calendar, property_terms, sealed_round
from trading.domain.errors import DomainError
from trading.domain.property_trade import route
from trading.domain.rules import RuleSet

LAW = RuleSet()
LISTING = Decimal("25800000.00")
T0 = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # Wednesday 17:00 Beijing time


def price(paddle: str, amount: str | None, minutes: int, position: int = 1) -> sealed_round.Price:
    return sealed_round.Price(paddle, None if amount is None else Decimal(amount), T0 + timedelta(minutes=minutes),
                              position)


def refused(**given) -> DomainError:
    values = {"qualified": True, "phase": "sealed", "already": False, "deadline_at": T0, "now": T0 - timedelta(1)}
    with pytest.raises(DomainError) as caught:
        sealed_round.check_submission(**{**values, **given})
    return caught.value


def test_the_disclosure_chooses_the_bidding_form_multi_round_by_default():
    terms = property_terms.PropertyInput(valuation=str(LISTING))
    _, kept = property_terms.check(LAW, terms, starting_price=LISTING, lot_round=1)
    assert kept["bidding_form"] == "multi_round" and property_terms.bidding_form({}) == "multi_round"
    sealed = property_terms.PropertyInput(valuation=str(LISTING), bidding_form="sealed")
    _, kept = property_terms.check(LAW, sealed, starting_price=LISTING, lot_round=1)
    assert property_terms.takes_sealed_round("property", kept)
    assert not property_terms.takes_sealed_round("land", kept)  # a land lot's reserve is sealed another way
    assert property_terms.input_of(LISTING, kept).bidding_form == "sealed"  # checked again at the announcement
    with pytest.raises(DomainError) as caught:
        property_terms.check(LAW, property_terms.PropertyInput(valuation=str(LISTING), bidding_form="dutch"),
                             starting_price=LISTING, lot_round=1)
    assert (caught.value.field, caught.value.rule) == ("bidding_form", "property.bidding_form")


def test_a_collective_lease_may_choose_the_sealed_round_too():
    lease = property_terms.PropertyInput(asset="collective_lease", lease_years="10", resolution="2026年3月村民会议决议",
                                         bidding_form="sealed")
    _, kept = property_terms.check(LAW, lease, starting_price=Decimal("120000"), lot_round=1)
    assert kept["bidding_form"] == "sealed" and kept["asset"] == "collective_lease"


@pytest.mark.parametrize(("qualified", "form", "expected"), [
    (0, "sealed", ("no_buyer", "property.no_buyer_revalue")),
    (1, "sealed", ("agreement", "property.agreement_price")),
    (2, "sealed", ("sealed", "property.sealed_round")),
    (5, "sealed", ("sealed", "property.sealed_round")),
    (2, "multi_round", ("bidding", "property.competitive_bidding")),
])
def test_two_or_more_qualified_buyers_go_to_the_form_the_disclosure_chose(qualified, form, expected):
    assert route(qualified, form) == expected


def test_the_round_closes_at_17_00_on_the_next_working_day_or_the_centres_longer_period():
    friday_evening = datetime(2026, 6, 12, 10, 30, tzinfo=UTC)  # Friday 18:30 Beijing time
    closes = calendar.to_local(sealed_round.deadline(friday_evening, LAW))
    assert (closes.date().isoformat(), closes.hour, closes.minute) == ("2026-06-15", 17, 0)  # Monday
    longer = LAW.with_settings({"property.sealed_period": 3}, "centre")
    assert calendar.to_local(sealed_round.deadline(friday_evening, longer)).date().isoformat() == "2026-06-17"


def test_who_may_submit_and_when():
    sealed_round.check_submission(qualified=True, phase="sealed", already=False, deadline_at=T0,
                                  now=T0 - timedelta(microseconds=1))
    assert refused(qualified=False).rule == "property.qualification"
    assert refused(phase="listing").rule == "property.sealed_round"  # the disclosure takes no price
    late = refused(now=T0)
    assert (late.rule, late.field) == ("property.sealed_period", "envelope") and "arrived" in late.message
    assert refused(already=True).rule == "property.sealed_round"  # one price, never replaced


def test_a_suspended_round_takes_no_price_even_before_its_deadline_naming_the_supervision():
    paused = refused(phase=None, suspended=True)
    assert (paused.rule, paused.field) == ("platform.supervision", "lot") and "suspended" in paused.message
    assert refused(qualified=False, suspended=True).rule == "property.qualification"  # nothing said to outsiders


def test_the_highest_price_at_or_above_the_listing_price_wins():
    found = sealed_round.decide([price("101", "25800000.00", 1), price("205", "26350000.00", 2),
                                 price("317", "25799999.99", 3)], LISTING)
    assert (found.outcome, found.winner.paddle, found.rule) == ("deal", "205", "property.sealed_round")
    assert found.invalid == {"317": "property.sealed_price_floor"}
    at_listing = sealed_round.decide([price("101", "25800000.00", 1)], LISTING)
    assert at_listing.outcome == "deal" and at_listing.winner.amount == LISTING


def test_equal_highest_prices_go_to_the_one_received_first_then_the_record_order():
    found = sealed_round.decide([price("101", "26000000", 9, 2), price("205", "26000000", 5, 1),
                                 price("317", "25900000", 1, 3)], LISTING)
    assert (found.winner.paddle, found.rule) == ("205", "property.sealed_equal_prices")
    same_time = sealed_round.decide([price("101", "26000000", 5, 2), price("205", "26000000", 5, 1)], LISTING)
    assert same_time.winner.paddle == "205"


def test_no_price_or_no_valid_price_is_no_deal_naming_the_rule():
    nothing = sealed_round.decide([], LISTING)
    assert (nothing.outcome, nothing.winner, nothing.rule) == ("no_offer", None, "property.sealed_round")
    below = sealed_round.decide([price("101", "25000000", 1), price("205", "25799999", 2)], LISTING)
    assert (below.outcome, below.winner, below.rule) == ("below_reserve", None, "property.sealed_price_floor")
    unread = sealed_round.decide([price("101", None, 1)], LISTING)  # an envelope the opening could not read
    assert unread.outcome == "no_offer" and unread.invalid == {"101": "electronic.decryption_failure"}
