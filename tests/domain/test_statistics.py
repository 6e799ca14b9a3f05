"""Statistics: definitions, figures worked by hand with their working, periods, and calibration against the seeds."""

from __future__ import annotations

from datetime import date
from decimal import Context, Decimal, localcontext

import pytest

from trading.domain.errors import DomainError
from trading.domain.statistics import (
    BADONG,
    CENTRE,
    DEFINITIONS,
    FIGURE_DEFINITIONS,
    PUBLISHED,
    SCOPES,
    SOURCES,
    XIANNING,
    Figure,
    calibrate,
    format_rate,
    lot_premium,
    lot_premium_rate,
    lot_savings,
    lot_savings_rate,
    months_between,
    period_bounds,
    premium_figures,
    premium_from_pairs,
    savings_figures,
    savings_from_pairs,
)

D = Decimal
SEEDS = "/work/shared/seeds"


def q(numerator, denominator) -> Decimal:
    """numerator / denominator at the module's 34 significant digits."""
    with localcontext(Context(prec=34)):
        return D(numerator) / D(denominator)


def refusal(call, *args, **kwargs) -> DomainError:
    """The DomainError a call raises."""
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- definitions -------------------------------------------------------------------------------------------------

def test_every_definition_is_complete_and_alternatives_name_the_platforms():
    """Six rate definitions at least, each with both names, formulas and a sentence on when it is used."""
    rates = {"savings_rate", "savings_rate_mean", "savings_rate_award_base", "premium_rate", "premium_rate_mean",
             "premium_rate_deal_base"}
    assert rates <= DEFINITIONS.keys()
    for code, definition in DEFINITIONS.items():
        assert definition.code == code
        assert all((definition.name_zh, definition.name_en, definition.formula_zh, definition.formula_en,
                    definition.when_used_en, definition.when_used_zh))
    assert DEFINITIONS["savings_rate"].alternative_of is None
    assert DEFINITIONS["savings_rate_mean"].alternative_of == "savings_rate"
    assert DEFINITIONS["premium_rate_deal_base"].alternative_of == "premium_rate"
    assert set(FIGURE_DEFINITIONS.values()) <= DEFINITIONS.keys()


# -- formatting and single lots ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "digits", "text"), [
    (D("0.034525"), 2, "3.45%"),
    (D("0.034535"), 2, "3.45%"),
    (D("0.034545"), 2, "3.45%"),
    (D("0.0345451"), 2, "3.45%"),
    (D("0.03455"), 2, "3.46%"),  # half up
    (D("0.026"), 1, "2.6%"),
    (D("-0.2"), 2, "-20.00%"),
    (D("-0.00001"), 2, "0.00%"),  # no "-0.00%"
    (D("0.0724048"), 4, "7.2405%"),
    (None, 2, "—"),
])
def test_format_rate_rounds_half_up(value, digits, text):
    """A fraction as a percentage, half up; None is a dash."""
    assert format_rate(value, digits) == text


def test_lot_savings_and_premium_with_missing_prices_and_negative_savings():
    """Savings = budget − award (negative above the budget), premium = deal − start; a missing price gives None."""
    assert lot_savings(D("100.00"), D("90.50")) == D("9.50")
    assert lot_savings(100, 120) == D(-20)
    assert lot_savings(None, 90) is None and lot_savings(100, None) is None
    assert lot_premium(D(1000), D(1100)) == D(100)
    assert lot_premium(None, 1) is None
    assert lot_savings_rate(D(200), D(150)) == D("0.25")
    assert lot_savings_rate(D(100), D(120)) == D("-0.2")
    assert lot_savings_rate(None, 5) is None
    assert lot_premium_rate(D(1000), D(1100)) == D("0.1")


def test_lot_rates_refuse_bases_not_above_zero_and_floats():
    """A budget or starting price of 0 has no rate; floats never reach money."""
    error = refusal(lot_savings_rate, D(0), D(5))
    assert error.field == "budget"
    assert refusal(lot_premium_rate, D(-1), D(5)).field == "starting_price"
    assert refusal(lot_savings_rate, D(10), D(-5)).field == "award"
    with pytest.raises(TypeError):
        lot_savings(100.0, 90)


