"""The statistics workbook: a sheet of lots, a sheet of figures and three breakdowns (by trade type, month and
region) whose counts, sums and rates are live Excel formulas over the lot sheet, so an auditor can recompute every
figure in Excel (or change a lot and watch it move); each figure sits beside the value the page shows. A sheet
筛选条件 records the filters the workbook was made with, when and by whom. Headings are in the user's language;
every column has a width that shows its longest amount (no ####)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import openpyxl
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from ...domain import regions, rules, statistics as defs
from ...domain.calendar import to_local
from ..spreadsheets import Formula, append

MONEY, RATE, COUNT = "#,##0.00", "0.00%", "0"
# Widths in characters: an amount below 10^16 yuan with its separators and fen is 24 characters.
TEXT_WIDTH, MONEY_WIDTH, NARROW = 32, 24, 12


def _t(zh: bool, chinese: str, english: str) -> str:
    return chinese if zh else english


def _number(value: Decimal | None):
    """A money cell: a number Excel can add (two decimals; the platform's Decimal is exact to the fen)."""
    return None if value is None else float(value)


def _head(sheet: Worksheet, names: list[str], widths: list[int]) -> None:
    """The heading row in bold, and each column's width."""
    append(sheet, names)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _month_key(month: str) -> int:
    """A month 'YYYY-MM' as the number YYYYMM the lot sheet and the month sheet match on (a text like 2010-03 would
    be read as a date by COUNTIFS)."""
    return int(month.replace("-", ""))


def _region_text(code: str) -> str:
    return f"{code} {regions.name_or_code(code)}"


def _type_name(code: str, zh: bool) -> str:
    found = rules.TRADE_TYPES.get(code)
    return "" if found is None else (found.name_zh if zh else found.name_en)


def _method_name(code: str | None, zh: bool) -> str:
    found = rules.METHODS.get(code) if code else None
    return "" if found is None else (found.name_zh if zh else found.name_en)


def sheet_names(zh: bool) -> dict[str, str]:
    """The sheets' names in the user's language."""
    return {"lots": _t(zh, "成交记录", "Lots"), "figures": _t(zh, "指标", "Figures"),
            "trade_type": _t(zh, "按交易类型", "By trade type"), "month": _t(zh, "按月份", "By month"),
            "region": _t(zh, "按地区", "By region"), "filters": _t(zh, "筛选条件", "Filters")}


def _lot_sheet(sheet: Worksheet, deals, zh: bool) -> None:
    head = [_t(zh, "项目名称", "Project"), _t(zh, "标段（宗地）", "Lot (parcel)"), _t(zh, "交易类型", "Trade type"),
            _t(zh, "交易方式", "Method"), _t(zh, "行政区划", "Region"), _t(zh, "中标/成交日期", "Award date"),
            _t(zh, "预算价或招标控制价（元）", "Budget or control price (yuan)"),
            _t(zh, "起始价（元）", "Starting price (yuan)"),
            _t(zh, "中标价或成交价（元）", "Award or deal price (yuan)"),
            _t(zh, "计入节资率", "In the savings rate"), _t(zh, "节资额（元）", "Savings (yuan)"),
            _t(zh, "单项节资率", "Lot savings rate"), _t(zh, "计入溢价率", "In the premium rate"),
            _t(zh, "溢价额（元）", "Premium (yuan)"), _t(zh, "单项溢价率", "Lot premium rate"),
            _t(zh, "来源", "Source"),
            _t(zh, "成交月份", "Award month"), _t(zh, "进场交易", "Traded in the centre"),
            _t(zh, "项目标识", "Project key")]
    _head(sheet, head, [TEXT_WIDTH, TEXT_WIDTH, NARROW, NARROW, 22, NARROW, MONEY_WIDTH, MONEY_WIDTH, MONEY_WIDTH,
                        NARROW, MONEY_WIDTH, NARROW, NARROW, MONEY_WIDTH, NARROW, NARROW, NARROW, NARROW, TEXT_WIDTH])
    for row, deal in enumerate(deals, start=2):
        append(sheet, [deal.project_name, deal.lot_name, _type_name(deal.trade_type, zh),
                       _method_name(deal.method, zh), _region_text(deal.region_code), deal.awarded_on,
                       _number(deal.budget), _number(deal.starting_price), _number(deal.price),
                       *map(Formula, (f'=IF(AND(ISNUMBER(G{row}),ISNUMBER(I{row})),1,0)',
                                      f'=IF(J{row}=1,G{row}-I{row},"")', f'=IF(J{row}=1,(G{row}-I{row})/G{row},"")',
                                      f'=IF(AND(ISNUMBER(H{row}),ISNUMBER(I{row})),1,0)',
                                      f'=IF(M{row}=1,I{row}-H{row},"")', f'=IF(M{row}=1,(I{row}-H{row})/H{row},"")')),
                       _t(zh, "导入", "imported") if deal.imported else _t(zh, "平台", "platform"),
                       _month_key(deal.awarded_month), 1 if deal.in_centre else 0, deal.project_key])
        for column in "GHIKN":
            sheet[f"{column}{row}"].number_format = MONEY
        for column in "LO":
            sheet[f"{column}{row}"].number_format = RATE
        sheet[f"F{row}"].number_format = "yyyy-mm-dd"


def _figures(sheet: Worksheet, data, lots: str, last: int, zh: bool, complete: bool) -> None:
    col = {c: f"'{lots}'!{c}2:{c}{last}" for c in "AGHIJKLMNORS"}
    _head(sheet, [_t(zh, "指标", "Figure"), _t(zh, "数值", "Value"), _t(zh, "公式说明", "How it is computed"),
                  _t(zh, "平台页面显示", "Shown on the page")], [36, MONEY_WIDTH, 52, MONEY_WIDTH])
    sv, pr = data.savings, data.premium
    formula = {code: (d.formula_zh if zh else d.formula_en) for code, d in defs.DEFINITIONS.items()}
    projects = col["S"]
    rows = [  # (name, formula, how it is computed, the figure the page shows, number format); row 2 is B2
        (_t(zh, "交易标段（宗地）数", "Lots (parcels) traded"), f"=COUNTA({col['A']})",
         _t(zh, "成交记录行数", "rows of the lot sheet"), data.amounts.total.lots, COUNT),
        (_t(zh, "交易金额（元）", "Amount traded (yuan)"), f"=SUM({col['I']})",
         _t(zh, "Σ 中标价或成交价", "Σ award or deal price"), data.amounts.total.amount, MONEY),
        (_t(zh, "计入节资率的标段数", "Lots in the savings rate"), f"=SUM({col['J']})",
         _t(zh, "预算价与中标价都有的工程、采购标段", "construction and procurement lots with a budget and an award"),
         sv["savings_rate"].count, COUNT),
        (_t(zh, "预算价合计（元）", "Budgets (yuan)"), f"=SUMIFS({col['G']},{col['J']},1)",
         _t(zh, "Σ 预算价（计入的标段）", "Σ budget (lots counted)"), sv["savings_rate"].denominator, MONEY),
        (_t(zh, "中标价合计（元）", "Award prices (yuan)"), f"=SUMIFS({col['I']},{col['J']},1)",
         _t(zh, "Σ 中标价（计入的标段）", "Σ award price (lots counted)"), data.totals.budget_awards, MONEY),
        (_t(zh, "节资额（元）", "Savings (yuan)"), "=B5-B6",
         _t(zh, "预算价合计 − 中标价合计", "budgets − award prices"), sv["savings_rate"].numerator, MONEY),
        (_t(zh, "节资率", "Savings rate"), '=IF(B5=0,"",B7/B5)', formula["savings_rate"], sv["savings_rate"].value,
         RATE),
        (_t(zh, "平均节资率（备选口径）", "Mean savings rate (other definition)"),
         f'=IF(B4=0,"",AVERAGE({col["L"]}))', formula["savings_rate_mean"], sv["savings_rate_mean"].value, RATE),
        (_t(zh, "节资率（以中标价为基数，备选口径）", "Savings rate on the award prices (other definition)"),
         '=IF(B6=0,"",B7/B6)', formula["savings_rate_award_base"], sv["savings_rate_award_base"].value, RATE),
        (_t(zh, "计入溢价率的标的数", "Lots in the premium rate"), f"=SUM({col['M']})",
         _t(zh, "起始价与成交价都有的土地、产权标的", "land and property lots with a starting and a deal price"),
         pr["premium_rate"].count, COUNT),
        (_t(zh, "起始价合计（元）", "Starting prices (yuan)"), f"=SUMIFS({col['H']},{col['M']},1)",
         _t(zh, "Σ 起始价（计入的标的）", "Σ starting price (lots counted)"), pr["premium_rate"].denominator, MONEY),
        (_t(zh, "成交价合计（元）", "Deal prices (yuan)"), f"=SUMIFS({col['I']},{col['M']},1)",
         _t(zh, "Σ 成交价（计入的标的）", "Σ deal price (lots counted)"), data.totals.deals, MONEY),
        (_t(zh, "溢价额（元）", "Premium (yuan)"), "=B13-B12",
         _t(zh, "成交价合计 − 起始价合计", "deal prices − starting prices"), pr["premium_rate"].numerator, MONEY),
        (_t(zh, "溢价率", "Premium rate"), '=IF(B12=0,"",B14/B12)', formula["premium_rate"], pr["premium_rate"].value,
         RATE),
        (_t(zh, "平均溢价率（备选口径）", "Mean premium rate (other definition)"),
         f'=IF(B11=0,"",AVERAGE({col["O"]}))', formula["premium_rate_mean"], pr["premium_rate_mean"].value, RATE),
        (_t(zh, "溢价率（以成交价为基数，备选口径）", "Premium rate on the deal prices (other definition)"),
         '=IF(B13=0,"",B14/B13)', formula["premium_rate_deal_base"], pr["premium_rate_deal_base"].value, RATE),
        (_t(zh, "项目数", "Projects"),
         f'=IF(COUNTA({projects})=0,0,SUMPRODUCT(({projects}<>"")/COUNTIF({projects},{projects}&"")))',
         _t(zh, "不同项目标识的个数（一个项目可有多个标段）",
            "distinct project keys (a project may have several lots)"),
         data.amounts.total.projects, COUNT),
        (_t(zh, "进场交易标段数", "Lots traded in the centre"), f"=SUM({col['R']})",
         _t(zh, "“进场交易”为 1 的标段", "lots whose column 'traded in the centre' is 1"),
         data.amounts.total.in_centre, COUNT),
        (_t(zh, "进场交易率", "Share traded in the centre"), '=IF(B2=0,"",B19/B2)',
         _t(zh, "进场交易标段数 / 交易标段数", "lots traded in the centre / lots"),
         data.amounts.total.in_centre_share, RATE),
    ]
    for number, (name, text, explained, shown, fmt) in enumerate(rows, start=2):
        append(sheet, [name, Formula(text), explained, _number(shown) if isinstance(shown, Decimal) else shown])
        sheet[f"B{number}"].number_format = sheet[f"D{number}"].number_format = fmt
    if not complete:
        append(sheet, [])
        append(sheet, [_t(zh, "注意：成交记录超过导出上限，只导出了前一部分；"
                              "公式只覆盖导出的记录，页面数值覆盖全部记录。",
                          "Note: there are more lots than an export holds; only the first were exported. The "
                          "formulas cover the exported lots, the page's figures all of them.")])


def _breakdown(sheet: Worksheet, rows, key_column: str, keys: list, names: list[str], lots: str, last: int,
               zh: bool, title: str) -> None:
    """One row per key: lots, amount, savings and premium rates as COUNTIFS/SUMIFS over the lot sheet's column
    ``key_column``, and beside them the page's figures."""
    col = {c: f"'{lots}'!{c}2:{c}{last}" for c in f"GHIJKMN{key_column}"}
    _head(sheet, [title, _t(zh, "标段数", "Lots"), _t(zh, "交易金额（元）", "Amount traded (yuan)"),
                  _t(zh, "节资率", "Savings rate"), _t(zh, "溢价率", "Premium rate"),
                  _t(zh, "页面：标段数", "Page: lots"), _t(zh, "页面：交易金额（元）", "Page: amount (yuan)"),
                  _t(zh, "页面：节资率", "Page: savings rate"), _t(zh, "页面：溢价率", "Page: premium rate"),
                  _t(zh, "分类值（与成交记录一致）", "Key (as on the lot sheet)")],
          [22, NARROW, MONEY_WIDTH, NARROW, NARROW, NARROW, MONEY_WIDTH, NARROW, NARROW, 22])
    key = col[key_column]
    for number, (row, name, value) in enumerate(zip(rows, names, keys, strict=True), start=2):
        k = f"J{number}"
        budgets = f"SUMIFS({col['G']},{key},{k},{col['J']},1)"
        starts = f"SUMIFS({col['H']},{key},{k},{col['M']},1)"
        append(sheet, [name, Formula(f"=COUNTIFS({key},{k})"), Formula(f"=SUMIFS({col['I']},{key},{k})"),
                       Formula(f'=IF({budgets}=0,"",SUMIFS({col["K"]},{key},{k})/{budgets})'),
                       Formula(f'=IF({starts}=0,"",SUMIFS({col["N"]},{key},{k})/{starts})'),
                       row.lots, _number(row.amount), _number(row.savings["savings_rate"].value),
                       _number(row.premium["premium_rate"].value), value])
        for column, fmt in zip("BCDEFGHI", (COUNT, MONEY, RATE, RATE, COUNT, MONEY, RATE, RATE), strict=True):
            sheet[f"{column}{number}"].number_format = fmt


def _filters_sheet(sheet: Worksheet, filters, zh: bool, made_at: datetime, made_by: str, complete: bool) -> None:
    everything = _t(zh, "全部", "all")
    period = everything
    if filters.start is not None or filters.end is not None:
        end = date.fromordinal(filters.end.toordinal() - 1).isoformat() if filters.end else "…"
        period = f"{filters.start.isoformat() if filters.start else '…'} – {end}"
    region = everything
    if filters.region:
        scope = (_t(zh, "（含下级地区）", " (with its subordinate regions)") if filters.include_subordinates
                 else _t(zh, "（仅本级）", " (itself only)"))
        region = _region_text(filters.region) + scope
    origin = {None: everything, True: _t(zh, "仅导入的历史记录", "imported records only"),
              False: _t(zh, "仅平台交易", "platform lots only")}[filters.imported]
    _head(sheet, [_t(zh, "条件", "Filter"), _t(zh, "取值", "Value")], [24, 60])
    for name, value in [
        (_t(zh, "统计期间（中标/成交日期）", "Period (award dates)"), period),
        (_t(zh, "行政区划", "Region"), region),
        (_t(zh, "交易类型", "Trade type"), _type_name(filters.trade_type, zh) if filters.trade_type else everything),
        (_t(zh, "交易方式", "Method"), _method_name(filters.method, zh) if filters.method else everything),
        (_t(zh, "资金来源（包含）", "Funding source (contains)"), filters.funding_source or everything),
        (_t(zh, "数据来源", "Origin"), origin),
        (_t(zh, "导出时间（北京时间）", "Made at (Beijing time)"), to_local(made_at).strftime("%Y-%m-%d %H:%M:%S")),
        (_t(zh, "导出人", "Made by"), made_by),
        (_t(zh, "成交记录是否完整", "All lots exported"), _t(zh, "是", "yes") if complete else _t(zh, "否", "no")),
    ]:
        append(sheet, [name, value])


def workbook(data, deals, *, made_at: datetime, made_by: str, complete: bool = True,
             zh: bool = True) -> openpyxl.Workbook:
    """The workbook for a report (``services.statistics.report``) and its filtered deals, in Chinese or English,
    recording when and by whom it was made."""
    names = sheet_names(zh)
    book = openpyxl.Workbook()
    lot_sheet = book.active
    lot_sheet.title = names["lots"]
    _lot_sheet(lot_sheet, deals, zh)
    last = max(2, len(deals) + 1)
    _figures(book.create_sheet(names["figures"]), data, names["lots"], last, zh, complete)
    types = [_type_name(r.key, zh) for r in data.by_trade_type]
    _breakdown(book.create_sheet(names["trade_type"]), data.by_trade_type, "C", types, types, names["lots"], last, zh,
               _t(zh, "交易类型", "Trade type"))
    _breakdown(book.create_sheet(names["month"]), data.by_month, "Q", [_month_key(r.key) for r in data.by_month],
               [r.key for r in data.by_month], names["lots"], last, zh, _t(zh, "月份", "Month"))
    places = [_region_text(r.key) for r in data.by_region]
    _breakdown(book.create_sheet(names["region"]), data.by_region, "E", places, places, names["lots"], last, zh,
               _t(zh, "地区", "Region"))
    _filters_sheet(book.create_sheet(names["filters"]), data.filters, zh, made_at, made_by, complete)
    book.active = 1
    return book
