"""Historical deal records: typed parsing, refusals naming the field, every bad row and duplicate reported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from trading.domain import history
from trading.domain.errors import DomainError
from trading.domain.history import FIELDS, HistoricalLot, field_for_header, parse_record, validate
from trading.domain.rules import DEFAULT_RULES as LAW
from trading.domain.tabular import Sheet

GOOD = {
    "project_name": "咸宁市温泉路道路改造工程",
    "lot_name": "第一标段",
    "trade_type": "construction",
    "method": "open",
    "region_code": "421200",
    "funding_source": "财政资金",
    "state_funded": "yes",
    "budget": "12,500,000.00",
    "starting_price": "",
    "award_price": "12180000",
    "announced_on": "2010-03-01",
    "awarded_on": "2010-03-29",
    "contracted_on": "2010-04-15",
}
LAND = {
    "project_name": "咸政储(2010)12号地块",
    "lot_name": "温泉路以东商住用地",
    "trade_type": "land",
    "method": "listing",
    "region_code": "421200",
    "starting_price": "30000000",
    "award_price": "32500000",
    "awarded_on": "2010-05-20",
}


def row(base=GOOD, **changes):
    """A copy of a record with some cells changed."""
    return {**base, **changes}


def test_good_record_is_parsed_to_typed_values():
    """Text cells become Decimal yuan, dates, codes and a bool; savings and premium follow."""
    lot = parse_record(GOOD, 2)
    assert lot == HistoricalLot(
        project_name="咸宁市温泉路道路改造工程", lot_name="第一标段", trade_type="construction", method="open",
        region_code="421200", funding_source="财政资金", state_funded=True, budget=Decimal("12500000.00"),
        starting_price=None, award_price=Decimal("12180000.00"), announced_on=dt.date(2010, 3, 1),
        awarded_on=dt.date(2010, 3, 29), contracted_on=dt.date(2010, 4, 15),
    )
    assert lot.savings == Decimal("320000.00") and lot.premium is None
    land = parse_record(LAND, 3)
    assert land.premium == Decimal("2500000.00") and land.savings is None
    assert land.method == "listing" and land.announced_on is None and land.state_funded is None
    assert parse_record(lot.as_record(), 2) == lot


def test_chinese_headers_and_names_are_accepted():
    """Chinese headers (also with a unit, or a usual variant), trade type and method names, 是/否."""
    record = {
        "项目名称": "咸宁市实验小学教学设备采购项目",
        "标段（包）名称": "第一包",
        "交易类型": "政府采购",
        "采购方式": "竞争性谈判",
        "行政区划代码": "421221",
        "资金来源": "财政性资金",
        "是否国有资金": "是",
        "预算（元）": "￥1,200,000元",
        "中标价": "１１５００００",
        "公告日期": "2010-06-01",
        "中标或成交日期": "2010-06-30",
        "序号": "7",
    }
    lot = parse_record(record, 2)
    assert (lot.trade_type, lot.method, lot.region_code, lot.state_funded) == ("procurement", "negotiation",
                                                                               "421221", True)
    assert (lot.budget, lot.award_price) == (Decimal("1200000.00"), Decimal("1150000.00"))
    assert [parse_record(row(LAND, trade_type=name), 2).trade_type for name in ("土地", "土地使用权出让", "Land")] \
        == ["land"] * 3
    prop = row(LAND, trade_type="产权", method="协议转让")
    assert parse_record(prop, 2).trade_type == "property"
    assert parse_record(row(trade_type="建设工程", state_funded="否"), 2).state_funded is False
    assert field_for_header("中标或成交价") == "award_price" and field_for_header("备注") is None
    assert [f.header_zh for f in FIELDS[:3]] == ["项目名称", "标段名称", "交易类型"]


def test_excel_cells_are_read():
    """Numbers and dates as Excel gives them (int, float, date, datetime) are accepted."""
    lot = parse_record(row(budget=12500000, award_price=12180000.5, announced_on=dt.date(2010, 3, 1),
                           awarded_on=dt.datetime(2010, 3, 29, 0, 0)), 2)
    assert lot.award_price == Decimal("12180000.50") and lot.awarded_on == dt.date(2010, 3, 29)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"project_name": "  "}, "project_name"),
        ({"project_name": "工" * 201}, "project_name"),
        ({"lot_name": ""}, "lot_name"),
        ({"trade_type": "石油"}, "trade_type"),
        ({"trade_type": ""}, "trade_type"),
        ({"method": "抽签"}, "method"),
        ({"method": "listing"}, "method"),
        ({"region_code": "421299"}, "region_code"),
        ({"region_code": "4212"}, "region_code"),
        ({"region_code": "421201"}, "region_code"),
        ({"funding_source": "资" * 201}, "funding_source"),
        ({"state_funded": "maybe"}, "state_funded"),
        ({"budget": "-5"}, "budget"),
        ({"budget": "0"}, "budget"),
        ({"budget": "abc"}, "budget"),
        ({"starting_price": "100"}, "starting_price"),
        ({"award_price": ""}, "award_price"),
        ({"award_price": "0.00"}, "award_price"),
        ({"award_price": "1.234"}, "award_price"),
        ({"announced_on": "2010-04-01"}, "announced_on"),
        ({"announced_on": "1/3/2010"}, "announced_on"),
        ({"awarded_on": ""}, "awarded_on"),
        ({"awarded_on": "2010-02-30"}, "awarded_on"),
        ({"awarded_on": "2010/03/29"}, "awarded_on"),
        ({"contracted_on": "2010-03-28"}, "contracted_on"),
        ({"中标价": "12180000"}, "award_price"),
    ],
)
def test_bad_field_is_named(changes, field):
    """Each bad cell is refused naming its field, with the row's line."""
    with pytest.raises(DomainError) as caught:
        parse_record(row(**changes), 7)
    assert caught.value.field == field
    assert caught.value.line == 7