# -- figures of a set --------------------------------------------------------------------------------------------

def test_savings_worked_by_hand_with_a_lot_without_budget_and_negative_savings():
    """Lots (100, 90), (no budget, 5), (200, 210), (50, 40): sums 350 / 340 over 3 lots, 1 left out.

    Platform: (350 − 340) / 350 = 2.857…% -> 2.86%; over awards 10 / 340 = 2.94%;
    mean of per-lot rates (0.10 − 0.05 + 0.20) / 3 = 0.25 / 3 = 8.33%.
    """
    figures = savings_from_pairs([(D(100), D(90)), (None, D(5)), (D(200), D(210)), (D(50), D(40))])
    assert list(figures) == ["savings_rate", "savings_rate_mean", "savings_rate_award_base"]
    rate, mean, award_base = figures.values()
    assert (rate.numerator, rate.denominator, rate.count, rate.excluded) == (D(10), D(350), 3, 1)
    assert rate.value == q(10, 350) and rate.text == "2.86%"
    assert award_base.denominator == D(340) and award_base.text == "2.94%"
    assert mean.numerator == D("0.25") and mean.denominator == D(3) and mean.text == "8.33%"
    assert rate.working_en.startswith("(350.00 − 340.00) / 350.00 = 10.00 / 350.00 = 2.86%")
    assert "1 left out" in rate.working_en and "3 lots" in rate.working_en
    assert "未计入" in rate.working_zh and "350.00" in rate.working_zh
    assert "(350.00 − 340.00) / 340.00" in award_base.working_en
    assert "25.0000% / 3 = 8.33%" in mean.working_en


def test_negative_savings_of_a_whole_set():
    """Awards above budgets: (100 − 120) / 100 = −20%."""
    rate = savings_from_pairs([(D(100), D(120))])["savings_rate"]
    assert rate.value == D("-0.2") and rate.text == "-20.00%"
    assert "(100.00 − 120.00) / 100.00 = -20.00 / 100.00 = -20.00%" in rate.working_en


@pytest.mark.parametrize("pairs", [[], [(None, D(5)), (D(7), None)]])
def test_empty_sets_give_no_rate(pairs):
    """No lot with both prices: every rate is None, shown as a dash, and the working says why."""
    for figure in [*savings_from_pairs(pairs).values(), *premium_from_pairs(pairs).values()]:
        assert figure.value is None and figure.text == "—" and figure.count == 0
        assert figure.excluded == len(pairs)
        assert figure.working_en.startswith("No lots") and "—" in figure.working_zh


def test_sums_from_sql_give_the_same_figures_as_the_pairs():
    """The SQL path (sums passed in) and the pairs helper agree, working included."""
    pairs = [(D("1200000.00"), D("1150000.00")), (D("800000.00"), D("790000.50")), (D("55000.00"), D("56000.00"))]
    by_pairs = savings_from_pairs(pairs)
    with localcontext(Context(prec=34)):
        sum_rate = sum(lot_savings_rate(b, a) for b, a in pairs)
    by_sums = savings_figures(3, sum(b for b, _ in pairs), sum(a for _, a in pairs), sum_rate)
    assert by_sums == by_pairs
    assert savings_figures(0, None, None, None) == savings_from_pairs([])


def test_the_example_working_and_a_zero_base():
    """The working substitutes the sums; a base of 0 gives no rate rather than an error."""
    rate = savings_figures(2, D("4654072600.00"), D("4493400000.00"), None)["savings_rate"]
    assert rate.working_en.startswith("(4,654,072,600.00 − 4,493,400,000.00) / 4,654,072,600.00 = ")
    assert rate.text == "3.45%" and rate.value == q(160672600, 4654072600)
    assert savings_figures(2, D(1), D(2), None)["savings_rate_mean"].value is None
    zero = premium_figures(1, D(0), D(0), None)["premium_rate"]
    assert zero.value is None and zero.working_en.startswith("(0.00 − 0.00) / 0.00 = 0.00 / 0.00 = —")


