"""The statistics workbook: a sheet of lots and a sheet of figures whose sums and rates are live Excel formulas
over the lot sheet, so an auditor can recompute every figure in Excel (or change a lot and watch it move)."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
from openpyxl.styles import Font

from ...domain import regions, rules, statistics as defs
from ..spreadsheets import Formula, append

LOTS, FIGURES = "成交记录", "指标"
HEAD = ["项目名称", "标段（宗地）", "交易类型", "交易方式", "行政区划", "中标/成交日期",
        "预算价或招标控制价（元）", "起始价（元）", "中标价或成交价（元）", "计入节资率", "节资额（元）", "单项节资率",
        "计入溢价率", "溢价额（元）", "单项溢价率", "来源"]
MONEY, RATE = "#,##0.00", "0.00%"


def _number(value: Decimal | None):
    """A money cell: a number Excel can add (two decimals; the platform's Decimal is exact to the fen)."""
    return None if value is None else float(value)


def workbook(data, deals, *, complete: bool = True) -> openpyxl.Workbook:
    """The workbook for a report (``services.statistics.report``) and its filtered deals."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = LOTS
    append(sheet, HEAD)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row, deal in enumerate(deals, start=2):
        append(sheet, [deal.project_name, deal.lot_name, rules.TRADE_TYPES[deal.trade_type].name_zh,
                       rules.METHODS[deal.method].name_zh if deal.method in rules.METHODS else "",
                       f"{deal.region_code} {regions.name_or_code(deal.region_code)}", deal.awarded_on,
                       _number(deal.budget), _number(deal.starting_price), _number(deal.price),
                       *map(Formula, (f'=IF(AND(ISNUMBER(G{row}),ISNUMBER(I{row})),1,0)',
                                      f'=IF(J{row}=1,G{row}-I{row},"")', f'=IF(J{row}=1,(G{row}-I{row})/G{row},"")',
                                      f'=IF(AND(ISNUMBER(H{row}),ISNUMBER(I{row})),1,0)',
                                      f'=IF(M{row}=1,I{row}-H{row},"")', f'=IF(M{row}=1,(I{row}-H{row})/H{row},"")')),
                       "导入" if deal.imported else "平台"])
        for column in "GHIKN":
            sheet[f"{column}{row}"].number_format = MONEY
        for column in "LO":
            sheet[f"{column}{row}"].number_format = RATE
        sheet[f"F{row}"].number_format = "yyyy-mm-dd"
    last = max(2, len(deals) + 1)
    col = {c: f"{LOTS}!{c}2:{c}{last}" for c in "GHIJKLMNO"}
    figures = book.create_sheet(FIGURES)
    append(figures, ["指标", "数值", "公式说明", "平台页面显示"])
    for cell in figures[1]:
        cell.font = Font(bold=True)
    sv, pr, zh = data.savings, data.premium, {code: d.formula_zh for code, d in defs.DEFINITIONS.items()}
    rows = [  # (name, formula, how it is computed, the figure the page shows, number format); row 2 is B2
        ("交易标段（宗地）数", f"=COUNTA({LOTS}!A2:A{last})", "成交记录行数", data.amounts.total.lots, None),
        ("交易金额（元）", f"=SUM({col['I']})", "Σ 中标价或成交价", data.amounts.total.amount, MONEY),
        ("计入节资率的标段数", f"=SUM({col['J']})", "预算价与中标价都有的工程、采购标段",
         sv["savings_rate"].count, None),
        ("预算价合计（元）", f"=SUMIFS({col['G']},{col['J']},1)", "Σ 预算价（计入的标段）",
         sv["savings_rate"].denominator, MONEY),
        ("中标价合计（元）", f"=SUMIFS({col['I']},{col['J']},1)", "Σ 中标价（计入的标段）",
         data.totals.budget_awards, MONEY),
        ("节资额（元）", "=B5-B6", "预算价合计 − 中标价合计", sv["savings_rate"].numerator, MONEY),
        ("节资率", '=IF(B5=0,"",B7/B5)', zh["savings_rate"], sv["savings_rate"].value, RATE),
        ("平均节资率（备选口径）", f'=IF(B4=0,"",AVERAGE({col["L"]}))', zh["savings_rate_mean"],
         sv["savings_rate_mean"].value, RATE),
        ("节资率（以中标价为基数，备选口径）", '=IF(B6=0,"",B7/B6)', zh["savings_rate_award_base"],
         sv["savings_rate_award_base"].value, RATE),
        ("计入溢价率的标的数", f"=SUM({col['M']})", "起始价与成交价都有的土地、产权标的",
         pr["premium_rate"].count, None),
        ("起始价合计（元）", f"=SUMIFS({col['H']},{col['M']},1)", "Σ 起始价（计入的标的）",
         pr["premium_rate"].denominator, MONEY),
        ("成交价合计（元）", f"=SUMIFS({col['I']},{col['M']},1)", "Σ 成交价（计入的标的）", data.totals.deals, MONEY),
        ("溢价额（元）", "=B13-B12", "成交价合计 − 起始价合计", pr["premium_rate"].numerator, MONEY),
        ("溢价率", '=IF(B12=0,"",B14/B12)', zh["premium_rate"], pr["premium_rate"].value, RATE),
        ("平均溢价率（备选口径）", f'=IF(B11=0,"",AVERAGE({col["O"]}))', zh["premium_rate_mean"],
         pr["premium_rate_mean"].value, RATE),
        ("溢价率（以成交价为基数，备选口径）", '=IF(B13=0,"",B14/B13)', zh["premium_rate_deal_base"],
         pr["premium_rate_deal_base"].value, RATE),
    ]
    for number, (name, formula, explained, shown, fmt) in enumerate(rows, start=2):
        append(figures, [name, Formula(formula), explained, _number(shown) if isinstance(shown, Decimal) else shown])
        if fmt:
            figures[f"B{number}"].number_format = figures[f"D{number}"].number_format = fmt
    if not complete:
        append(figures, [])
        append(figures, ["注意：成交记录超过导出上限，只导出了前一部分；公式只覆盖导出的记录，页面数值覆盖全部记录。"])
    figures.column_dimensions["A"].width, figures.column_dimensions["C"].width = 34, 48
    figures.column_dimensions["B"].width = figures.column_dimensions["D"].width = 22
    book.active = 1
    return book
