"""The columns of a file of historical deals: the fields, the headers that name them, and the unit a money column
names in its header (domain.history reads the rows under them).

A header is matched after ``name_key`` (NFKC, no white space, lower case; 【】 and 〔〕 count as brackets) against
each field's English name, Chinese header and usual variants. A known header followed by a note in brackets,
a slash or a bare unit word gives the field, and for a money field the unit: 预算（万元）, 中标金额/万元, 成交价万元.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from .errors import N_

MONEY = frozenset({"budget", "starting_price", "award_price"})


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
BY_NAME = {f.name: f for f in FIELDS}

_BRACKETS = str.maketrans("[【〔{<《", "((((((", "")
_BRACKETS.update(str.maketrans("]】〕}>》", "))))))"))
# What may follow a known header: (a note), /a unit, or a bare unit word (预算万元).
_SUFFIXES = (re.compile(r"(?P<base>.+?)\((?P<note>[^()]*)\)"), re.compile(r"(?P<base>.+?)/(?P<note>[^/]+)"),
             re.compile(r"(?P<base>.+?)(?P<note>千元|万元|亿元|元)"))
UNIT_WORDS = {word: unit for unit, words in {
    "元": ("元", "yuan", "rmb", "cny", "人民币", "人民币元", "元人民币"),
    "千元": ("千元", "thousandyuan", "1000yuan", "1,000yuan"),
    "万元": ("万元", "万", "人民币万元", "万元人民币", "wanyuan", "10kyuan", "10000yuan", "10,000yuan"),
    "亿元": ("亿元", "亿", "人民币亿元", "亿元人民币", "yiyuan", "100myuan", "100000000yuan", "100,000,000yuan"),
}.items() for word in words}
_SPACES = re.compile(r"\s+")
CELL_UNIT = re.compile(r"(?P<number>.*?)\s*(?P<unit>千元|万元|亿元|万|亿|元)")  # a unit written in a cell


def name_key(text: str) -> str:
    """The one normalisation for matching names and headers: NFKC (full-width digits and letters become ASCII,
    （ becomes ( ...), no white space, lower case. Duplicates inside a file and against the stored deals use it."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text))).lower()


_HEADERS: dict[str, str] = {}
for _field in FIELDS:
    for _header in (_field.name, _field.header_zh, *_field.aliases):
        _HEADERS[name_key(_header).translate(_BRACKETS)] = _field.name


@dataclass(frozen=True)
class Column:
    """A column of a file: its header as written, the field it gives, and for money the unit its header names
    (元, 千元, 万元, 亿元; None when it names none, or names one that cannot be read: then ``note`` is that text)."""

    header: str
    field: str
    unit: str | None = None
    note: str | None = None

    @property
    def unreadable_unit(self) -> bool:
        """A money column whose header says something after its name that is not a unit."""
        return self.field in MONEY and self.note is not None and self.unit is None


def read_header(header: Any) -> Column | None:
    """The column a header stands for (English name, Chinese header or a usual variant, with its unit or a note),
    or None for a column the import does not use."""
    text = "" if header is None else str(header).strip()
    key = name_key(text).translate(_BRACKETS)
    if key in _HEADERS:
        return Column(text, _HEADERS[key])
    for pattern in _SUFFIXES:
        match = pattern.fullmatch(key)
        if match and match["base"] in _HEADERS:
            name, note = _HEADERS[match["base"]], match["note"]
            unit = UNIT_WORDS.get(re.sub(r"^(单位|unit|in):?", "", note)) if name in MONEY else None
            return Column(text, name, unit, note)
    return None


def field_for_header(header: str) -> str | None:
    """The field a column header stands for, or None."""
    column = read_header(header)
    return None if column is None else column.field


def is_header(cells: Iterable[Any]) -> bool:
    """Whether a row is the header: two or more of its cells name fields (a title row above names none)."""
    return sum(read_header(c) is not None for c in cells if c) >= 2


class RowError(NamedTuple):
    """One error or warning of a file: line, field (None for the whole row), English msgid, its parameters and the
    rule that decided, if one did."""

    line: int
    field: str | None
    message: str
    params: dict[str, Any]
    rule: str | None = None


def read_columns(headers: Iterable[Any], line: int = 1) -> tuple[dict[str, Column], dict[str, Column], list[RowError]]:
    """The file's columns by header and by field, and the errors of its header row (on ``line``): two columns
    giving one field, a money column whose unit cannot be read."""
    by_header: dict[str, Column] = {}
    by_field: dict[str, Column] = {}
    errors: list[RowError] = []
    for header in headers:
        column = read_header(header)
        if column is None:
            continue
        name = column.field
        if name in by_field:
            errors.append(RowError(line, name, N_("The columns %(first)s and %(second)s both give %(column)s."),
                                   {"first": by_field[name].header, "second": column.header,
                                    "column": BY_NAME[name].header_zh}))
            continue
        if column.unreadable_unit:
            errors.append(RowError(line, name, N_("The column %(header)s gives %(column)s in a unit that cannot be "
                                                  "read (%(unit)s): name 元, 万元 or 亿元 in brackets."),
                                   {"header": column.header, "column": BY_NAME[name].header_zh,
                                    "unit": column.note}))
        by_header[str(header)] = by_field[name] = column
    return by_header, by_field, errors