def test_premium_of_the_xianning_parcels():
    """Two parcels summing to 1,077,000,000 -> 1,154,980,000: +77,980,000, 7.24%; over the deals 6.75%."""
    figures = premium_from_pairs([(D(600_000_000), D(650_000_000)), (D(477_000_000), D(504_980_000))])
    rate = figures["premium_rate"]
    assert (rate.numerator, rate.denominator) == (D(77_980_000), D(1_077_000_000))
    assert rate.text == "7.24%"
    assert rate.working_en.startswith("(1,154,980,000.00 − 1,077,000,000.00) / 1,077,000,000.00 = "
                                      "77,980,000.00 / 1,077,000,000.00 = 7.24%")
    assert figures["premium_rate_deal_base"].text == "6.75%"
    mean = (q(50, 600) + q("27.98", 477)) / 2
    assert abs(figures["premium_rate_mean"].value - mean) < D("1E-26")


def test_figure_is_a_frozen_value():
    """Figures compare by value and cannot be changed."""
    figure = Figure("savings_rate", None, None, None, 0, "", "")
    with pytest.raises(AttributeError):
        figure.value = D(1)  # type: ignore[misc]


# -- periods -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "value", "bounds"), [
    ("dates", "2010-01-01..2010-08-31", (date(2010, 1, 1), date(2010, 9, 1))),
    ("dates", " 2010-02-28 .. 2010-02-28 ", (date(2010, 2, 28), date(2010, 3, 1))),
    ("month", "2010-03", (date(2010, 3, 1), date(2010, 4, 1))),
    ("month", "2010-12", (date(2010, 12, 1), date(2011, 1, 1))),
    ("quarter", "2010-Q2", (date(2010, 4, 1), date(2010, 7, 1))),
    ("quarter", "2010-q4", (date(2010, 10, 1), date(2011, 1, 1))),
    ("year", "2010", (date(2010, 1, 1), date(2011, 1, 1))),
])
def test_period_bounds(kind, value, bounds):
    """Each kind of period as (start, end exclusive); a date range includes both days."""
    assert period_bounds(kind, value) == bounds


@pytest.mark.parametrize(("kind", "value"), [
    ("week", "2010-W01"),
    ("month", "2010-13"),
    ("month", "2010-3"),
    ("quarter", "2010-Q5"),
    ("year", "10"),
    ("year", "9999"),
    ("dates", "2010-09-01..2010-08-31"),
    ("dates", "2010-02-30..2010-03-01"),
    ("dates", "2010-01-01"),
    ("month", ""),
])
def test_bad_periods_are_refused_naming_the_field(kind, value):
    """Unknown kinds, malformed or impossible values and reversed ranges name the field 'period'."""
    assert refusal(period_bounds, kind, value).field == "period"


def test_months_between():
    """Every month with a day in the range, none for an empty range."""
    assert months_between(date(2010, 1, 1), date(2010, 9, 1)) == [f"2010-{m:02d}" for m in range(1, 9)]
    assert months_between(date(2010, 11, 15), date(2011, 2, 2)) == ["2010-11", "2010-12", "2011-01", "2011-02"]
    assert months_between(date(2010, 1, 15), date(2010, 2, 1)) == ["2010-01"]
    assert months_between(date(2010, 3, 1), date(2010, 3, 1)) == []


# -- published figures and calibration ---------------------------------------------------------------------------

def published(scope: str, figure: str):
    """The published entry of a scope and figure."""
    [item] = [p for p in PUBLISHED if (p.scope, p.figure) == (scope, figure)]
    return item


def test_sources_and_scopes():
    """Sources are the seed files; scopes give region, county inclusion and period."""
    import os

    assert all(os.path.exists(f"{SEEDS}/{name}") for name in SOURCES.values())
    assert {p.source for p in PUBLISHED} == set(SOURCES)
    assert {p.scope for p in PUBLISHED} == set(SCOPES)
    assert SCOPES[XIANNING].bounds() == (date(2010, 1, 1), date(2010, 10, 1)) and SCOPES[XIANNING].subordinates
    assert SCOPES[CENTRE].bounds() == (date(2010, 1, 1), date(2010, 9, 1)) and not SCOPES[CENTRE].subordinates
    assert SCOPES[CENTRE].region == SCOPES[XIANNING].region == "421200"
    assert SCOPES[BADONG].region == "422823" and SCOPES[BADONG].bounds() == (date(2010, 1, 1), date(2011, 1, 1))


