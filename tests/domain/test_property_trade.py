"""The end of a state property lot's disclosure and its transaction contract (32号令), at their edges: the number of
qualified buyers, one yuan under the listing price, one working day, one percent, one day past the year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from trading.domain import property_trade
from trading.domain.errors import DomainError
from trading.domain.property_trade import ContractInput, check_contract
from trading.domain.rules import DEFAULT_RULES as LAW, RuleSet

PRICE = Decimal("26000000.00")
DEAL_DAY = date(2026, 4, 1)  # a Wednesday
SIGNED = date(2026, 4, 13)  # a Monday


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def contract(disclosed=None, **changes):
    data = ContractInput(**{"number": "XN-CQ-2026-01", "signed_on": SIGNED, **changes})
    return check_contract(LAW, data, price=PRICE, disclosed=disclosed if disclosed is not None else {
        "payment": "instalments", "upfront_percent": "30", "balance_months": 12}, decided_on=DEAL_DAY,
        today=date(2026, 4, 20))


def test_the_disclosure_routes_by_the_number_of_qualified_buyers():
    assert property_trade.route(0) == (property_trade.NO_BUYER, "property.no_buyer_revalue")
    assert property_trade.route(1) == (property_trade.AGREEMENT, "property.agreement_price")
    assert property_trade.route(2) == (property_trade.BIDDING, "property.competitive_bidding")
    assert property_trade.route(7)[0] == property_trade.BIDDING


def test_one_buyer_agrees_at_no_less_than_the_listing_price():
    listing = Decimal("25800000.00")
    assert property_trade.check_agreement_price("25,800,000", listing) == listing
    assert property_trade.check_agreement_price("25900000.00", listing) == Decimal("25900000.00")
    refused = refusal(lambda: property_trade.check_agreement_price("25799999.99", listing))
    assert (refused.field, refused.rule) == ("price", "property.agreement_price") and "25,800,000.00" in str(refused)
    assert refusal(lambda: property_trade.check_agreement_price("abc", listing)).field == "price"


def test_a_lump_sum_is_due_within_five_working_days_of_the_contract():
    kept = contract({"payment": "lump_sum"}, payment="lump_sum")
    assert kept["payment"] == "lump_sum" and kept["upfront"] == "26000000.00"
    assert kept["first_due"] == "2026-04-20"  # five working days after Monday 13 April
    refused = refusal(lambda: contract({"payment": "lump_sum"}, payment="instalments", upfront="7800000"))
    assert (refused.field, refused.rule) == ("payment", "property.payment_days")
    assert refusal(lambda: contract(signed_on=date(2026, 3, 31))).field == "signed_on"  # before the deal
    assert refusal(lambda: contract(signed_on=date(2026, 4, 21))).field == "signed_on"  # in the future
    assert refusal(lambda: contract(number=" ")).field == "number"


def test_instalments_need_30_percent_up_front_the_rest_within_a_year_a_guarantee_and_interest():
    good = {"payment": "instalments", "upfront": "7800000", "balance_due": date(2027, 4, 13),
            "guarantee": "中国工商银行咸宁分行见索即付保函 2026-017", "interest_rate": "3.45"}
    kept = contract(**good)
    assert kept["balance"] == "18200000.00" and kept["interest_rate"] == "3.45" and kept["first_due"] == "2026-04-20"
    for changes, field, rule in [
        ({"upfront": "7799999.99"}, "upfront", "property.instalment_upfront"),
        ({"upfront": "26000000"}, "upfront", "property.instalment_upfront"),
        ({"balance_due": date(2027, 4, 14)}, "balance_due", "property.instalment_term"),
        ({"balance_due": SIGNED}, "balance_due", "property.instalment_term"),
        ({"guarantee": "无"}, "guarantee", "property.instalment_guarantee"),
        ({"interest_rate": "0"}, "interest_rate", "property.instalment_guarantee"),
        ({"interest_rate": "NaN"}, "interest_rate", "property.instalment_guarantee"),
        ({"interest_rate": "25"}, "interest_rate", "property.instalment_guarantee"),
    ]:
        refused = refusal(lambda changes=changes: contract(**{**good, **changes}))
        assert (refused.field, refused.rule) == (field, rule), changes
    # the disclosure's stricter terms bind the contract: 40% up front, the rest within 6 months
    stricter = {"payment": "instalments", "upfront_percent": "40", "balance_months": 6}
    assert refusal(lambda: contract(stricter, **good)).field == "upfront"
    late = refusal(lambda: contract(stricter, **{**good, "upfront": "10400000"}))
    assert (late.field, late.params["latest"]) == ("balance_due", "2026-10-13")
    # a centre's stricter share applies too
    centre = RuleSet().with_settings({"property.instalment_upfront": 50}, "test")
    with pytest.raises(DomainError) as caught:
        check_contract(centre, ContractInput(number="X-1", signed_on=SIGNED, **good), price=PRICE,
                       disclosed={"payment": "instalments", "upfront_percent": "30", "balance_months": 12},
                       decided_on=DEAL_DAY, today=SIGNED)
    assert caught.value.rule == "property.instalment_upfront"


def test_a_collective_lease_records_its_term_and_rent():
    disclosed = {"asset": "collective_lease", "lease_years": 2, "payment": "annual_rent"}
    kept = check_contract(LAW, ContractInput(number="WLD-2026-01", signed_on=SIGNED, lease_start=date(2026, 5, 1)),
                          price=Decimal("234000.00"), disclosed=disclosed, decided_on=DEAL_DAY,
                          today=date(2026, 4, 20))
    assert kept["lease_end"] == "2028-05-01" and kept["total_rent"] == "468000.00"
    assert kept["annual_rent"] == "234000.00" and kept["payment"] == "annual_rent"
    refused = refusal(lambda: check_contract(LAW, ContractInput(number="W-1", signed_on=SIGNED,
                                                                lease_start=date(2026, 4, 12)),
                                             price=Decimal("234000.00"), disclosed=disclosed, decided_on=DEAL_DAY,
                                             today=date(2026, 4, 20)))
    assert (refused.field, refused.rule) == ("lease_start", "property.lease_term")
