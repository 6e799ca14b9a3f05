"""A state property lot's price and terms (企业国有资产交易监督管理办法, 32号令) at their edges: one yuan, one
percent, one month, one working day either side."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading.domain.errors import DomainError
from trading.domain.property_terms import PropertyInput, check, input_of
from trading.domain.rules import DEFAULT_RULES as LAW, RuleSet

VALUATION = "25800000.00"


def terms(**changes) -> PropertyInput:
    return PropertyInput(**{"valuation": VALUATION, **changes})


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_the_first_listing_price_is_at_least_the_valuation():
    valuation, kept = check(LAW, terms(), starting_price=Decimal(VALUATION), lot_round=1)
    assert valuation == Decimal(VALUATION) and kept == {"payment": "lump_sum", "result_publicity_days": 5,
                                                     "bidding_form": "multi_round"}
    refused = refusal(lambda: check(LAW, terms(), starting_price=Decimal("25799999.00"), lot_round=1))
    assert (refused.field, refused.rule) == ("starting_price", "property.listing_price_floor")
    assert "25,800,000.00" in str(refused)


def test_a_relisting_below_90_percent_of_the_valuation_needs_the_written_approval():
    ninety = Decimal("23220000.00")
    check(LAW, terms(), starting_price=ninety, lot_round=2)  # a relisting may go below the valuation, to 90%
    refused = refusal(lambda: check(LAW, terms(), starting_price=ninety - 1, lot_round=2))
    assert (refused.field, refused.rule) == ("price_approval", "property.relist_approval")
    # the approval records who gave it and its document number: neither alone will do
    nobody = refusal(lambda: check(LAW, terms(price_approval="咸国资产权〔2026〕9号"), starting_price=ninety - 1,
                                   lot_round=2))
    assert (nobody.field, nobody.rule) == ("price_approval_body", "property.relist_approval")
    _, kept = check(LAW, terms(price_approval="咸国资产权〔2026〕9号", price_approval_body="咸宁市国资委"),
                    starting_price=ninety - 1, lot_round=2)
    assert kept["price_approval"] == "咸国资产权〔2026〕9号" and kept["price_approval_body"] == "咸宁市国资委"


@pytest.mark.parametrize(("upfront", "months", "field", "rule"), [
    ("30", "12", None, None),
    ("29", "12", "upfront_percent", "property.instalment_upfront"),
    ("30", "13", "balance_months", "property.instalment_term"),
    ("30", "", "balance_months", None),
    ("百分之三十", "12", "upfront_percent", "property.instalment_upfront"),
])
def test_instalments_are_at_least_30_percent_up_front_and_the_rest_within_a_year(upfront, months, field, rule):
    data = terms(payment="instalments", upfront_percent=upfront, balance_months=months)
    if field is None:
        _, kept = check(LAW, data, starting_price=Decimal(VALUATION), lot_round=1)
        assert kept == {"payment": "instalments", "upfront_percent": "30", "balance_months": 12,
                        "result_publicity_days": 5, "bidding_form": "multi_round"}
        return
    refused = refusal(lambda: check(LAW, data, starting_price=Decimal(VALUATION), lot_round=1))
    assert (refused.field, refused.rule) == (field, rule)


def test_the_result_is_publicised_for_at_least_5_working_days_or_the_centres_stricter_number():
    assert check(LAW, terms(result_publicity_days="5"), starting_price=Decimal(VALUATION),
                 lot_round=1)[1]["result_publicity_days"] == 5
    refused = refusal(lambda: check(LAW, terms(result_publicity_days="4"), starting_price=Decimal(VALUATION),
                                    lot_round=1))
    assert (refused.field, refused.rule) == ("result_publicity_days", "property.result_publicity")
    stricter = RuleSet.from_overrides({"property.result_publicity": 7})
    assert check(stricter, terms(), starting_price=Decimal(VALUATION), lot_round=1)[1]["result_publicity_days"] == 7
    assert refusal(lambda: check(stricter, terms(result_publicity_days="6"), starting_price=Decimal(VALUATION),
                                 lot_round=1)).rule == "property.result_publicity"


def test_a_missing_valuation_is_refused_and_stored_terms_read_back():
    assert refusal(lambda: check(LAW, terms(valuation=""), starting_price=Decimal(VALUATION),
                                 lot_round=1)).field == "valuation"
    valuation, kept = check(LAW, terms(payment="instalments", upfront_percent="40", balance_months="6"),
                            starting_price=Decimal(VALUATION), lot_round=1)
    assert check(LAW, input_of(valuation, kept), starting_price=Decimal(VALUATION), lot_round=1) == (valuation, kept)


def test_a_collective_lease_needs_the_assembly_decision_and_at_most_20_years():
    lease = {"asset": "collective_lease", "valuation": "", "lease_years": "2",
             "resolution": "五里堆社区村民代表大会决议（2026年2月20日）"}
    valuation, kept = check(LAW, terms(**lease), starting_price=Decimal("120000"), lot_round=1)
    assert valuation is None and kept["asset"] == "collective_lease" and kept["lease_years"] == 2
    assert kept["payment"] == "annual_rent" and kept["result_publicity_days"] == 5
    assert check(LAW, terms(**{**lease, "lease_years": "20"}), starting_price=Decimal("1"), lot_round=1)
    for changes, field, rule in [({"lease_years": "21"}, "lease_years", "property.lease_term"),
                                 ({"lease_years": "0"}, "lease_years", "property.lease_term"),
                                 ({"lease_years": "两年"}, "lease_years", None),
                                 ({"resolution": " "}, "resolution", "property.collective_resolution"),
                                 ({"asset": "shares"}, "asset", None)]:
        refused = refusal(lambda changes=changes: check(LAW, terms(**{**lease, **changes}),
                                                        starting_price=Decimal("120000"), lot_round=1))
        assert (refused.field, refused.rule) == (field, rule), changes
    # the state property floor does not bind a lease: a rent under a stated valuation is not refused
    assert check(LAW, terms(**{**lease, "valuation": "150000"}), starting_price=Decimal("120000"), lot_round=1)