def test_every_number_of_the_seed_table_is_published_with_its_precision():
    """Values in lots, yuan or fractions, read from the printed text with the precision it was printed at."""
    expected = {
        (XIANNING, "lots"): (D(333), D(1)), (XIANNING, "amount"): (D(8_102_000_000), D(10**6)),
        (CENTRE, "projects_total"): (D(108), D(1)), (CENTRE, "amount_total"): (D(5_681_000_000), D(10**6)),
        (CENTRE, "construction_lots"): (D(59), D(1)), (CENTRE, "construction_amount"): (D(4_494_000_000), D(10**6)),
        (CENTRE, "procurement_lots"): (D(11), D(1)), (CENTRE, "procurement_amount"): (D(32_137_700), D(100)),
        (CENTRE, "land_lots"): (D(49), D(1)), (CENTRE, "land_deal"): (D(1_155_000_000), D(10**6)),
        (CENTRE, "savings"): (D(160_672_600), D(100)), (CENTRE, "savings_rate"): (D("0.026"), D("0.001")),
        (CENTRE, "land_start"): (D(1_077_000_000), D(10**6)), (CENTRE, "land_premium"): (D(77_980_000), D(10**4)),
        (CENTRE, "premium_rate"): (D("0.0724"), D("0.0001")),
        (BADONG, "lots"): (D(94), D(1)), (BADONG, "amount"): (D(517_000_000), D(10**6)),
        (BADONG, "savings"): (D(11_547_600), D(100)), (BADONG, "savings_rate"): (D("0.0224"), D("0.0001")),
    }
    assert {(p.scope, p.figure): (p.published, p.quantum) for p in PUBLISHED} == expected
    assert all(p.figure in FIGURE_DEFINITIONS and p.note and p.note_zh for p in PUBLISHED)
    assert published(CENTRE, "premium_rate").unit == "rate" and published(CENTRE, "land_lots").unit == "lots"
    assert published(CENTRE, "amount_total").unit == "yuan"


def test_which_published_figures_are_reproducible():
    """All but the centre's 108 projects and 2.6%, and Badong's 2.24%; the land figures keep start and premium."""
    assert {(p.scope, p.figure) for p in PUBLISHED if not p.reproducible} == {
        (CENTRE, "projects_total"), (CENTRE, "savings_rate"), (BADONG, "savings_rate")}
    start, deal, premium = (published(CENTRE, f).expected for f in ("land_start", "land_deal", "land_premium"))
    assert (start, deal, premium) == (D(1_077_000_000), D(1_154_980_000), D(77_980_000))
    assert deal - start == premium


def rows_of(computed) -> dict[tuple[str, str], dict]:
    """Calibration rows by (scope, figure)."""
    rows = calibrate(PUBLISHED, computed)
    assert len(rows) == len(PUBLISHED)
    return {(row["scope"], row["figure"]): row for row in rows}