def test_price_kind_must_fit_the_trade_type():
    """A budget on a land parcel or a starting price on works is refused; the method must suit the type."""
    with pytest.raises(DomainError) as caught:
        parse_record(row(LAND, budget="1000"), 2)
    assert caught.value.field == "budget" and caught.value.params == {"trade_type": "land"}
    with pytest.raises(DomainError) as caught:
        parse_record(row(LAND, method="open"), 2)
    assert (caught.value.field, caught.value.rule) == ("method", "land.methods")


def test_validate_reports_every_bad_row_and_every_bad_field():
    """All rows are checked: good rows become lots, each error comes with line, field, msgid and params."""
    records = [
        GOOD,
        row(award_price="0", awarded_on="2010-13-01"),
        row(LAND),
        {key: "" for key in GOOD},  # a blank row is skipped
        row(LAND, region_code="999999"),
    ]
    checked = validate(Sheet.of_records(records), rules=LAW)
    assert [lot.project_name for lot in checked.lots] == [GOOD["project_name"], LAND["project_name"]]
    assert checked.lines == [2, 4]
    errors = checked.errors
    assert [(e.line, e.field) for e in errors] == [(3, "award_price"), (3, "awarded_on"), (6, "region_code")]
    line, field, message, params, rule = errors[2]
    assert message == "There is no region with the code %(code)s (GB/T 2260)." and params == {"code": "999999"}
    assert rule == "identity.region"
    assert validate(Sheet.of_records([GOOD], first_line=10), rules=LAW).lines == [10]
    assert validate(Sheet(), rules=LAW).lots == validate(Sheet(), rules=LAW).errors == []


