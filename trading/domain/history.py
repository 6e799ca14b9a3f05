"""Historical completed deals (历史成交记录) that a centre loads from past years: columns, parsing, validation.

A record is one row of a CSV or Excel file: a mapping from column headers to cell values. Headers may be
the English field names or the Chinese headers of ``FIELDS`` (a few usual variants too, e.g. 中标价 or
成交价 for ``award_price``); a trailing unit such as "（元）" is ignored, and so are unknown columns
(序号, 备注 ...). Cells are text; cells read from Excel (int, float, date, datetime) are turned into text
first: a float by its shortest form, so ``1234.5`` reads as 1234.50 yuan; a datetime by its date.

``validate`` checks every row and returns the lots and every error, so that the caller can import the
whole file or none of it. Rows with every cell blank are skipped (spreadsheets often end with some).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from . import regions
from .errors import N_, DomainError
from .money import parse_yuan
from .rules import METHODS, METHODS_BY_TRADE_TYPE, TRADE_TYPES

MAX_TEXT = 200  # the length of project and lot names and of the funding source in the database
BUDGETED = frozenset({"construction", "procurement"})  # budget or control price (预算/招标控制价)
STARTING_PRICED = frozenset({"land", "property"})  # starting price (起始价/挂牌价)


@dataclass(frozen=True)
class Field:
    """A column of a historical record: field name, Chinese header, whether required, other accepted headers."""

    name: str
    header_zh: str
    required: bool
    aliases: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field("project_name", "项目名称", True, ("工程名称",)),
    Field("lot_name", "标段名称", True, ("标段（包）名称", "标段(包)名称", "包名称", "标的名称", "宗地名称")),
    Field("trade_type", "交易类型", True, ("交易类别", "业务类型")),
    Field("method", "交易方式", False, ("招标方式", "采购方式", "出让方式", "转让方式")),
    Field("region_code", "行政区划代码", True, ("区划代码", "地区代码")),
    Field("funding_source", "资金来源", False),
    Field("state_funded", "是否国有资金", False, ("国有资金", "国有资金投资")),
    Field("in_centre", "是否进场交易", False, ("进场交易", "是否进场")),
    Field("budget", "预算或招标控制价", False, ("预算", "预算金额", "招标控制价", "最高限价", "采购预算")),
    Field("starting_price", "起始价", False, ("起拍价", "挂牌起始价", "挂牌价", "转让底价")),
    Field("award_price", "中标或成交价", True, ("中标价", "成交价", "中标金额", "成交金额", "中标（成交）价")),
    Field("announced_on", "公告日期", False, ("公告发布日期", "发布日期")),
    Field("awarded_on", "中标或成交日期", True, ("中标日期", "成交日期", "中标（成交）日期")),
    Field("contracted_on", "合同签订日期", False, ("签约日期", "合同日期")),
)
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
_BY_NAME = {f.name: f for f in FIELDS}

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
_UNIT_SUFFIX = re.compile(r"\((元|万元|yuan|yyyy-mm-dd)\)$")


def _key(text: str) -> str:
    """Normalise a header or a name for matching: NFKC, no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def _header_key(text: str) -> str:
    """Normalise a header and drop a trailing unit, so "预算（元）" matches "预算"."""
    return _UNIT_SUFFIX.sub("", _key(text))


_HEADERS: dict[str, str] = {}
for _field in FIELDS:
    for _header in (_field.name, _field.header_zh, *_field.aliases):
        _HEADERS[_header_key(_header)] = _field.name
_TRADE_TYPES_BY_NAME: dict[str, str] = {_key(k): v for k, v in _TRADE_TYPE_ALIASES.items()}
for _type in TRADE_TYPES.values():
    for _name in (_type.code, _type.name_zh, _type.name_en):
        _TRADE_TYPES_BY_NAME[_key(_name)] = _type.code
_METHODS_BY_NAME: dict[str, str] = {}
for _method in METHODS.values():
    for _name in (_method.code, _method.name_zh, _method.name_en):
        _METHODS_BY_NAME[_key(_name)] = _method.code


def field_for_header(header: str) -> str | None:
    """The field a column header stands for (English name, Chinese header or a usual variant), or None."""
    return _HEADERS.get(_header_key(header))


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
        """What makes two rows the same deal: project, lot, region and award date."""
        return (_key(self.project_name), _key(self.lot_name), self.region_code, self.awarded_on)

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


class RowError(NamedTuple):
    """One error of a file: line, field (None for the whole row), English msgid and its parameters."""

    line: int
    field: str | None
    message: str
    params: dict[str, Any]


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


