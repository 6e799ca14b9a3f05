"""Calibration scenarios: the published 2010 figures to the fen, from lots that look real and import cleanly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from trading.domain import regions, scenarios
from trading.domain.errors import DomainError
from trading.domain.history import validate
from trading.domain.money import percent
from trading.domain.rules import DEFAULT_RULES as LAW, METHODS_BY_TRADE_TYPE
from trading.domain.tabular import Sheet


@pytest.fixture(scope="module")
def generated():
    """Each scenario's lots, generated once for the module."""
    return {name: scenarios.generate(name) for name in scenarios.SCENARIOS}


def total(lots, attribute="award_price"):
    """The sum of an attribute over lots, skipping None."""
    return sum((getattr(lot, attribute) for lot in lots if getattr(lot, attribute) is not None), Decimal(0))


def test_xianning_whole_city(generated):
    """咸宁市 and its counties, Jan-Sep 2010: 333 lots, 8,102,000,000.00 yuan, every trade type, every county."""
    lots = generated["xianning-2010"]
    assert len(lots) == 333
    assert total(lots) == Decimal("8102000000.00")
    assert all(regions.is_within(lot.region_code, "421200") for lot in lots)
    assert {lot.region_code for lot in lots} == {"421200"} | {r.code for r in regions.children("421200")}
    assert all(dt.date(2010, 1, 1) <= lot.awarded_on <= dt.date(2010, 9, 30) for lot in lots)
    assert {lot.trade_type for lot in lots} == {"construction", "procurement", "land", "property"}
    rest = [lot for lot in lots if lot.region_code != "421200" or lot.awarded_on.month == 9]
    assert len(rest) == 214 and total(rest) == Decimal("2420882300.00")


def test_xianning_city_centre_jan_to_aug(generated):
    """The centre itself, Jan-Aug 2010: the published counts, amounts, savings and land premium exactly."""
    centre = [lot for lot in generated["xianning-2010"]
              if lot.region_code == "421200" and lot.awarded_on <= dt.date(2010, 8, 31)]
    by_type = {t: [lot for lot in centre if lot.trade_type == t] for t in ("construction", "procurement", "land")}
    assert len(centre) == 119 and sum(map(len, by_type.values())) == 119
    assert [len(v) for v in by_type.values()] == [59, 11, 49]
    assert total(by_type["construction"]) == Decimal("4494000000.00")
    assert total(by_type["procurement"]) == Decimal("32137700.00")
    land = by_type["land"]
    assert total(land) == Decimal("1154980000.00")
    assert total(land, "starting_price") == Decimal("1077000000.00")
    assert total(land, "premium") == Decimal("77980000.00")
    assert percent(total(land, "premium"), total(land, "starting_price")) == Decimal("7.24")
    budgeted = by_type["construction"] + by_type["procurement"]
    assert all(lot.budget is not None for lot in budgeted)
    assert total(budgeted, "savings") == Decimal("160672600.00")
    assert len({lot.project_name for lot in centre}) == 108  # the published project count


def test_badong(generated):
    """巴东县, 2010: 94 lots, 517,000,000.00 yuan, all with budgets, savings 11,547,600.00 (2.18 %)."""
    lots = generated["badong-2010"]
    assert len(lots) == 94 and total(lots) == Decimal("517000000.00")
    assert {lot.region_code for lot in lots} == {"422823"}
    assert all(lot.awarded_on.year == 2010 for lot in lots)
    assert {lot.trade_type for lot in lots} == {"construction", "procurement"}
    assert all(lot.budget is not None for lot in lots)
    assert total(lots, "savings") == Decimal("11547600.00")
    assert total(lots, "budget") == Decimal("528547600.00")
    assert percent(total(lots, "savings"), total(lots, "budget")) == Decimal("2.18")


@pytest.mark.parametrize("name", sorted(scenarios.SCENARIOS))
def test_lots_pass_history_validation_and_look_real(generated, name):
    """Every lot imports cleanly; sizes, dates, methods and rates are plausible; amounts are all different."""
    lots = generated[name]
    checked = validate(Sheet.of_records([lot.as_record() for lot in lots]), rules=LAW)
    assert checked.errors == [] and checked.lots == lots
    assert {w.rule for w in checked.warnings} <= {"history.award_above_budget"}  # a few lots over budget, as in life
    awards = [lot.award_price for lot in lots]
    assert min(awards) > 0 and max(awards) / min(awards) > 5
    assert len(set(awards)) == len(awards)
    assert all(a == a.to_integral_value() for a in awards)
    for lot in lots:
        assert lot.method in METHODS_BY_TRADE_TYPE[lot.trade_type]
        assert 20 <= (lot.awarded_on - lot.announced_on).days <= 40
        assert lot.awarded_on.weekday() < 5 and lot.contracted_on > lot.awarded_on
        if lot.trade_type in ("construction", "procurement"):
            assert lot.starting_price is None and -0.01 < lot.savings / lot.budget < 0.08
            assert lot.project_name.endswith(("工程", "项目"))
        else:
            assert lot.budget is None and 0 <= lot.premium < lot.starting_price
        if lot.trade_type == "land":
            assert lot.project_name.endswith("号地块") and lot.award_price % 10000 == 0
    months = {lot.awarded_on.month for lot in lots}
    assert len(months) >= 8


def test_generation_is_deterministic(generated):
    """The same name always gives the same lots."""
    assert scenarios.generate("badong-2010") == generated["badong-2010"]
    assert scenarios.SCENARIOS["xianning-2010"].generate() == generated["xianning-2010"]


def test_unknown_scenario_is_refused_listing_the_known_ones():
    """An unknown name is refused on the field name, with the known names."""
    with pytest.raises(DomainError) as caught:
        scenarios.generate("wuhan-2011")
    assert caught.value.field == "name"
    assert caught.value.params == {"name": "wuhan-2011", "known": "badong-2010, xianning-2010"}
    assert all(s.title_zh and s.description for s in scenarios.SCENARIOS.values())