def test_validate_reports_duplicates():
    """A row with the same project, lot, region and award date as an earlier one is an error of the whole row."""
    records = [GOOD, row(award_price="1"), row(project_name=" 咸宁市温泉路道路改造工程 "), row(lot_name="第二标段"),
               row(awarded_on="2010-03-30")]
    lots, _, errors, _, _ = validate(Sheet.of_records(records), rules=LAW)
    assert len(lots) == 3
    assert [(e.line, e.field, e.params) for e in errors] == [(3, None, {"line": 2}), (4, None, {"line": 2})]
    assert errors[0].message == history.N_(
        "This row repeats line %(line)s: same project, lot, region and award date.")


def test_missing_required_column_is_reported_once_on_the_header_line():
    """A file without an award price column gets one error on line 1, not one per row."""
    records = [{k: v for k, v in GOOD.items() if k != "award_price"}] * 3
    lots, _, errors, _, _ = validate(Sheet.of_records(records), rules=LAW)
    assert lots == []
    assert [(e.line, e.field, e.params) for e in errors] == [(1, "award_price", {"column": "中标或成交价"})]


# -- units in the header ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("header", "cell", "yuan"),
    [
        ("预算或招标控制价（万元）", "2050", "20500000.00"),  # the file: 20,500,000 yuan, once read as 2,050
        ("预算或招标控制价(万元)", "2,050.1234", "20501234.00"),
        ("预算（亿元）", "0.205", "20500000.00"),
        ("预算金额/万元", "2050", "20500000.00"),
        ("预算万元", "2050", "20500000.00"),
        ("预算【单位：万元】", "2050", "20500000.00"),
        ("budget (10k yuan)", "2050", "20500000.00"),
        ("预算（千元）", "20500", "20500000.00"),
        ("预算（元）", "20500000", "20500000.00"),
        ("预算（人民币元）", "20,500,000.00", "20500000.00"),
        ("预算", "2050万元", "20500000.00"),  # a cell may name its unit when its column names none
        ("预算（万元）", "2050万", "20500000.00"),
    ],
)
def test_a_unit_in_the_header_is_applied_exactly(header, cell, yuan):
    """Amounts in a 万元 or 亿元 column are multiplied into exact Decimal yuan."""
    record = {k: v for k, v in GOOD.items() if k != "budget"} | {header: cell, "award_price": "20000000"}
    assert parse_record(record, 2).budget == Decimal(yuan)


def test_units_apply_to_every_money_column_and_the_report_lists_them():
    """The award price in 万元 too; ``validate`` gives the columns with their units."""
    record = {k: v for k, v in GOOD.items() if k not in ("budget", "award_price")}
    sheet = Sheet.of_records([record | {"预算或招标控制价（万元）": "1250", "中标价（万元）": "1218.0050"}])
    checked = validate(sheet, rules=LAW)
    assert checked.errors == [] and checked.lots[0].award_price == Decimal("12180050.00")
    assert {c.header: c.unit for c in checked.columns.values() if c.unit} == {
        "预算或招标控制价（万元）": "万元", "中标价（万元）": "万元"}


@pytest.mark.parametrize("header", ["预算（美元）", "中标价(含税)", "预算（%）", "起始价（万美元）"])
def test_a_money_column_whose_unit_cannot_be_read_is_refused_by_name(header):
    """The header line names the column; no row is read with a guessed unit."""
    field = field_for_header(header)
    record = {k: v for k, v in (LAND if field == "starting_price" else GOOD).items() if k != field}
    checked = validate(Sheet.of_records([record | {header: "100"}] * 2), rules=LAW)
    assert checked.lots == []
    assert [(e.line, e.field, e.params["header"]) for e in checked.errors] == [(1, field, header)]


def test_a_cell_naming_another_unit_than_its_column_is_refused():
    """元 in a 万元 column is a contradiction, not a guess; more than fen once multiplied is refused too."""
    base = {k: v for k, v in GOOD.items() if k != "budget"}
    with pytest.raises(DomainError) as caught:
        parse_record(base | {"预算（万元）": "2050元"}, 4)
    assert (caught.value.field, caught.value.line, caught.value.params["unit"]) == ("budget", 4, "万元")
    with pytest.raises(DomainError) as caught:
        parse_record(base | {"预算（万元）": "0.0000001"}, 4)  # a tenth of a fen
    assert caught.value.field == "budget"


