"""Historical completed deals (历史成交记录) that a centre loads from past years: columns, parsing, validation.

A record is one row of a CSV or Excel file (read by ``domain.tabular``): a mapping from column headers to cell
values. Headers may be the English field names or the Chinese headers of ``FIELDS`` (a few usual variants too,
e.g. 中标价 or 成交价 for ``award_price``); unknown columns (序号, 备注 ...) are ignored.

**Units.** A money column may name its unit after the header: 预算或招标控制价（万元）, 中标价(亿元), 中标金额/万元,
成交价万元, budget (10k yuan). Its cells are multiplied into yuan exactly (Decimal): 2,050 in a 万元 column is
20,500,000.00 yuan. A cell may name its own unit (1,200万元) when the column names none; a cell naming another unit
than its column's is refused. A money column whose unit cannot be read (预算（美元）) is refused by name. A note
after another header (是否国有资金（是/否）, 公告日期（YYYY-MM-DD）) is not a unit and is ignored.

**Cells.** Text, or what Excel gives (int, float, date, datetime), turned into text first: a float by its shortest
form, so ``1234.5`` reads as 1234.50 yuan; a datetime by its date. A cell holding a control or invisible format
character (NUL, zero-width space, a bidirectional override) is refused naming the character.

``validate`` checks every row and returns the lots with their lines, every error and every warning, so that the
caller can import the whole file or none of it. Warnings are what may be true but is usually a mistake, and the
importer must confirm them: an award above its budget (rule ``history.award_above_budget``), a deal below its
starting price (``history.deal_below_start``), a price more than ``history.price_ratio`` times off its base
(a unit mistake, 元 for 万元). Rows with every cell blank are skipped (spreadsheets often end with some).

Duplicates (same project, lot, region and award date) are found with one normalisation, ``name_key``, inside the
file and against the deals already stored (services.history), so 标段 2 and 标段３ repeat 标段2.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from . import regions
from .errors import N_, DomainError
from .history_columns import (
    BY_NAME,
    CELL_UNIT,
    FIELD_NAMES,
    FIELDS,
    MONEY,
    UNIT_WORDS,
    Column,
    Field,
    RowError,
    field_for_header,
    is_header,
    name_key,
    read_columns,
    read_header,
)
from .money import parse_in_unit
from .rules import METHODS, METHODS_BY_TRADE_TYPE, TRADE_TYPES, RuleSet
from .tabular import Sheet, control_character

__all__ = ["FIELDS", "FIELD_NAMES", "MONEY", "Checked", "Column", "Field", "HistoricalLot", "RowError", "deal_key",
           "field_for_header", "is_header", "name_key", "parse_record", "parse_trade_type", "read_columns",
           "read_header", "validate", "warnings"]

MAX_TEXT = 200  # the length of project and lot names and of the funding source in the database
BUDGETED = frozenset({"construction", "procurement"})  # budget or control price (预算/招标控制价)
STARTING_PRICED = frozenset({"land", "property"})  # starting price (起始价/挂牌价)
ABOVE_BUDGET, BELOW_START, PRICE_RATIO = "history.award_above_budget", "history.deal_below_start", "history.price_ratio"

# Names a file may give the trade type, besides the codes: the full Chinese and English names and short forms.
_TRADE_TYPE_ALIASES = {
    "建设工程": "construction", "工程建设": "construction", "建设工程招投标": "construction", "工程": "construction",
    "政府采购": "procurement", "采购": "procurement",
    "土地": "land", "土地出让": "land", "土地招拍挂": "land", "国有建设用地使用权出让": "land",
    "产权": "property", "产权交易": "property", "国有产权": "property",
}
_YES = frozenset({"yes", "y", "true", "1", "是", "有"})
_NO = frozenset({"no", "n", "false", "0", "否", "无"})
_DATE = re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})", re.ASCII)


def deal_key(project_name: str, lot_name: str, region_code: str,
             awarded_on: dt.date) -> tuple[str, str, str, dt.date]:
    """What makes two records the same deal: project, lot (both by ``name_key``), region and award date."""
    return (name_key(project_name), name_key(lot_name), region_code, awarded_on)


_TRADE_TYPES_BY_NAME: dict[str, str] = {name_key(k): v for k, v in _TRADE_TYPE_ALIASES.items()}
for _type in TRADE_TYPES.values():
    for _name in (_type.code, _type.name_zh, _type.name_en):
        _TRADE_TYPES_BY_NAME[name_key(_name)] = _type.code
_METHODS_BY_NAME: dict[str, str] = {}
for _method in METHODS.values():
    for _name in (_method.code, _method.name_zh, _method.name_en):
        _METHODS_BY_NAME[name_key(_name)] = _method.code


@dataclass(frozen=True)
class HistoricalLot:
    """A completed deal of a past year, with typed values: money in Decimal yuan, dates as ``date``."""

    project_name: str
    lot_name: str
    trade_type: str
    method: str | None
    region_code: str
    funding_source: str
    state_funded: bool | None
    budget: Decimal | None
    starting_price: Decimal | None
    award_price: Decimal
    announced_on: dt.date | None
    awarded_on: dt.date
    contracted_on: dt.date | None
    in_centre: bool = True  # traded in the centre (进场交易); "no" for a deal the centre records but did not host

    @property
    def savings(self) -> Decimal | None:
        """Budget or control price minus award price (节资额); None without a budget."""
        return None if self.budget is None else self.budget - self.award_price

    @property
    def premium(self) -> Decimal | None:
        """Deal price minus starting price (溢价); None without a starting price."""
        return None if self.starting_price is None else self.award_price - self.starting_price

    @property
    def key(self) -> tuple[str, str, str, dt.date]:
        """What makes two rows the same deal: project, lot, region and award date (see ``deal_key``)."""
        return deal_key(self.project_name, self.lot_name, self.region_code, self.awarded_on)

    def as_record(self) -> dict[str, str]:
        """The lot as a row of text cells under the English field names; ``parse_record`` reads it back."""
        row: dict[str, str] = {}
        for name in FIELD_NAMES:
            value = getattr(self, name)
            if value is None:
                row[name] = ""
            elif isinstance(value, bool):
                row[name] = "yes" if value else "no"
            else:
                row[name] = str(value)
        return row


class Checked(NamedTuple):
    """What ``validate`` found: the good lots and the line of each, every error, every warning, and the file's
    columns by field (their units)."""

    lots: list[HistoricalLot]
    lines: list[int]
    errors: list[RowError]
    warnings: list[RowError]
    columns: dict[str, Column]


def _text(value: Any) -> str:
    """A cell as stripped text (None is blank; Excel numbers and dates become their usual text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def _required(cells: dict[str, str], name: str) -> str:
    """The cell's text, refusing a blank one."""
    text = cells.get(name, "")
    if not text:
        raise DomainError(N_("Enter a value in the column %(column)s."), field=name,
                          column=BY_NAME[name].header_zh)
    return text


def _name(cells: dict[str, str], name: str, required: bool = True) -> str:
    """A name or free text of at most ``MAX_TEXT`` characters, spaces collapsed."""
    text = _required(cells, name) if required else cells.get(name, "")
    text = re.sub(r"\s+", " ", text)
    if len(text) > MAX_TEXT:
        raise DomainError(N_("%(column)s is longer than %(limit)s characters."), field=name,
                          column=BY_NAME[name].header_zh, limit=MAX_TEXT)
    return text


def parse_trade_type(text: str, field: str = "trade_type") -> str:
    """The trade type code for a code or a name such as 建设工程, 政府采购, 土地 or 产权."""
    code = _TRADE_TYPES_BY_NAME.get(name_key(text))
    if code is None:
        raise DomainError(
            N_("Unknown trade type %(value)s: use construction, procurement, land or property "
               "(建设工程, 政府采购, 土地, 产权)."),
            field=field, value=text,
        )
    return code


def _method(text: str, trade_type: str | None) -> str | None:
    """The method code (a code or a name such as 公开招标 or 挂牌), allowed for the trade type; None if blank."""
    if not text:
        return None
    code = _METHODS_BY_NAME.get(name_key(text))
    if code is None:
        raise DomainError(N_("Unknown trading method %(value)s."), field="method", value=text)
    if trade_type is not None and code not in METHODS_BY_TRADE_TYPE[trade_type]:
        raise DomainError(N_("The method %(method)s is not allowed for %(trade_type)s."), field="method",
                          rule=f"{trade_type}.methods", method=code, trade_type=trade_type)
    return code


def _yes_no(text: str, field: str = "state_funded") -> bool | None:
    """yes/no, 是/否, 1/0 (true/false, y/n); None if blank."""
    if not text:
        return None
    key = name_key(text)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise DomainError(N_("%(value)s is not yes or no (是/否)."), field=field, value=text)


def _amount(text: str, name: str, column: Column | None) -> Decimal | None:
    """A positive amount in yuan from a cell in its column's unit or its own, or None if blank."""
    if not text:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = CELL_UNIT.fullmatch(cleaned)
    cell_unit = UNIT_WORDS[match["unit"]] if match else None
    column_unit = column.unit if column is not None else None
    if cell_unit and column_unit and cell_unit != column_unit:
        raise DomainError(N_("The cell says %(cell_unit)s but its column %(header)s is in %(unit)s."), field=name,
                          value=text, cell_unit=cell_unit, header=column.header, unit=column_unit)
    unit = cell_unit or column_unit or "元"
    value = parse_in_unit(match["number"] if match and unit != "元" else cleaned, unit, name)
    if value <= 0:
        raise DomainError(N_("The amount must be positive."), field=name, value=str(value))
    return value


def _date(text: str, name: str) -> dt.date | None:
    """A date written YYYY-MM-DD, or None if blank."""
    if not text:
        return None
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match:
        try:
            return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            pass
    raise DomainError(N_("%(value)s is not a date (YYYY-MM-DD)."), field=name, value=text)


def _parse(cells: dict[str, str], columns: Mapping[str, Column]) -> tuple[HistoricalLot | None, list[DomainError]]:
    """Check every field of a row (its cells by field); the lot when all are good, else every error found."""
    errors: list[DomainError] = []
    values: dict[str, Any] = {}
    for name, text in cells.items():
        char = control_character(text)
        if char is not None:
            errors.append(DomainError(N_("%(column)s holds the control character %(char)s: remove it."),
                                      field=name, column=BY_NAME[name].header_zh, char=char))
    skipped = {e.field for e in errors}

    def attempt(name: str, read) -> None:
        if name in skipped:
            return
        try:
            values[name] = read()
        except DomainError as exc:
            errors.append(exc)

    attempt("project_name", lambda: _name(cells, "project_name"))
    attempt("lot_name", lambda: _name(cells, "lot_name"))
    attempt("trade_type", lambda: parse_trade_type(_required(cells, "trade_type")))
    trade_type = values.get("trade_type")
    attempt("method", lambda: _method(cells.get("method", ""), trade_type))
    attempt("region_code", lambda: regions.check_region(_required(cells, "region_code")).code)
    attempt("funding_source", lambda: _name(cells, "funding_source", required=False))
    attempt("state_funded", lambda: _yes_no(cells.get("state_funded", "")))
    attempt("in_centre", lambda: _yes_no(cells.get("in_centre", ""), "in_centre") is not False)
    for name in ("budget", "starting_price"):
        attempt(name, lambda name=name: _amount(cells.get(name, ""), name, columns.get(name)))
    attempt("award_price", lambda: _amount(_required(cells, "award_price"), "award_price", columns.get("award_price")))
    for name in ("announced_on", "contracted_on"):
        attempt(name, lambda name=name: _date(cells.get(name, ""), name))
    attempt("awarded_on", lambda: _date(_required(cells, "awarded_on"), "awarded_on"))

    if trade_type is not None:
        if values.get("budget") is not None and trade_type not in BUDGETED:
            errors.append(DomainError(
                N_("A budget or control price is for construction and procurement, not for %(trade_type)s; "
                   "give the starting price instead."), field="budget", trade_type=trade_type))
        if values.get("starting_price") is not None and trade_type not in STARTING_PRICED:
            errors.append(DomainError(
                N_("A starting price is for land and property, not for %(trade_type)s; "
                   "give the budget or control price instead."), field="starting_price", trade_type=trade_type))
    awarded = values.get("awarded_on")
    if awarded is not None:
        announced, contracted = values.get("announced_on"), values.get("contracted_on")
        if announced is not None and announced > awarded:
            errors.append(DomainError(
                N_("The announcement date %(announced)s is after the award date %(awarded)s."),
                field="announced_on", announced=announced.isoformat(), awarded=awarded.isoformat()))
        if contracted is not None and contracted < awarded:
            errors.append(DomainError(
                N_("The contract date %(contracted)s is before the award date %(awarded)s."),
                field="contracted_on", contracted=contracted.isoformat(), awarded=awarded.isoformat()))
    if errors:
        return None, errors
    return HistoricalLot(**values), []


def warnings(lot: HistoricalLot, rules: RuleSet) -> list[DomainError]:
    """What is possible but usually a mistake, for the importer to confirm: an award above its budget, a deal below
    its starting price, a price more than ``history.price_ratio`` times off its base (元 typed for 万元)."""
    ratio = rules.value(PRICE_RATIO)
    shown = f"{Decimal(ratio).normalize():f}"  # a number, not an amount: 10, not 10.00 元
    found: list[DomainError] = []
    price, budget, start = lot.award_price, lot.budget, lot.starting_price
    if budget is not None and price > budget:
        found.append(DomainError(N_("The award price %(price)s is above the budget or control price %(budget)s."),
                                 field="award_price", rule=ABOVE_BUDGET, price=price, budget=budget))
    if budget is not None and price * ratio < budget:
        found.append(DomainError(N_("The award price %(price)s is less than 1/%(ratio)s of the budget %(budget)s: "
                                    "check the units (元, 万元)."), field="award_price", rule=PRICE_RATIO,
                                 price=price, budget=budget, ratio=shown))
    if start is not None and price < start:
        found.append(DomainError(N_("The deal price %(price)s is below the starting price %(start)s."),
                                 field="award_price", rule=BELOW_START, price=price, start=start))
    if start is not None and price > start * ratio:
        found.append(DomainError(N_("The deal price %(price)s is more than %(ratio)s times the starting price "
                                    "%(start)s: check the units (元, 万元)."), field="award_price", rule=PRICE_RATIO,
                                 price=price, start=start, ratio=shown))
    return found


def _cells(record: Mapping[str, Any], by_header: Mapping[str, Column]) -> dict[str, str]:
    """A row's cells by field, as text."""
    cells: dict[str, str] = {}
    for header, value in record.items():
        column = by_header.get(header)
        if column is not None:
            cells[column.field] = _text(value)
    return cells


def parse_record(record: Mapping[str, Any], line: int) -> HistoricalLot:
    """The lot of one row, or a refusal naming the first bad field (its ``line`` attribute is the row's line)."""
    by_header, by_field, header_errors = read_columns(record, line)
    lot, errors = None, [DomainError(e.message, field=e.field, **e.params) for e in header_errors]
    if not errors:
        lot, errors = _parse(_cells(record, by_header), by_field)
    if errors:
        error = errors[0]
        error.line = line
        raise error
    assert lot is not None
    return lot


def _row_error(line: int, error: DomainError) -> RowError:
    return RowError(line, error.field, error.message, dict(error.params), error.rule)


def validate(sheet: Sheet, *, rules: RuleSet) -> Checked:
    """Check every row of a sheet: the lots and their lines, every error and every warning, by line.

    The header row is checked first (two columns for one field, a unit that cannot be read, a required column
    missing from the whole file); its errors are reported once, on the header's line, instead of on every row.
    A row repeating an earlier one (``deal_key``) is an error of the whole row (field None). The caller imports
    the lots only when there is no error, and when there are warnings only once the importer confirms them.
    """
    by_header, by_field, errors = read_columns(sheet.header, sheet.header_line)
    missing = [f for f in FIELDS if f.required and f.name not in by_field]
    if sheet.rows and missing:
        errors += [RowError(sheet.header_line, f.name, N_("The file has no column %(column)s."),
                            {"column": f.header_zh}) for f in missing]
    if errors:
        return Checked([], [], errors, [], by_field)
    lots: list[HistoricalLot] = []
    lines: list[int] = []
    found: list[RowError] = []
    seen: dict[tuple, int] = {}
    for line, record in sheet.records():
        lot, row_errors = _parse(_cells(record, by_header), by_field)
        errors.extend(_row_error(line, e) for e in row_errors)
        if lot is None:
            continue
        if lot.key in seen:
            errors.append(RowError(line, None,
                                   N_("This row repeats line %(line)s: same project, lot, region and award date."),
                                   {"line": seen[lot.key]}))
            continue
        seen[lot.key] = line
        lots.append(lot)
        lines.append(line)
        found.extend(_row_error(line, w) for w in warnings(lot, rules))
    return Checked(lots, lines, errors, found, by_field)