def _columns(record: Mapping[str, Any]) -> dict[str, str]:
    """The record's cells by field name, refusing two columns that give the same field."""
    cells: dict[str, str] = {}
    headers: dict[str, str] = {}
    for header, value in record.items():
        name = field_for_header(header)
        if name is None:
            continue
        if name in headers:
            raise DomainError(
                N_("The columns %(first)s and %(second)s both give %(column)s."),
                field=name, first=headers[name], second=str(header), column=_BY_NAME[name].header_zh,
            )
        headers[name] = str(header)
        cells[name] = _text(value)
    return cells


def _required(cells: dict[str, str], name: str) -> str:
    """The cell's text, refusing a blank one."""
    text = cells.get(name, "")
    if not text:
        raise DomainError(N_("Enter a value in the column %(column)s."), field=name,
                          column=_BY_NAME[name].header_zh)
    return text


def _name(cells: dict[str, str], name: str, required: bool = True) -> str:
    """A name or free text of at most ``MAX_TEXT`` characters, spaces collapsed."""
    text = _required(cells, name) if required else cells.get(name, "")
    text = re.sub(r"\s+", " ", text)
    if len(text) > MAX_TEXT:
        raise DomainError(N_("%(column)s is longer than %(limit)s characters."), field=name,
                          column=_BY_NAME[name].header_zh, limit=MAX_TEXT)
    return text


def parse_trade_type(text: str, field: str = "trade_type") -> str:
    """The trade type code for a code or a name such as 建设工程, 政府采购, 土地 or 产权."""
    code = _TRADE_TYPES_BY_NAME.get(_key(text))
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
    code = _METHODS_BY_NAME.get(_key(text))
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
    key = _key(text)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise DomainError(N_("%(value)s is not yes or no (是/否)."), field=field, value=text)


def _amount(text: str, name: str) -> Decimal | None:
    """A positive amount in yuan, or None if blank."""
    if not text:
        return None
    value = parse_yuan(text, name)
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


def _parse(record: Mapping[str, Any]) -> tuple[HistoricalLot | None, list[DomainError]]:
    """Check every field of a record; the lot when all are good, else every error found."""
    errors: list[DomainError] = []
    values: dict[str, Any] = {}

    def attempt(name: str, read) -> None:
        try:
            values[name] = read()
        except DomainError as exc:
            errors.append(exc)

    try:
        cells = _columns(record)
    except DomainError as exc:
        return None, [exc]
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
        attempt(name, lambda name=name: _amount(cells.get(name, ""), name))
    attempt("award_price", lambda: _amount(_required(cells, "award_price"), "award_price"))
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


def parse_record(record: Mapping[str, Any], line: int) -> HistoricalLot:
    """The lot of one row, or a refusal naming the first bad field (its ``line`` attribute is the row's line)."""
    lot, errors = _parse(record)
    if errors:
        error = errors[0]
        error.line = line
        raise error
    assert lot is not None
    return lot


def _is_blank(record: Mapping[str, Any]) -> bool:
    """Whether every cell of the row is blank."""
    return all(not _text(value) for value in record.values())


def validate(records: Iterable[Mapping[str, Any]], *, first_line: int = 2) -> tuple[list[HistoricalLot],
                                                                                     list[RowError]]:
    """Check every row: the lots and every error, by line (``first_line`` is the first row's, 2 under a header).

    A required column missing from the whole file is reported once, on the header line, instead of on
    every row. A row repeating an earlier one (same project, lot, region and award date) is an error of
    the whole row (field None). The caller imports the lots only when there is no error.
    """
    rows = [(line, record) for line, record in enumerate(records, start=first_line) if not _is_blank(record)]
    present = {field_for_header(header) for _, record in rows for header in record}
    missing = [f for f in FIELDS if f.required and f.name not in present]
    if rows and missing:
        return [], [RowError(first_line - 1, f.name, N_("The file has no column %(column)s."),
                             {"column": f.header_zh}) for f in missing]
    lots: list[HistoricalLot] = []
    errors: list[RowError] = []
    seen: dict[tuple, int] = {}
    for line, record in rows:
        lot, row_errors = _parse(record)
        errors.extend(RowError(line, e.field, e.message, dict(e.params)) for e in row_errors)
        if lot is None:
            continue
        if lot.key in seen:
            errors.append(RowError(line, None,
                                   N_("This row repeats line %(line)s: same project, lot, region and award date."),
                                   {"line": seen[lot.key]}))
            continue
        seen[lot.key] = line
        lots.append(lot)
    return lots, errors
