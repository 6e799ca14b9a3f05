"""Statistics of a set of lots, pure (DESIGN §8): definitions as data, figures with their working, periods, calibration.

Figures:
* Savings (节资额) of a lot = budget or control price − award price; premium (溢价/增值额) of a land or property lot =
  deal price − starting price. Either is None when one of its two prices is missing; savings may be negative
  (award above budget). Budgets and starting prices are above zero (the per-lot rate divides by them).
* Rates are Decimal fractions (``Decimal("0.0345...")`` is 3.45 %), computed at 34 significant digits from exact
  sums; only ``format_rate`` rounds, half up. A rate is None (shown "—") when its set is empty or its base is 0.
* The services aggregate in SQL and pass the sums to ``savings_figures`` / ``premium_figures``; the
  ``*_from_pairs`` helpers compute the same figures from (budget, award) or (start, deal) pairs for tests and
  small sets, so SQL results can be cross-checked. Lots missing a price are left out and counted (``excluded``).

Published figures (``PUBLISHED``, the table of seeds/README.md) and the decisions where they do not reconcile:
* Each is stored as printed (``stated``: "81.02亿元") and in yuan, lots or a fraction, with the precision it was
  printed at (``quantum``: 81.02亿元 is 8,102,000,000 to the 10^6 yuan). A platform figure *matches at the published
  precision* when it rounds half up to the published one; ``difference`` is taken at that precision (0 then),
  ``difference_exact`` is the raw platform − published.
* The category amounts 44.94亿 and 3213.77万 are read as award prices, so budgets = awards + savings.
* Land, Xianning centre Jan–Aug 2010: starting prices 10.77亿, deals 11.55亿 and premium 7798万 cannot all be exact
  (11.55亿 − 10.77亿 = 7800万). The starting prices and the premium are kept exact: the premium is the most precisely
  printed (to the 万, ±5,000 yuan; start and deals only to 0.01亿, ±500,000) and the starting prices are the base of
  the published 7.24%, so the working of the rate shows the printed numbers, 1,077,000,000 -> 1,154,980,000,
  +77,980,000 (the issue's acceptance check). The deals are then 1,154,980,000 yuan: "11.55亿" is read as a rounded
  figure, and the centre's total, 5,681,117,700, still rounds to the published 56.81亿. 7.24% holds either way
  (77,980,000 / 1,077,000,000 = 7.2405%; keeping the deals exact instead, 77.98 m / 1,077.02 m = 7.2403%), and
  ``calibrate`` relies only on the published precision, so lots keeping the deals exact calibrate as well.
* Not reproducible, explained by ``calibrate``: the centre's 108 projects (its categories add up to
  59 + 11 + 49 = 119 lots, which the platform counts; the amounts do reconcile, 56.81亿); the centre's savings rate
  2.6% (no sum-based definition gives less than 2.75% from the published amounts; the platform's gives 3.43%);
  and Badong's 2.24% under the platform's definition (2.18% when every lot has a budget). Badong's 2.24% is the
  savings over the amount traded: the published 5.17亿 is rounded, and any total from 516.50 m to 516.67 m gives
  2.235-2.236%, shown as 2.24% (exactly 517 m would give 2.23%).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from .errors import N_, DomainError

DASH = "—"
CENT = Decimal("0.01")
_CONTEXT = Context(prec=34)
Number = Decimal | int


# -- definitions -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Definition:
    """How a figure is computed, in both languages, and when it is used; ``alternative_of`` names the platform's."""

    code: str
    name_zh: str
    name_en: str
    formula_zh: str
    formula_en: str
    when_used_en: str
    when_used_zh: str
    alternative_of: str | None = None