def test_notes_after_other_headers_are_not_units():
    """是否国有资金（是/否） and 公告日期（YYYY-MM-DD） are still their columns."""
    record = {k: v for k, v in GOOD.items() if k not in ("state_funded", "announced_on")}
    lot = parse_record(record | {"是否国有资金（是/否）": "否", "公告日期(YYYY-MM-DD)": "2010-03-02"}, 2)
    assert lot.state_funded is False and lot.announced_on == dt.date(2010, 3, 2)


# -- control characters, duplicates, warnings -------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value", "char"), [
    ("project_name", "咸宁市\x00温泉路工程", "U+0000"),
    ("lot_name", "第一\u200b标段", "U+200B"),  # a zero-width space would defeat the duplicate check
    ("lot_name", "第一标段\u202e", "U+202E"),  # a bidirectional override
    ("region_code", "421200\x1b", "U+001B"),
])
def test_control_characters_are_refused_naming_line_column_and_character(field, value, char):
    checked = validate(Sheet.of_records([GOOD, row(**{field: value})]), rules=LAW)
    assert [(e.line, e.field, e.params["char"]) for e in checked.errors] == [(3, field, char)]


def test_line_breaks_and_tabs_in_a_name_collapse_to_a_space():
    """Excel's Alt+Enter inside a name is not a control character to refuse."""
    assert parse_record(row(project_name="咸宁市温泉路\n道路改造工程"), 2).project_name == "咸宁市温泉路 道路改造工程"


def test_duplicates_are_matched_after_nfkc_and_white_space():
    """标段 2 and 标段２ repeat 标段2, 标段３ repeats 标段3: one normalisation for the file and the stored deals."""
    names = ["标段2", "标段 2", "标段２", "标段3", "标段３", "标段二"]
    checked = validate(Sheet.of_records([row(lot_name=name) for name in names]), rules=LAW)
    assert [(e.line, e.params) for e in checked.errors] == [(3, {"line": 2}), (4, {"line": 2}), (6, {"line": 5})]
    assert history.deal_key("咸宁（2010）项目", " 标段３ ", "421200", dt.date(2010, 3, 29)) == \
        history.deal_key("咸宁(2010)项目", "标段3", "421200", dt.date(2010, 3, 29))


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        (row(budget="1000000", award_price="1200000"), "history.award_above_budget"),
        (row(budget="12500000", award_price="1218000"), "history.price_ratio"),  # 万元 typed as yuan?
        (row(LAND, starting_price="30000000", award_price="29000000"), "history.deal_below_start"),
        (row(LAND, starting_price="3000000", award_price="32500000"), "history.price_ratio"),
    ],
)
def test_sanity_warnings_are_listed_with_their_rule_not_as_errors(changes, rule):
    """The lot is good, so it is kept; the warning names its line, the field and the rule."""
    checked = validate(Sheet.of_records([LAND if changes["trade_type"] == "construction" else GOOD, changes]),
                       rules=LAW)
    assert checked.errors == [] and len(checked.lots) == 2
    assert [(w.line, w.field, w.rule) for w in checked.warnings] == [(3, "award_price", rule)]


def test_a_centre_may_make_the_price_ratio_stricter():
    """history.price_ratio is a rule: at 2 a saving of 60 % is worth a second look."""
    from trading.domain.rules import RuleSet

    sheet = Sheet.of_records([row(budget="1000000", award_price="400000")])
    assert validate(sheet, rules=LAW).warnings == []
    stricter = RuleSet.from_overrides({"history.price_ratio": 2})
    assert [w.rule for w in validate(sheet, rules=stricter).warnings] == ["history.price_ratio"]
