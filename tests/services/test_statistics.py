"""Statistics from the deal table: figures worked by hand, filters and region inclusion, breakdowns and the pages
of lots adding up to their figure, all-or-nothing imports (CSV and Excel), and calibration on both scenarios."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from trading.domain import statistics as definitions
from trading.domain.errors import DomainError, Forbidden
from trading.domain.statistics import CENTRE, PUBLISHED, format_rate
from trading.models import AuditEntry, Deal
from trading.services import deals, history, statistics
from trading.services.statistics import Filters

D = Decimal


def add(session, now, price, *, budget=None, start=None, trade_type=None, region="421202", on=date(2010, 3, 15),
        project=None, method="open", funding="财政资金", imported=True):
    """One deal row; the trade type follows the base given (construction for a budget, land for a start)."""
    trade_type = trade_type or ("land" if start is not None else "construction")
    count = session.scalar(sa.select(sa.func.count(Deal.id)))
    session.add(Deal(imported=imported, source="import:test.csv" if imported else "platform",
                     project_name=project or f"项目{count}", lot_name="第一标段",
                     project_key=f"{trade_type}:{region}:{project or count}", trade_type=trade_type, method=method,
                     region_code=region, funding_source=funding, budget=None if budget is None else D(budget),
                     starting_price=None if start is None else D(start), price=D(price), awarded_on=on,
                     created_at=now))
    session.flush()
    deals.refresh_cells(session, [on.strftime("%Y-%m")])  # as every service that writes deals does


def close(a: Decimal | None, b: Decimal | None) -> bool:
    """Rates summed by SQLite in floating point agree with the exact ones to far below the shown precision."""
    return a is not None and b is not None and abs(a - b) < D("1e-12")


# -- figures worked by hand -----------------------------------------------------------------------------------

def test_an_empty_set_has_no_rates_and_zero_amounts(session):
    report = statistics.report(session, Filters.period("year", "2010"))
    assert report.totals == statistics.Totals() and report.amounts.total.lots == 0
    assert all(f.value is None and f.text == "—" for f in [*report.savings.values(), *report.premium.values()])
    assert report.savings["savings_rate"].working_en.startswith("No lots")
    assert [row.key for row in report.by_month] == [f"2010-{m:02d}" for m in range(1, 13)]
    assert all(row.lots == 0 for row in report.by_month) and report.by_region == []
    assert [row.key for row in report.by_trade_type] == ["construction", "procurement", "land", "property"]
    assert statistics.lots(session, Filters()).total == 0


def test_savings_with_a_lot_without_budget_and_negative_savings(session, now):
    """(100, 90), (no budget, 5), (200, 210), (50, 40): (350 − 340) / 350 = 2.86%, one lot left out."""
    pairs = [(D(100), D(90)), (None, D(5)), (D(200), D(210)), (D(50), D(40))]
    for budget, price in pairs:
        add(session, now, price, budget=budget, trade_type="procurement")
    figures = statistics.savings(session, Filters())
    expected = definitions.savings_from_pairs(pairs)
    assert figures["savings_rate"] == expected["savings_rate"]
    assert figures["savings_rate_award_base"] == expected["savings_rate_award_base"]
    rate = figures["savings_rate"]
    assert (rate.numerator, rate.denominator, rate.count, rate.excluded, rate.text) == (D(10), D(350), 3, 1, "2.86%")
    assert "1 left out" in rate.working_en
    mean = figures["savings_rate_mean"]
    assert close(mean.numerator, D("0.25")) and mean.text == "8.33%"
    assert statistics.premium(session, Filters())["premium_rate"].value is None  # no land or property lot


def test_negative_savings_of_a_whole_set(session, now):
    add(session, now, 120, budget=100)
    rate = statistics.savings(session, Filters())["savings_rate"]
    assert rate.value == D("-0.2") and rate.text == "-20.00%"


def test_premium_of_parcels_and_a_property_lot_without_starting_price(session, now):
    """1,077,000,000 -> 1,154,980,000: +77,980,000, 7.24%; the property lot without a start is left out."""
    add(session, now, 650_000_000, start=600_000_000)
    add(session, now, 504_980_000, start=477_000_000)
    add(session, now, 80_000, trade_type="property")
    figures = statistics.premium(session, Filters())
    rate = figures["premium_rate"]
    assert (rate.numerator, rate.denominator, rate.count, rate.excluded) == (D(77_980_000), D(1_077_000_000), 2, 1)
    assert rate.working_en.startswith("(1,154,980,000.00 − 1,077,000,000.00) / 1,077,000,000.00 = "
                                      "77,980,000.00 / 1,077,000,000.00 = 7.24%")
    assert figures["premium_rate_deal_base"].text == "6.75%"
    assert close(figures["premium_rate_mean"].value, (D(50) / 600 + D("27.98") / 477) / 2)
    amounts = statistics.amounts(session, Filters())
    assert (amounts.total.lots, amounts.total.amount) == (3, D("1155060000.00"))
    assert [(a.trade_type, a.lots) for a in amounts.by_trade_type] == [
        ("construction", 0), ("procurement", 0), ("land", 2), ("property", 1)]


# -- filters ---------------------------------------------------------------------------------------------------

@pytest.fixture
def spread(session, now):
    """Six lots: the city of Xianning and one of its counties, Badong, Wuhan; two periods; two of one project."""
    add(session, now, 90, budget=100, region="421200", on=date(2010, 1, 5), project="城区道路")
    add(session, now, 180, budget=200, region="421200", on=date(2010, 2, 26), project="城区道路")
    add(session, now, 45, budget=50, region="421202", on=date(2010, 4, 1), trade_type="procurement",
        method="inquiry", funding="中央预算内投资")
    add(session, now, 1100, start=1000, region="421221", on=date(2010, 8, 31), method="listing", imported=False)
    add(session, now, 300, budget=330, region="422823", on=date(2010, 12, 31))
    add(session, now, 70, budget=75, region="420102", on=date(2011, 1, 1))


def lots_of(session, filters) -> int:
    return statistics.amounts(session, filters).total.lots


def test_region_with_and_without_its_subordinates(session, spread):
    assert lots_of(session, Filters(region="421200")) == 4  # the city's own code and its counties (4212..)
    assert lots_of(session, Filters(region="421200", include_subordinates=False)) == 2
    assert lots_of(session, Filters(region="421202")) == 1  # a county is its own code only
    assert lots_of(session, Filters(region="420000")) == 6  # the province: every code starting 42
    assert lots_of(session, Filters(region="422800")) == 1  # 恩施州 takes Badong
    assert lots_of(session, Filters(region="110000")) == 0


def test_periods(session, spread):
    """Dates (both days included: 31 August is in), month, quarter and year."""
    for kind, value, count in (("dates", "2010-01-01..2010-08-31", 4), ("month", "2010-02", 1),
                               ("quarter", "2010-Q1", 2), ("year", "2010", 5), ("year", "2011", 1)):
        assert lots_of(session, Filters.period(kind, value)) == count, (kind, value)


def test_other_filters(session, spread):
    assert lots_of(session, Filters(trade_type="政府采购")) == 1
    assert lots_of(session, Filters(trade_type="land", region="421200")) == 1
    assert lots_of(session, Filters(method="询价")) == 1 and lots_of(session, Filters(method="open")) == 4
    assert lots_of(session, Filters(funding_source="预算内")) == 1
    assert lots_of(session, Filters(funding_source="%")) == 0  # a substring, not a pattern
    assert lots_of(session, Filters(imported=False)) == 1 and lots_of(session, Filters(imported=True)) == 5
    amounts = statistics.amounts(session, Filters(region="421200", include_subordinates=False))
    assert (amounts.total.lots, amounts.total.projects) == (2, 1)  # two lots of one project


def test_the_region_prefix_takes_the_same_codes_as_the_region_tree():
    """With subordinates, the prefix rule selects exactly regions.descendants; without, the code alone."""
    from trading.domain import regions

    hubei = regions.descendants("420000")
    for code in hubei:
        prefix = Filters(region=code).region_prefix
        assert [c for c in hubei if c.startswith(prefix)] == regions.descendants(code), code
        assert Filters(region=code, include_subordinates=False).region_prefix == code
    assert Filters(region=" ").region is None


@pytest.mark.parametrize(("arguments", "field"), [
    ({"region": "4212"}, "region"),
    ({"region": "421201"}, "region"),  # 市辖区 only groups districts
    ({"trade_type": "mining"}, "trade_type"),
    ({"method": "lottery"}, "method"),
    ({"start": date(2010, 2, 1), "end": date(2010, 1, 1)}, "period"),
    ({"funding_source": "资" * 201}, "funding_source"),
])
def test_bad_filters_are_refused_naming_the_field(arguments, field):
    with pytest.raises(DomainError) as refused:
        Filters(**arguments)
    assert refused.value.field == field


def test_bad_list_arguments_are_refused_naming_the_field(session):
    for arguments, field in (({"kind": "everything"}, "kind"), ({"sort": "name"}, "sort"), ({"page": 0}, "page"),
                             ({"per_page": 0}, "per_page"), ({"per_page": 501}, "per_page")):
        with pytest.raises(DomainError) as refused:
            statistics.lots(session, Filters(), **arguments)
        assert refused.value.field == field
    with pytest.raises(DomainError) as period:
        Filters.period("month", "2010-13")
    assert period.value.field == "period"


# -- breakdowns and working ------------------------------------------------------------------------------------

def test_breakdowns_add_up_to_the_totals(session, spread):
    filters = Filters.period("year", "2010")
    report = statistics.report(session, filters)
    assert report.totals.lots == 5 and report.amounts.total.projects == 4
    for rows in (report.by_trade_type, report.by_month, report.by_region):
        added = statistics.total(row.totals for row in rows)
        assert replace(added, savings_rates=0, premium_rates=0) == replace(report.totals, savings_rates=0,
                                                                           premium_rates=0)
        assert close(added.savings_rates, report.totals.savings_rates)
        assert close(added.premium_rates, report.totals.premium_rates)
    assert [row.key for row in report.by_region] == ["421200", "421202", "421221", "422823"]
    assert [row.lots for row in report.by_month] == [1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]
    def rows(breakdown):
        return [(row.key, row.lots, row.amount, row.totals.budget, row.totals.start) for row in breakdown]

    assert rows(report.by_trade_type) == rows(statistics.by_trade_type(session, filters))
    assert rows(report.by_month) == rows(statistics.by_month(session, filters))
    assert rows(report.by_region) == rows(statistics.by_region(session, filters))
    land = next(row for row in report.by_region if row.key == "421221")
    assert land.premium["premium_rate"].text == "10.00%" and land.savings["savings_rate"].value is None
    savings = report.savings["savings_rate"]
    assert (savings.numerator, savings.denominator) == (D(65), D(680))
    assert statistics.by_month(session, Filters())[-1].key == "2011-01"  # unbounded: the months that have lots


def test_the_pages_of_lots_add_up_to_the_figure(session, now):
    for n in range(7):
        add(session, now, 1000 + 37 * n, budget=1100 + 11 * n * n, region="421200" if n % 2 else "421221",
            on=date(2010, 1 + n, 10))
    add(session, now, 400, trade_type="construction")  # no budget: not in the savings list
    add(session, now, 900, start=800)
    filters = Filters(region="421200")
    figure = statistics.savings(session, filters)["savings_rate"]
    pages = [statistics.lots(session, filters, sort="savings", descending=True, page=p, per_page=3) for p in (1, 2, 3)]
    assert pages[0].total == 7 and pages[0].pages == 3 and [len(p.deals) for p in pages] == [3, 3, 1]
    deals = [deal for page in pages for deal in page.deals]
    assert len({deal.id for deal in deals}) == 7
    assert sum(deal.budget for deal in deals) == figure.denominator
    assert sum(deal.savings for deal in deals) == figure.numerator
    assert [deal.savings for deal in deals] == sorted((deal.savings for deal in deals), reverse=True)
    assert figure.count == 7 and figure.excluded == 1
    everything = statistics.lots(session, filters, kind="all", sort="budget", per_page=500)
    assert everything.total == 9 and everything.deals[-1].base is None  # lots without a base come last
    by_date = statistics.lots(session, filters, kind="all", sort="date", per_page=500).deals
    assert [d.awarded_on for d in by_date] == sorted(d.awarded_on for d in by_date)
    premium = statistics.lots(session, filters, kind="premium")
    assert premium.total == 1 and premium.deals[0].premium == D(100) and premium.deals[0].rate == D("0.125")
    exported, complete = statistics.export_deals(session, filters, limit=5)
    assert len(exported) == 5 and not complete
    exported, complete = statistics.export_deals(session, filters)
    assert complete and [d.id for d in exported] == [d.id for d in by_date]


# -- historical import -----------------------------------------------------------------------------------------

HEADER = ["项目名称", "标段名称", "交易类型", "交易方式", "行政区划代码", "资金来源", "预算或招标控制价", "起始价",
          "中标或成交价", "公告日期", "中标或成交日期"]
GOOD = [
    ["咸宁市温泉路道路改造工程", "第一标段", "建设工程", "公开招标", "421200", "财政资金", "12500000", "",
     "12180000", "2010-03-01", "2010-03-29"],
    ["咸宁市温泉路道路改造工程", "第二标段", "建设工程", "公开招标", "421200", "财政资金", "8000000", "",
     "7900000.50", "2010-03-01", "2010-03-29"],
    ["咸政储(2010)12号地块", "温泉路以东商住用地", "土地", "挂牌", "421200", "", "", "30000000", "32500000", "",
     "2010-05-20"],
]


def csv_file(rows) -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *rows])
    return io.BytesIO(text.getvalue().encode("utf-8-sig"))


def xlsx_file(rows) -> io.BytesIO:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def refusal(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    return refused.value


@pytest.mark.parametrize(("name", "make"), [("2010年成交.csv", csv_file), ("2010年成交.xlsx", xlsx_file)])
def test_a_good_file_is_imported_and_audited_and_not_twice(ctx, session, now, name, make):
    rows = history.read_rows(name, make(GOOD))
    result = history.import_history(ctx, session, "cli", now, rows, name)
    assert (result.source, result.lots, result.by_trade_type) == (f"import:{name}", 3, {"construction": 2, "land": 1})
    assert result.amount == D("52580000.50")
    deal = session.scalar(sa.select(Deal).where(Deal.lot_name == "第二标段"))
    assert deal.imported and deal.price == D("7900000.50") and deal.awarded_month == "2010-03"
    assert statistics.amounts(session, Filters()).total.projects == 2
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "deal.import"))
    assert entry.payload["lots"] == 3 and entry.actor_label == "cli"
    again = refusal(history.import_history, ctx, session, "cli", now, history.read_rows(name, make(GOOD)), name)
    assert again.field == "file" and [e["line"] for e in again.params["errors"]] == [2, 3, 4]
    assert again.params["errors"][0]["params"] == {"source": f"import:{name}"}


@pytest.mark.parametrize(("name", "make"), [("bad.csv", csv_file), ("bad.xlsx", xlsx_file)])
def test_a_file_with_bad_rows_imports_nothing_and_reports_every_bad_row(ctx, session, now, name, make):
    bad = [GOOD[0], [*GOOD[1][:6], "8000000", "", "-5", "2010-03-01", "2010-03-29"],
           [*GOOD[2][:4], "4212", *GOOD[2][5:9], "2010-06-01", "2010-05-20"], GOOD[0]]
    error = refusal(history.import_history, ctx, session, "cli", now, history.read_rows(name, make(bad)), name)
    assert error.field == "file" and error.params["count"] == 4 and error.params["rows"] == 3
    assert [(e["line"], e["field"]) for e in error.params["errors"]] == [
        (3, "award_price"), (4, "region_code"), (4, "announced_on"), (5, None)]
    assert str(error).startswith("Nothing was imported: the file has errors on 3 of its lines (4 in all).")
    assert session.scalar(sa.select(sa.func.count(Deal.id))) == 0


def test_unreadable_files_and_outsiders_are_refused(ctx, session, now):
    assert refusal(history.read_rows, "deals.txt", io.BytesIO(b"x")).field == "file"
    assert refusal(history.read_rows, "deals.xlsx", io.BytesIO(b"not a zip")).field == "file"
    assert refusal(history.read_rows, "deals.csv", io.BytesIO(b"\xff\xfe\xff\xff\x00")).field == "file"
    assert refusal(history.import_history, ctx, session, "cli", now, [], "empty.csv").field == "file"

    class Bidder:
        def has_role(self, *roles):
            return "bidder" in roles

    with pytest.raises(Forbidden):
        history.import_history(ctx, session, Bidder(), now, history.read_rows("a.csv", csv_file(GOOD)), "a.csv")


# -- scenarios and calibration ---------------------------------------------------------------------------------

@pytest.fixture
def scenarios(session, now):
    """Both calibration scenarios loaded."""
    for name in ("xianning-2010", "badong-2010"):
        history.load_scenario(session, "cli", now, name)
    return session


def test_a_scenario_loads_once(scenarios, now):
    assert history.loaded_scenarios(scenarios) == {"xianning-2010", "badong-2010"}
    assert refusal(history.load_scenario, scenarios, "cli", now, "xianning-2010").field == "name"
    assert refusal(history.load_scenario, scenarios, "cli", now, "wuhan-2011").field == "name"
    assert scenarios.scalar(sa.select(sa.func.count(Deal.id)).where(Deal.imported)) == 333 + 94
    assert scenarios.scalar(sa.select(sa.func.count(AuditEntry.seq))) == 2


def test_calibration_reproduces_every_reproducible_figure(scenarios):
    rows = {(row["scope"], row["figure"]): row for row in statistics.calibration(scenarios)}
    assert len(rows) == len(PUBLISHED)
    for item in PUBLISHED:
        row = rows[(item.scope, item.figure)]
        if item.reproducible:
            assert row["difference"] == 0 and row["platform"] == item.expected, row
        else:
            assert row["status"] == "differs", row
    assert {key for key, row in rows.items() if row["status"] == "exact"} >= {
        (CENTRE, "land_start"), (CENTRE, "land_premium"), (CENTRE, "savings"), (CENTRE, "construction_amount")}
    premium = rows[(CENTRE, "premium_rate")]
    assert format_rate(premium["platform"]) == "7.24%" and premium["difference"] == 0
    assert "1,154,980,000 − 1,077,000,000" in premium["reason"]
    assert "2.6% cannot be reproduced" in rows[(CENTRE, "savings_rate")]["reason"]


def test_the_xianning_centre_report_shows_the_premium_working(scenarios):
    """Xianning Jan–Aug 2010 without the counties: 1,077,000,000 -> 1,154,980,000, +77,980,000, 7.24%."""
    filters = Filters.period("dates", "2010-01-01..2010-08-31", region="421200", include_subordinates=False)
    report = statistics.report(scenarios, filters)
    rate = report.premium["premium_rate"]
    assert (rate.denominator, rate.numerator, rate.text) == (D(1_077_000_000), D(77_980_000), "7.24%")
    assert "1,154,980,000.00 − 1,077,000,000.00" in rate.working_en
    assert report.amounts.total.lots == 119 and report.amounts.total.projects == 108
    assert report.savings["savings_rate"].numerator == D(160_672_600)
    parcels = statistics.lots(scenarios, filters, kind="premium", sort="price", per_page=20)
    deals = [d for page in range(1, parcels.pages + 1)
             for d in statistics.lots(scenarios, filters, kind="premium", sort="price", page=page, per_page=20).deals]
    assert len(deals) == 49 and sum(d.starting_price for d in deals) == D(1_077_000_000)
    assert sum(d.price for d in deals) == D(1_154_980_000)


def test_the_rollup_gives_the_same_report_as_the_deals(session, now):
    """Whole months are read from the rollup, other periods from the deals: the same sums either way."""
    add(session, now, "900", budget="1000", on=date(2010, 1, 31))
    add(session, now, "1100", budget="1000", trade_type="procurement", region="421221", on=date(2010, 2, 1))
    add(session, now, "130", start="100", on=date(2010, 2, 28))
    add(session, now, "50", on=date(2010, 3, 1), trade_type="property")
    for month in (1, 2, 3):  # one project whose lots fall in three cells, and one with two lots in one cell
        add(session, now, "480", budget="500", project="跨月项目", on=date(2010, month, 10))
    add(session, now, "70", budget="80", project="同月项目", on=date(2010, 2, 10))
    add(session, now, "75", budget="80", project="同月项目", on=date(2010, 2, 11))
    for filters in (Filters(), Filters.period("year", "2010"), Filters.period("quarter", "2010-Q1", region="421200"),
                    Filters.period("month", "2010-02", trade_type="land")):
        assert statistics._on_whole_months(filters)
        by_cells, by_deals = statistics.report(session, filters), statistics.report(session, filters, rollup=False)
        assert (by_cells.totals, by_cells.by_month, by_cells.by_region, by_cells.amounts) == (
            by_deals.totals, by_deals.by_month, by_deals.by_region, by_deals.amounts)
    assert statistics.report(session, Filters.period("year", "2010")).amounts.total.projects == 6
    assert statistics.report(session, Filters.period("month", "2010-02")).amounts.total.projects == 4
    assert not statistics._on_whole_months(Filters.period("dates", "2010-01-15..2010-02-20"))
    assert not statistics._on_whole_months(Filters(funding_source="财政"))


def test_the_share_traded_in_the_centre_counts_the_imported_records_that_say_so(ctx, session, now):
    rows = [{"project_name": "通山县学校食堂改造", "lot_name": "一标段", "trade_type": "建设工程",
             "region_code": "421224", "budget": "100000", "award_price": "98000", "awarded_on": "2010-05-10",
             "in_centre": in_centre}
            for in_centre in ("是", "否", "")]
    for n, row in enumerate(rows):
        row["lot_name"] = f"{n + 1}标段"
    history.import_history(ctx, session, None, now, rows, "past.csv")
    for rollup in (True, False):
        total = statistics.report(session, Filters.period("year", "2010"), rollup=rollup).amounts.total
        assert (total.in_centre, total.lots) == (2, 3) and total.in_centre_share == Decimal(2) / 3