DEFINITIONS: dict[str, Definition] = {d.code: d for d in (
    Definition(
        "lots", "标段（宗地）数", "Number of lots",
        "有交易结果（中标或成交）的标段、宗地个数",
        "Lots (sections or parcels) in the set that have an award or a deal",
        "Counts of what was traded; a project with several lots counts once per lot.",
        "统计交易了多少；一个项目分多个标段时按标段计。"),
    Definition(
        "amount", "交易金额", "Amount traded",
        "Σ 中标价（工程、采购）或成交价（土地、产权）",
        "Σ award price (construction, procurement) or deal price (land, property)",
        "The money that changed hands, as the centres' reports quote it.",
        "交易中心报告中所称的交易额，即实际成交的金额。"),
    Definition(
        "in_centre_share", "进场交易率", "Share traded in the centre",
        "进场交易的标段数 / 记录的标段数", "Lots traded in the centre / lots recorded",
        "How much of the public trading entered the centre; the Yichang report states it reached 100%. Platform "
        "lots are all traded in the centre; imported records say whether they were.",
        "公共资源交易进场的程度，宜昌报告称进场交易率达到100%。平台上交易的标段均为进场交易，导入的历史记录注明是否进场。"),
    Definition(
        "starting_prices", "起始价合计", "Sum of starting prices",
        "Σ 起始价（土地、产权）", "Σ starting price (land, property)",
        "The base of land and property premiums.",
        "土地、产权交易溢价的基数。"),
    Definition(
        "savings", "节资额", "Savings",
        "Σ (预算价或招标控制价 − 中标价)，仅计两者都有的标段",
        "Σ (budget or control price − award price), over the lots that have both",
        "The amount saved against the budgets; negative when awards exceed them.",
        "与预算相比节约的资金；中标价高于预算价时为负。"),
    Definition(
        "savings_rate", "节资率", "Savings rate",
        "Σ (预算价 − 中标价) / Σ 预算价，仅计两者都有的标段",
        "Σ (budget − award) / Σ budget, over the lots that have both",
        "The platform's definition, the usual one in tendering offices' reports: each lot weighs by its budget.",
        "平台采用的口径，招投标管理部门报告中最常用：各标段按预算额加权。"),
    Definition(
        "savings_rate_mean", "平均节资率", "Mean of per-lot savings rates",
        "(1/n) Σ (预算价 − 中标价) / 预算价", "(1/n) Σ (budget − award) / budget",
        "An alternative used to compare how competitive individual tenders were, each lot counting equally.",
        "另一种口径，用于比较单个招标的竞争程度，每个标段权重相同。",
        "savings_rate"),
    Definition(
        "savings_rate_award_base", "节资率（以中标价为基数）", "Savings rate over the award total",
        "Σ (预算价 − 中标价) / Σ 中标价", "Σ (budget − award) / Σ award",
        "An alternative some reports use, stating savings as a share of the money actually spent; it is higher.",
        "另一种口径，部分报告以实际支出为基数表述节资，数值更高。",
        "savings_rate"),
    Definition(
        "premium", "溢价额（增值额）", "Premium",
        "Σ (成交价 − 起始价)，仅计两者都有的标的", "Σ (deal price − starting price), over the lots that have both",
        "The value added by competition in land and property trading.",
        "土地、产权交易中竞价带来的增值。"),
    Definition(
        "premium_rate", "溢价率（增值率）", "Premium rate",
        "Σ (成交价 − 起始价) / Σ 起始价", "Σ (deal − start) / Σ start, over the lots that have both",
        "The platform's definition, the usual one in land-transaction reports of a batch of parcels.",
        "平台采用的口径，土地出让报告中一批宗地的增值率通常如此计算。"),
    Definition(
        "premium_rate_mean", "平均溢价率", "Mean of per-lot premium rates",
        "(1/n) Σ (成交价 − 起始价) / 起始价", "(1/n) Σ (deal − start) / start",
        "An alternative describing how contested the typical auction was, each parcel counting equally.",
        "另一种口径，描述一般拍卖的竞争程度，每宗地权重相同。",
        "premium_rate"),
    Definition(
        "premium_rate_deal_base", "溢价率（以成交价为基数）", "Premium rate over the deal total",
        "Σ (成交价 − 起始价) / Σ 成交价", "Σ (deal − start) / Σ deal",
        "An alternative stating the premium as a share of the revenue actually received; it is lower.",
        "另一种口径，以实际收入为基数表述溢价，数值更低。",
        "premium_rate"),
)}

# The definition behind each figure code of ``PUBLISHED``.
FIGURE_DEFINITIONS: dict[str, str] = {
    "lots": "lots", "projects_total": "lots", "construction_lots": "lots", "procurement_lots": "lots",
    "land_lots": "lots", "amount": "amount", "amount_total": "amount", "construction_amount": "amount",
    "procurement_amount": "amount", "land_deal": "amount", "land_start": "starting_prices",
    "land_premium": "premium", "premium_rate": "premium_rate", "savings": "savings", "savings_rate": "savings_rate",
}


# -- numbers and formatting --------------------------------------------------------------------------------------

def _dec(value: Number | None, name: str, *, optional: bool = False) -> Decimal | None:
    """Decimal from Decimal or int; None passes when ``optional``; float and bool are refused."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"{name} must be Decimal or int, not {type(value).__name__} (use Decimal(str(x)))")
    return Decimal(value)


def _div(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator at 34 significant digits; None when the denominator is 0."""
    if denominator == 0:
        return None
    with localcontext(_CONTEXT):
        return numerator / denominator


def format_rate(value: Decimal | None, digits: int = 2) -> str:
    """A fraction as a percentage rounded half up: ``Decimal("0.034525")`` -> ``"3.45%"``; None -> ``"—"``."""
    if value is None:
        return DASH
    with localcontext(_CONTEXT):
        shown = (value * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP) + 0
    return f"{shown:.{digits}f}%"