def test_calibrate_a_scenario_that_hits_every_reproducible_figure():
    """Differences are 0 for every reproducible figure; 7.24% is reported; 2.6% and 108 are explained."""
    computed = {(p.scope, p.figure): p.expected for p in PUBLISHED}
    computed[(CENTRE, "savings_rate_mean")] = D("0.026")
    rows = rows_of(computed)
    keys = {"source", "scope", "figure", "published", "platform", "definition", "difference", "reason", "reason_zh"}
    for item in PUBLISHED:
        row = rows[(item.scope, item.figure)]
        assert keys <= row.keys() and row["reason"] and row["reason_zh"]
        assert row["definition"] == FIGURE_DEFINITIONS[item.figure]
        if item.reproducible:
            assert row["difference"] == 0, row
            assert row["status"] in ("exact", "published_precision")
        else:
            assert row["status"] == "differs" and row["difference"] != 0
    exact = {key for key, row in rows.items() if row["status"] == "exact"}
    assert (CENTRE, "land_start") in exact and (CENTRE, "land_premium") in exact and (CENTRE, "savings") in exact

    premium = rows[(CENTRE, "premium_rate")]
    assert format_rate(premium["platform"]) == "7.24%" and premium["status"] == "published_precision"
    assert "matches at the published precision" in premium["reason"].lower()
    assert "(1,154,980,000 − 1,077,000,000) / 1,077,000,000 = 77,980,000 / 1,077,000,000 = 7.2405%" in premium["reason"]

    deal = rows[(CENTRE, "land_deal")]
    assert deal["status"] == "published_precision" and deal["difference"] == 0
    assert deal["difference_exact"] == D(-20_000)
    assert "cannot all be exact" in deal["reason"] and "78,000,000, not 77,980,000" in deal["reason"]
    assert "starting prices and premium exact, deals at the published precision" in deal["reason"]
    assert rows[(CENTRE, "amount_total")]["difference"] == 0  # 5,681,117,700 rounds to 56.81亿

    savings_rate = rows[(CENTRE, "savings_rate")]
    assert savings_rate["difference"] == D("0.008")
    assert "2.6% cannot be reproduced" in savings_rate["reason"]
    assert "160,672,600 / (4,494,000,000 + 32,137,700 + 160,672,600) = 3.43%" in savings_rate["reason"]
    assert "= 2.75%" in savings_rate["reason"] and "mean is 2.60%" in savings_rate["reason"]
    assert "无法重现" in savings_rate["reason_zh"]

    total = rows[(CENTRE, "projects_total")]
    assert total["platform"] == 119 and total["difference"] == 11
    assert "59 + 11 + 49 = 119" in total["reason"] and "119" in total["reason_zh"]
    assert "= 5,681,137,700" in rows[(CENTRE, "amount_total")]["reason"]

    badong = rows[(BADONG, "savings_rate")]
    assert "= 2.18%" in badong["reason"] and "11,547,600 / 517,000,000 = 2.2336%" in badong["reason"]
    # issue 17: 2.24% is savings over the amount traded, 5.17亿 being rounded (516.50 m to 516.67 m give 2.235-2.236%)
    assert "any total from 516,500,000 to 516,671,141 yuan" in badong["reason"] and "2.2357%" in badong["reason"]
    assert "516,500,000 至 516,671,141" in badong["reason_zh"]
    assert badong["difference"] == D("-0.0006")


def test_calibrate_also_accepts_lots_keeping_the_deals_exact():
    """Start 1,077,020,000 and deals 1,155,000,000 calibrate too; the reason says which is exact."""
    computed = {(p.scope, p.figure): p.expected for p in PUBLISHED}
    computed.update({(CENTRE, "land_start"): D(1_077_020_000), (CENTRE, "land_deal"): D(1_155_000_000),
                     (CENTRE, "premium_rate"): q(77_980_000, 1_077_020_000)})
    rows = rows_of(computed)
    assert rows[(CENTRE, "land_deal")]["status"] == "exact"
    start = rows[(CENTRE, "land_start")]
    assert start["status"] == "published_precision" and start["difference"] == 0
    assert start["difference_exact"] == D(20_000)
    assert "deals and premium exact, starting prices at the published precision" in start["reason"]
    premium = rows[(CENTRE, "premium_rate")]
    assert premium["difference"] == 0
    assert "77,980,000 / 1,077,020,000 = 7.2403%" in premium["reason"]


def test_calibrate_without_lots_and_with_a_wrong_figure():
    """No platform figure: missing, no difference; a wrong count differs by the exact amount."""
    rows = rows_of({(XIANNING, "lots"): 330})
    assert rows[(XIANNING, "lots")]["status"] == "differs" and rows[(XIANNING, "lots")]["difference"] == -3
    missing = rows[(BADONG, "amount")]
    assert missing["status"] == "missing" and missing["platform"] is None and missing["difference"] is None
    assert "no figure" in missing["reason"]
    assert "2.6% cannot be reproduced" in rows[(CENTRE, "savings_rate")]["reason"]
    with pytest.raises(TypeError):
        calibrate(PUBLISHED, {(XIANNING, "amount"): 8.102e9})