def _yuan(amount: Decimal) -> str:
    """Yuan with 2 decimals and thousands commas, no unit: ``4,654,072,600.00``."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP) + 0:,.2f}"


def _whole(amount: Decimal) -> str:
    """Yuan or a count with commas, decimals only when it has fen: ``1,077,000,000``."""
    return f"{amount + 0:,f}" if amount != amount.to_integral_value() else f"{int(amount):,}"


# -- per lot -----------------------------------------------------------------------------------------------------

def lot_savings(budget: Number | None, award: Number | None) -> Decimal | None:
    """Budget − award of one lot (negative when the award is above the budget); None if either is missing."""
    budget, award = _dec(budget, "budget", optional=True), _dec(award, "award", optional=True)
    return None if budget is None or award is None else budget - award


def lot_premium(start: Number | None, deal: Number | None) -> Decimal | None:
    """Deal − starting price of one land or property lot; None if either is missing."""
    start, deal = _dec(start, "start", optional=True), _dec(deal, "deal", optional=True)
    return None if start is None or deal is None else deal - start


def _check_prices(base: Decimal, result: Decimal, kind: str) -> None:
    """Refuse a budget or starting price not above zero (no rate) and a negative award or deal price."""
    if base <= 0:
        if kind == "savings":
            raise DomainError(N_("The budget must be above zero to compute a savings rate."), field="budget",
                              value=str(base))
        raise DomainError(N_("The starting price must be above zero to compute a premium rate."),
                          field="starting_price", value=str(base))
    if result < 0:
        if kind == "savings":
            raise DomainError(N_("The award price cannot be negative."), field="award", value=str(result))
        raise DomainError(N_("The deal price cannot be negative."), field="deal", value=str(result))


def lot_savings_rate(budget: Number | None, award: Number | None) -> Decimal | None:
    """(budget − award) / budget of one lot; None if either is missing; refuses a budget not above zero."""
    budget, award = _dec(budget, "budget", optional=True), _dec(award, "award", optional=True)
    if budget is None or award is None:
        return None
    _check_prices(budget, award, "savings")
    return _div(budget - award, budget)


def lot_premium_rate(start: Number | None, deal: Number | None) -> Decimal | None:
    """(deal − start) / start of one lot; None if either is missing; refuses a starting price not above zero."""
    start, deal = _dec(start, "start", optional=True), _dec(deal, "deal", optional=True)
    if start is None or deal is None:
        return None
    _check_prices(start, deal, "premium")
    return _div(deal - start, start)


# -- figures of a set --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """A rate of a set of lots with its working: the formula with the actual sums substituted, in both languages.

    ``numerator`` / ``denominator`` are the sums divided (for a mean: the sum of per-lot rates and the count);
    ``count`` is the number of lots in it and ``excluded`` those left out for a missing price.
    """

    code: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    count: int
    working_en: str
    working_zh: str
    excluded: int = 0

    @property
    def text(self) -> str:
        """The rate as shown: ``"3.45%"`` or ``"—"``."""
        return format_rate(self.value)


# Per kind: codes (platform, mean, alternative base) and how the lots in it and those left out are described.
_KINDS = {
    "savings": (("savings_rate", "savings_rate_mean", "savings_rate_award_base"),
                ("lots with a budget and an award", "left out for a missing budget or award"),
                ("个同时有预算价和中标价的标段", "个缺少预算价或中标价，未计入")),
    "premium": (("premium_rate", "premium_rate_mean", "premium_rate_deal_base"),
                ("lots with a starting price and a deal price", "left out for a missing starting or deal price"),
                ("个同时有起始价和成交价的标的", "个缺少起始价或成交价，未计入")),
}


def _figures(kind: str, count: int, first: Number | None, second: Number | None, sum_rate: Number | None,
             excluded: int) -> dict[str, Figure]:
    """The three rates of a set from its sums; ``first``/``second`` are budget/award or start/deal."""
    codes, (lots_en, out_en), (lots_zh, out_zh) = _KINDS[kind]
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError("count must be an int")
    if count < 0 or excluded < 0:
        raise ValueError("count and excluded cannot be negative")
    tail_en = f" ({count} {lots_en}" + (f"; {excluded} {out_en})" if excluded else ")")
    tail_zh = f"（{count} {lots_zh}" + (f"；另有 {excluded} {out_zh}）" if excluded else "）")
    if count == 0:
        empty_en = f"No {lots_en}: {DASH}" + (f" ({excluded} {out_en})" if excluded else "")
        empty_zh = f"没有{lots_zh[1:]}：{DASH}" + (f"（另有 {excluded} {out_zh}）" if excluded else "")
        return {code: Figure(code, None, None, None, 0, empty_en, empty_zh, excluded) for code in codes}
    a, b = _dec(first, "first sum"), _dec(second, "second sum")
    rates = _dec(sum_rate, "sum_rate", optional=True)
    diff = a - b if kind == "savings" else b - a
    terms = (a, b) if kind == "savings" else (b, a)  # (budget − award), (deal − start)
    formula = f"({_yuan(terms[0])} − {_yuan(terms[1])})"
    result: dict[str, Figure] = {}
    for code, base in ((codes[0], a), (codes[2], b)):
        value = _div(diff, base)
        working = f"{formula} / {_yuan(base)} = {_yuan(diff)} / {_yuan(base)} = {format_rate(value)}"
        result[code] = Figure(code, value, diff, base, count, working + tail_en, working + tail_zh, excluded)
    mean = None if rates is None else _div(rates, Decimal(count))
    shown = DASH if rates is None else format_rate(rates, 4)
    result[codes[1]] = Figure(
        codes[1], mean, rates, Decimal(count), count,
        f"sum of {count} per-lot rates {shown} / {count} = {format_rate(mean)}{tail_en}",
        f"{count} 个单项比率之和 {shown} / {count} = {format_rate(mean)}{tail_zh}", excluded)
    return {code: result[code] for code in codes}


def savings_figures(count: int, sum_budget: Number | None, sum_award: Number | None, sum_rate: Number | None,
                    excluded: int = 0) -> dict[str, Figure]:
    """Savings rates from SQL sums over the lots with both prices: ``{savings_rate, _mean, _award_base: Figure}``.

    ``sum_rate`` is Σ (budget − award) / budget over the same lots (None if not computed); sums may be None
    (SQL's SUM of nothing) when ``count`` is 0; ``excluded`` counts lots left out for a missing price.
    """
    return _figures("savings", count, sum_budget, sum_award, sum_rate, excluded)


def premium_figures(count: int, sum_start: Number | None, sum_deal: Number | None, sum_rate: Number | None,
                    excluded: int = 0) -> dict[str, Figure]:
    """Premium rates from SQL sums over the lots with both prices: ``{premium_rate, _mean, _deal_base: Figure}``."""
    return _figures("premium", count, sum_start, sum_deal, sum_rate, excluded)


def _from_pairs(kind: str, pairs: Iterable[tuple[Number | None, Number | None]]) -> dict[str, Figure]:
    """Sum pairs exactly (leaving out incomplete ones) and compute the figures like the SQL path."""
    rate_of = lot_savings_rate if kind == "savings" else lot_premium_rate
    count = excluded = 0
    first = second = rates = Decimal(0)
    for x, y in pairs:
        rate = rate_of(x, y)
        if rate is None:
            excluded += 1
            continue
        count, first, second = count + 1, first + Decimal(x), second + Decimal(y)
        with localcontext(_CONTEXT):
            rates += rate
    return _figures(kind, count, first, second, rates, excluded)


def savings_from_pairs(pairs: Iterable[tuple[Number | None, Number | None]]) -> dict[str, Figure]:
    """The three savings rates of (budget, award) pairs; pairs missing a price are left out and counted."""
    return _from_pairs("savings", pairs)


def premium_from_pairs(pairs: Iterable[tuple[Number | None, Number | None]]) -> dict[str, Figure]:
    """The three premium rates of (start, deal) pairs; pairs missing a price are left out and counted."""
    return _from_pairs("premium", pairs)


# -- periods -----------------------------------------------------------------------------------------------------

PERIOD_KINDS = ("dates", "month", "quarter", "year")
_DATE = r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
_PATTERNS = {
    "dates": re.compile(rf"{_DATE}\s*\.\.\s*{_DATE}"),
    "month": re.compile(r"([0-9]{4})-([0-9]{2})"),
    "quarter": re.compile(r"([0-9]{4})-?[Qq]([1-4])"),
    "year": re.compile(r"([0-9]{4})"),
}
_EXAMPLES = {"dates": "2010-01-01..2010-08-31", "month": "2010-03", "quarter": "2010-Q2", "year": "2010"}


def _month_start(year: int, month: int) -> date:
    """First day of a month given possibly past December (month 13 is January of the next year)."""
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def period_bounds(kind: str, value: str) -> tuple[date, date]:
    """(start, end exclusive) of a period: dates 'YYYY-MM-DD..YYYY-MM-DD' (both days included), month '2010-03',
    quarter '2010-Q2', year '2010'; refuses anything else naming the field 'period'."""
    if kind not in PERIOD_KINDS:
        raise DomainError(N_("Unknown kind of period %(kind)s: use dates, month, quarter or year."),
                          field="period", kind=kind)
    text = (value or "").strip()
    match = _PATTERNS[kind].fullmatch(text)
    if not match:
        raise DomainError(N_("%(value)s is not a %(kind)s period; write it like %(example)s."), field="period",
                          value=value, kind=kind, example=_EXAMPLES[kind])
    n = [int(group) for group in match.groups()]
    try:
        if kind == "dates":
            start, last = date(n[0], n[1], n[2]), date(n[3], n[4], n[5])
            if last < start:
                raise DomainError(N_("The period ends on %(end)s, before it starts on %(start)s."),
                                  field="period", start=start.isoformat(), end=last.isoformat())
            return start, last + timedelta(days=1)
        if kind == "month":
            return date(n[0], n[1], 1), _month_start(n[0], n[1] + 1)
        if kind == "quarter":
            first = 3 * n[1] - 2
            return date(n[0], first, 1), _month_start(n[0], first + 3)
        return date(n[0], 1, 1), date(n[0] + 1, 1, 1)
    except (ValueError, OverflowError):
        raise DomainError(N_("%(value)s is not a valid date or is out of range."), field="period",
                          value=value) from None


def months_between(start: date, end_exclusive: date) -> list[str]:
    """'YYYY-MM' of every month that has a day in [start, end_exclusive); empty when the range is empty."""
    labels: list[str] = []
    month = date(start.year, start.month, 1)
    while month < end_exclusive:
        labels.append(f"{month.year:04d}-{month.month:02d}")
        month = _month_start(month.year, month.month + 1)
    return labels


# -- the published figures ---------------------------------------------------------------------------------------

SOURCES = {"000 Xianning": "000_b01743d37298c42e.txt", "001 Badong": "001_0526a5e7358dfa93.txt"}
# How pages name the source documents (reports of the Hubei discipline-inspection offices): Chinese, English.
SOURCE_NAMES = {"000 Xianning": ("咸宁市纪检监察工作报告（2010年）", "Xianning discipline-inspection report (2010)"),
                "001 Badong": ("巴东县纪检监察工作报告（2010年）", "Badong discipline-inspection report (2010)")}


@dataclass(frozen=True)
class Scope:
    """A set of lots a published figure is about: region code (with its counties or not) and period."""

    code: str
    region: str
    subordinates: bool
    period_kind: str
    period_value: str
    name_en: str
    name_zh: str

    def bounds(self) -> tuple[date, date]:
        """(start, end exclusive) of the period."""
        return period_bounds(self.period_kind, self.period_value)


XIANNING, CENTRE, BADONG = "xianning-2010-jan-sep", "xianning-centre-2010-jan-aug", "badong-2010"
SCOPES: dict[str, Scope] = {s.code: s for s in (
    Scope(XIANNING, "421200", True, "dates", "2010-01-01..2010-09-30",
          "Xianning (421200) with its counties, Jan–Sep 2010", "咸宁市（421200，含所辖县市区），2010年1—9月"),
    Scope(CENTRE, "421200", False, "dates", "2010-01-01..2010-08-31",
          "Xianning city centre (421200 without its counties), Jan–Aug 2010",
          "咸宁市综合招投标中心（421200，不含所辖县市区），2010年1—8月"),
    Scope(BADONG, "422823", True, "year", "2010", "Badong county (422823), 2010", "巴东县（422823），2010年"),
)}


@dataclass(frozen=True)
class Published:
    """A published figure: where, about which set, which figure, its value and unit ('lots', 'yuan', 'rate').

    ``stated`` is the figure as printed and ``quantum`` the precision it was printed at (81.02亿元: 10^6 yuan);
    ``expected`` is what the platform computes from a scenario built to these figures (every reproducible amount
    hit to the yuan; Badong: every lot with a budget), so ``reproducible`` tells whether it can be matched.
    """

    source: str
    scope: str
    figure: str
    published: Decimal
    unit: str
    note: str
    note_zh: str
    stated: str
    quantum: Decimal
    expected: Decimal

    @property
    def reproducible(self) -> bool:
        """Whether the expected platform figure equals the published one at the published precision."""
        return _at_precision(self.expected, self.quantum) == self.published


_STATED = re.compile(r"([0-9]+(?:\.([0-9]+))?)\s*(亿元|万元|元|%|个|项|宗)?")
_SHIFT = {"亿元": 8, "万元": 4, "元": 0, "%": -2, "个": 0, "项": 0, "宗": 0}


def _published(source: str, scope: str, figure: str, stated: str, expected: Number, note: str,
               note_zh: str) -> Published:
    """Read the printed figure: value in yuan, lots or a fraction, and its precision (a rate printed bare is in %)."""
    match = _STATED.fullmatch(stated)
    assert match, stated
    unit = "rate" if figure.endswith("_rate") else "lots" if match[3] in ("个", "项", "宗") else "yuan"
    shift = -2 if unit == "rate" else _SHIFT[match[3] or "元"]
    exponent = shift - len(match[2] or "")
    quantum = Decimal(10 ** exponent) if exponent >= 0 else Decimal(1).scaleb(exponent)
    number = Decimal(match[1])
    value = number * Decimal(10 ** shift) if shift >= 0 else number / Decimal(10 ** -shift)
    return Published(source, scope, figure, value, unit, note, note_zh, stated, quantum, Decimal(expected))


_X, _B = "000 Xianning", "001 Badong"
_LAND_START, _LAND_PREMIUM = Decimal(1_077_000_000), Decimal(77_980_000)  # exact; the deals are rounded
_LAND_DEAL = _LAND_START + _LAND_PREMIUM
_CONSTRUCTION, _PROCUREMENT, _SAVINGS = Decimal(4_494_000_000), Decimal(32_137_700), Decimal(160_672_600)
_BADONG_AMOUNT, _BADONG_SAVINGS = Decimal(517_000_000), Decimal(11_547_600)

PUBLISHED: tuple[Published, ...] = tuple(_published(*row) for row in (
    (_X, XIANNING, "lots", "333个", 333,
     "进场交易项目333个: lots traded in the city and its counties (the centre's lots included).",
     "全市（含各县市区）进场交易项目，包括市中心的项目。"),
    (_X, XIANNING, "amount", "81.02亿元", 8_102_000_000,
     "交易金额81.02亿元: award and deal prices of those lots.", "上述项目的中标价、成交价合计。"),
    (_X, CENTRE, "projects_total", "108个", 119,
     "已完成各类招标项目108个: the published total; its three categories add up to 119.",
     "公布的项目总数；其下三类项目数相加为119个。"),
    (_X, CENTRE, "amount_total", "56.81亿元", _CONSTRUCTION + _PROCUREMENT + _LAND_DEAL,
     "金额56.81亿元: the centre's total, which its three category amounts do add up to.",
     "市中心交易总额，与三类金额之和相符。"),
    (_X, CENTRE, "construction_lots", "59个", 59,
     "建筑、水利、交通工程招标项目59个: construction, water-works and transport tenders.",
     "建筑、水利、交通工程招标项目。"),
    (_X, CENTRE, "construction_amount", "44.94亿元", _CONSTRUCTION,
     "金额44.94亿元: read as their award prices.", "视为其中标价合计。"),
    (_X, CENTRE, "procurement_lots", "11个", 11, "政府采购招标项目11个: government procurement.", "政府采购招标项目。"),
    (_X, CENTRE, "procurement_amount", "3213.77万元", _PROCUREMENT,
     "金额3213.77万元: read as their award prices.", "视为其中标价合计。"),
    (_X, CENTRE, "land_lots", "49个", 49, "土地挂牌拍卖项目49个 (49宗): land parcels listed or auctioned.",
     "土地挂牌、拍卖宗地。"),
    (_X, CENTRE, "land_deal", "11.55亿元", _LAND_DEAL,
     "成交金额11.55亿元: deal prices; 1,154,980,000 yuan so that the starting prices and the premium are exact.",
     "成交价合计；取1,154,980,000元，使起始价与增值额精确相符。"),
    (_X, CENTRE, "savings", "16067.26万元", _SAVINGS,
     "节资16067.26万元: budget minus award over the construction and procurement lots.",
     "工程与采购项目预算价与中标价之差的合计。"),
    (_X, CENTRE, "savings_rate", "2.6 %", _div(_SAVINGS, _CONSTRUCTION + _PROCUREMENT + _SAVINGS),
     "节资率达2.6 %: not reproducible from the published amounts.", "无法由公布的金额重现。"),
    (_X, CENTRE, "land_start", "10.77亿元", _LAND_START,
     "49宗土地挂牌拍卖的起始价为10.77亿元: starting prices of the 49 parcels, kept exact with the premium.",
     "49宗土地的起始价合计，与增值额一并精确相符。"),
    (_X, CENTRE, "land_premium", "7798万元", _LAND_PREMIUM,
     "成交价和起始价相比，增值7798万元: deals minus starting prices.", "成交价与起始价之差。"),
    (_X, CENTRE, "premium_rate", "7.24%", _div(_LAND_PREMIUM, _LAND_START),
     "增幅达7.24%: premium over starting prices (77,980,000 / 1,077,000,000 = 7.2405%).",
     "增值额除以起始价（77,980,000 / 1,077,000,000 = 7.2405%）。"),
    (_B, BADONG, "lots", "94项", 94, "进场交易项目94项: lots traded since the centre opened on 1 January.",
     "中心自元月1日运行以来进场交易的项目。"),
    (_B, BADONG, "amount", "5.17亿元", _BADONG_AMOUNT, "交易总额5.17亿元: award and deal prices.",
     "中标价、成交价合计。"),
    (_B, BADONG, "savings", "1154.76万元", _BADONG_SAVINGS, "节约资金1154.76万元: budget minus award.",
     "预算价与中标价之差的合计。"),
    (_B, BADONG, "savings_rate", "2.24", _div(_BADONG_SAVINGS, _BADONG_AMOUNT + _BADONG_SAVINGS),
     "资金节约率2.24 (printed without a % sign): not reproduced when every lot has a budget.",
     "原文未带百分号；若每个项目都有预算价则无法重现。"),
))


# -- calibration -------------------------------------------------------------------------------------------------

def _at_precision(value: Decimal, quantum: Decimal) -> Decimal:
    """``value`` rounded half up to a multiple of ``quantum`` (10^6 yuan, 0.0001 …)."""
    with localcontext(_CONTEXT):
        return (value / quantum).quantize(Decimal(1), rounding=ROUND_HALF_UP) * quantum


def _shown(value: Decimal, unit: str, zh: bool) -> str:
    """A platform value in a sentence: a count, yuan, or a rate to 4 decimals of a percent."""
    if unit == "rate":
        return format_rate(value, 4)
    if unit == "lots":
        return _whole(value)
    return f"{_whole(value)} 元" if zh else f"{_whole(value)} yuan"


def _published_text(item: Published) -> str:
    """The published figure in a sentence: a count, the printed amount, or the rate with a % sign."""
    if item.unit == "rate":
        return format_rate(item.published, -item.quantum.as_tuple().exponent - 2)
    return _whole(item.published) if item.unit == "lots" else item.stated


def _status(item: Published, platform: Decimal | None) -> tuple[str, str, str]:
    """Status code and the first sentence of the reason (en, zh)."""
    if platform is None:
        return ("missing", "The platform has no figure for this scope: no lots of it are loaded.",
                "平台在此范围内尚无数据：未载入该范围的交易记录。")
    en, zh = _shown(platform, item.unit, False), _shown(platform, item.unit, True)
    if platform == item.published:
        return "exact", "Matches exactly.", "与公布数完全一致。"
    if _at_precision(platform, item.quantum) == item.published:
        return ("published_precision", f"Matches at the published precision: {en} rounds to {item.stated}.",
                f"按公布精度一致：{zh}四舍五入即{item.stated}。")
    return ("differs", f"Differs: the platform has {en} against the published {_published_text(item)}.",
            f"不一致：平台为{zh}，公布数为{_published_text(item)}。")


def _explain(item: Published, status: str, published: Mapping[tuple[str, str], Decimal],
             computed: Mapping[tuple[str, str], Decimal | None]) -> tuple[str, str]:
    """The figure-specific part of a reason (en, zh), worked from the published and the platform's numbers."""
    def pub(figure: str) -> Decimal:
        return published.get((item.scope, figure), Decimal(0))

    def got(figure: str) -> Decimal | None:
        return _dec(computed.get((item.scope, figure)), f"computed {item.scope} {figure}", optional=True)

    w = _whole
    if item.figure == "projects_total" and status == "differs":
        parts = [pub(f) for f in ("construction_lots", "procurement_lots", "land_lots")]
        mine = [got(f) for f in ("construction_lots", "procurement_lots", "land_lots")]
        loaded = "" if None in mine else " + ".join(w(m) for m in mine) + f" = {w(sum(mine))}"
        en = (f"The published categories add up to {' + '.join(w(p) for p in parts)} = {w(sum(parts))} lots, not "
              f"{w(item.published)}; the platform counts every lot of the three categories"
              + (f" ({loaded} loaded)" if loaded else "") + ". The report does not say which lots its total "
              "leaves out (perhaps several lots of one project counted once), so it cannot be reproduced.")
        zh = (f"公布的三类项目数相加为 {' + '.join(w(p) for p in parts)} = {w(sum(parts))} 个，而非 "
              f"{w(item.published)} 个；平台统计三类中的每个标段" + (f"（已载入 {loaded} 个）" if loaded else "")
              + "。报告未说明总数未计入哪些项目（可能同一项目的多个标段只计一次），故无法重现。")
        return en, zh
    if item.figure == "amount_total":
        parts = [pub(f) for f in ("construction_amount", "procurement_amount", "land_deal")]
        total = " + ".join(w(p) for p in parts) + f" = {w(sum(parts))}"
        rounded = _at_precision(sum(parts), item.quantum) == item.published
        en = (f"The published category amounts add up to {total} yuan, "
              + ("which is " if rounded else "not ") + f"{item.stated} at the published precision.")
        zh = f"公布的三类金额相加为 {total} 元，按公布精度" + ("即" if rounded else "不等于") + f"{item.stated}。"
        return en, zh
    if item.figure in ("land_start", "land_deal", "land_premium") and status == "published_precision":
        start, deal, premium = pub("land_start"), pub("land_deal"), pub("land_premium")
        names = {"land_start": ("starting prices", "起始价"), "land_deal": ("deals", "成交价"),
                 "land_premium": ("premium", "增值额")}
        mine = {figure: got(figure) for figure in names}
        head_en = (f"The printed starting prices, deals and premium cannot all be exact ({w(deal)} − {w(start)} = "
                   f"{w(deal - start)}, not {w(premium)}), so at least one is met only at the published precision.")
        head_zh = (f"公布的起始价、成交价与增值额不可能同时精确（{w(deal)} − {w(start)} = {w(deal - start)}，而非 "
                   f"{w(premium)}），至少有一项只能按公布精度相符。")
        if None in mine.values():
            return head_en, head_zh
        exact = [f for f in names if mine[f] == pub(f)]
        rounded = [f for f in names if f not in exact]
        en = (f"{head_en} The platform's parcels have starting prices {w(mine['land_start'])}, deals "
              f"{w(mine['land_deal'])} and premium {w(mine['land_premium'])} yuan: "
              + (" and ".join(names[f][0] for f in exact) + " exact, " if exact else "")
              + " and ".join(names[f][0] for f in rounded) + " at the published precision.")
        zh = (f"{head_zh}平台的宗地起始价合计 {w(mine['land_start'])} 元、成交价合计 {w(mine['land_deal'])} 元、增值 "
              f"{w(mine['land_premium'])} 元，"
              + ("、".join(names[f][1] for f in exact) + "精确相符，" if exact else "")
              + "、".join(names[f][1] for f in rounded) + "按公布精度相符。")
        return en, zh
    if item.figure == "premium_rate":
        start, deal = got("land_start"), got("land_deal")
        if start is None or deal is None:  # the published starting prices and premium, which the platform keeps exact
            start, deal = pub("land_start"), pub("land_start") + pub("land_premium")
        rate, over_deal = _div(deal - start, start), _div(deal - start, deal)
        working = f"({w(deal)} − {w(start)}) / {w(start)} = {w(deal - start)} / {w(start)} = {format_rate(rate, 4)}"
        return (f"Premium over starting prices: {working}; over the deals it would be {format_rate(over_deal)}.",
                f"增值额除以起始价：{working}；若以成交价为基数则为 {format_rate(over_deal)}。")
    if item.figure == "savings_rate" and item.scope == CENTRE:
        s, awards = pub("savings"), pub("construction_amount") + pub("procurement_amount")
        everything, needed = pub("amount_total"), _div(s, item.published)
        a, b = w(pub("construction_amount")), w(pub("procurement_amount"))
        own, over_awards, widest = _div(s, awards + s), _div(s, awards), _div(s, everything + s)
        mean = got("savings_rate_mean")
        mean_en = "" if mean is None else f"; the loaded lots' mean is {format_rate(mean)}"
        mean_zh = "" if mean is None else f"；已载入标段的平均值为 {format_rate(mean)}"
        en = (f"{_published_text(item)} cannot be reproduced: no sum-based definition turns the published "
              f"amounts into it. Over the budgets (the platform's definition, the category amounts read as awards): "
              f"{w(s)} / ({a} + {b} + {w(s)}) = {format_rate(own)}; over the awards: {w(s)} / ({a} + {b}) = "
              f"{format_rate(over_awards)}; even over every amount of the centre, land included: {w(s)} / "
              f"({w(everything)} + {w(s)}) = {format_rate(widest)}. {_published_text(item)} would need "
              f"budgets of {w(_at_precision(needed, Decimal(1)))} yuan, more than the centre traded in all. Only a "
              f"mean of per-lot rates, which the published amounts do not determine, could give it{mean_en}.")
        zh = (f"{_published_text(item)} 无法重现：以合计数为基础的任何口径都不能由公布的金额得出。以预算价为"
              f"基数（平台口径，各类金额视为中标价）：{w(s)} / ({a} + {b} + {w(s)}) = {format_rate(own)}；以中标价为"
              f"基数：{w(s)} / ({a} + {b}) = {format_rate(over_awards)}；即便以中心全部交易额（含土地）为基数："
              f"{w(s)} / ({w(everything)} + {w(s)}) = {format_rate(widest)}。要得到 "
              f"{_published_text(item)}，预算合计需 {w(_at_precision(needed, Decimal(1)))} 元，超过中心全部"
              f"交易额。只有各标段节资率的平均值（公布的金额无法确定）才可能是这个数{mean_zh}。")
        return en, zh
    if item.figure == "savings_rate":
        s, amount, half = pub("savings"), pub("amount"), item.quantum / 2
        amount_half = next(p.quantum for p in PUBLISHED if p.scope == item.scope and p.figure == "amount") / 2
        own, over_awards = _div(s, amount + s), _div(s, amount)
        # Over the award total, the published 2.24% holds for any total that rounds to the published 5.17亿 and is at
        # most savings / (2.24% - half a unit of the last digit): savings over the amount traded, as printed.
        least, most = amount - amount_half, min(amount + amount_half, _div(s, item.published - half))
        own_low, own_high = _div(s, amount + amount_half + s), _div(s, amount - amount_half + s)
        shown = _published_text(item)
        r = Decimal(1)
        if least <= most:
            en = (f"{shown} is the savings over the amount traded: the published {w(amount)} is rounded to the "
                  f"nearest {w(2 * amount_half)}, and any total from {w(_at_precision(least, r))} to "
                  f"{w(_at_precision(most, r))} yuan "
                  f"rounds to it and gives {w(s)} / {w(_at_precision(least, r))} = {format_rate(_div(s, least), 4)} to "
                  f"{w(s)} / {w(_at_precision(most, r))} = {format_rate(_div(s, most), 4)}, shown as {shown} "
                  f"({w(s)} / {w(amount)} = {format_rate(over_awards, 4)} only at exactly {w(amount)}). Under the "
                  f"platform's definition, over the budgets (every lot with one), the same lots give "
                  f"{format_rate(own_low)} to {format_rate(own_high)} ({w(s)} / ({w(amount)} + {w(s)}) = "
                  f"{format_rate(own)}).")
            lo_text, hi_text = w(_at_precision(least, r)), w(_at_precision(most, r))
            zh = (f"{shown} 是节约资金除以交易总额：公布的交易总额经过四舍五入，凡是 {lo_text} 至 "
                  f"{hi_text} 元之间的总额都显示为公布数，得到 {w(s)} / {w(_at_precision(least, r))}"
                  f" = {format_rate(_div(s, least), 4)} 至 {w(s)} / {w(_at_precision(most, r))} = "
                  f"{format_rate(_div(s, most), 4)}，即 {shown}（只有总额恰为 {w(amount)} 元时才是 {w(s)} / "
                  f"{w(amount)} = {format_rate(over_awards, 4)}）。按平台口径（以预算价为基数，每个项目都有预算价），"
                  f"同样的项目得到 {format_rate(own_low)} 至 {format_rate(own_high)}（{w(s)} / ({w(amount)} + {w(s)})"
                  f" = {format_rate(own)}）。")
            return en, zh
        en = (f"{shown} is not reproduced: over the budgets {w(s)} / ({w(amount)} + {w(s)}) = {format_rate(own)} (the "
              f"platform's definition); over the awards {w(s)} / {w(amount)} = {format_rate(over_awards)}, and no "
              f"total that rounds to the published amount gives {shown}.")
        zh = (f"{shown} 无法重现：以预算价为基数 {w(s)} / ({w(amount)} + {w(s)}) = {format_rate(own)}（平台口径）；"
              f"以中标价为基数 {w(s)} / {w(amount)} = {format_rate(over_awards)}；"
              f"按公布精度四舍五入为公布总额的任何总额都得不到 {shown}。")
        return en, zh
    return "", ""


def calibrate(published: Iterable[Published],
              computed: Mapping[tuple[str, str], Number | None]) -> list[dict[str, object]]:
    """Compare each published figure with the platform's, ``computed[(scope, figure)]`` (None or absent: no lots).

    One dict per figure: source, scope, figure, published, platform, definition, difference (platform rounded to
    the published precision − published), difference_exact, status ('exact', 'published_precision', 'differs',
    'missing'), unit, stated, reason and reason_zh (the status and, where useful, the working).
    """
    items = tuple(published)
    values = {(item.scope, item.figure): item.published for item in items}
    rows: list[dict[str, object]] = []
    for item in items:
        raw = computed.get((item.scope, item.figure))
        platform = _dec(raw, f"computed {item.scope} {item.figure}", optional=True)
        status, reason, reason_zh = _status(item, platform)
        extra_en, extra_zh = _explain(item, status, values, computed)
        rows.append({
            "source": item.source, "scope": item.scope, "figure": item.figure, "published": item.published,
            "platform": platform, "definition": FIGURE_DEFINITIONS[item.figure],
            "difference": None if platform is None else _at_precision(platform, item.quantum) - item.published,
            "difference_exact": None if platform is None else platform - item.published,
            "status": status, "unit": item.unit, "stated": item.stated,
            "reason": f"{reason} {extra_en}".strip(), "reason_zh": f"{reason_zh}{extra_zh}",
        })
    return rows
