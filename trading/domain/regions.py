"""China's administrative division codes (行政区划代码, GB/T 2260), current codes only.

The data is python-stdnum's ``cn/loc.dat`` (taken from the Chinese Wikipedia lists of GB/T 2260
codes), read once on first use. An entry there carries the years it was in use, e.g.
``[1998-]咸宁市`` or ``[-1983]市区``, several of them when a code was renamed; a code is current when
one of its entries is open-ended or has no years at all. A code is a province (pp0000: two
province digits, then zeros), a prefecture (ppcc00) or a county (district, county-level city,
banner). Grouping rows that are not places are left out: 市辖区 (ppcc01 of a prefecture-level city,
pp0100 of a municipality), 县 (500200) and the 省/自治区直辖县级行政单位 rows (429000 ...); a county whose
prefecture is such a row hangs directly under its province (429004 仙桃市, 110101 东城区). Three Hubei
rows the source still lists without years although their places moved to other codes long ago
are left out as well (``STALE_IN_SOURCE``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from stdnum import numdb

from .errors import N_, DomainError

RULE = "identity.region"
LEVELS = ("province", "prefecture", "county")
GROUPING_NAMES = frozenset({"市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位"})
# Listed without years in loc.dat but no longer in use: 林区 / 神农架林区 (now 429021), 随州市 (now 421300).
STALE_IN_SOURCE = frozenset({"422900", "422921", "429001"})

_CODE = re.compile(r"[0-9]{6}", re.ASCII)
_ENTRY = re.compile(r"\[(?P<start>[0-9]*)-(?P<end>[0-9]*)\](?P<name>.*)")


@dataclass(frozen=True)
class Region:
    """A current administrative division: its code, own name, level and the code of the region above."""

    code: str
    name: str
    level: str
    parent: str | None


@dataclass(frozen=True)
class _Table:
    """The parsed data: current regions, children by code, and the codes that are not (or no longer) places."""

    regions: dict[str, Region]
    children: dict[str | None, tuple[str, ...]]
    grouping: dict[str, str]
    retired: dict[str, tuple[str, int]]


def _level(code: str) -> str:
    """The level a code's shape gives: pp0000 province, ppcc00 prefecture, otherwise county."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def _current(value: str) -> tuple[str | None, tuple[str, int] | None]:
    """The current name of a loc.dat value, or None with the last (name, end year) if it was retired."""
    last_retired = None
    for entry in value.split(","):
        match = _ENTRY.fullmatch(entry)
        if match is None:
            return entry, None
        if not match["end"]:
            return match["name"], None
        last_retired = (match["name"], int(match["end"]))
    return None, last_retired


@lru_cache(maxsize=1)
def _table() -> _Table:
    """Read loc.dat once and build the current regions with their parents."""
    names: dict[str, str] = {}
    grouping: dict[str, str] = {}
    retired: dict[str, tuple[str, int]] = {}
    for _, province, _, props, rows in numdb.get("cn/loc").prefixes:
        names[province + "0000"] = props["province"]
        for _, suffix, _, row_props, _ in rows:
            code = province + suffix
            if code.endswith("0000"):
                continue
            name, ended = _current(row_props.get("county", ""))
            if code in STALE_IN_SOURCE:
                continue
            if name is None:
                retired[code] = ended
            elif not name:
                continue
            elif name in GROUPING_NAMES:
                grouping[code] = name
            else:
                names[code] = name
    regions: dict[str, Region] = {}
    children: dict[str | None, list[str]] = {}
    for code in sorted(names):
        level = _level(code)
        if level == "province":
            parent = None
        elif level == "prefecture" or code[:4] + "00" not in names:
            parent = code[:2] + "0000"
        else:
            parent = code[:4] + "00"
        regions[code] = Region(code, names[code], level, parent)
        children.setdefault(parent, []).append(code)
    return _Table(regions, {k: tuple(v) for k, v in children.items()}, grouping, retired)


def get(code: str) -> Region | None:
    """The current region with this code, or None."""
    return _table().regions.get(str(code).strip())


def check_region(code: str, field: str = "region_code") -> Region:
    """The current region with this code, or a refusal saying what is wrong with the code."""
    text = str(code if code is not None else "").strip()
    if not text:
        raise DomainError(N_("Enter the region code (行政区划代码)."), field=field, rule=RULE)
    if not _CODE.fullmatch(text):
        raise DomainError(
            N_("A region code (行政区划代码) is 6 digits; %(code)s is not."), field=field, rule=RULE, code=text,
        )
    table = _table()
    if text in table.regions:
        return table.regions[text]
    if text in table.grouping:
        raise DomainError(
            N_("%(code)s (%(name)s) only groups the districts or counties of a city or province: "
               "choose the district or county itself."),
            field=field, rule=RULE, code=text, name=table.grouping[text],
        )
    if text in table.retired:
        old_name, end = table.retired[text]
        raise DomainError(
            N_("The region code %(code)s (%(name)s) has not been in use since %(year)s."),
            field=field, rule=RULE, code=text, name=old_name, year=end,
        )
    raise DomainError(
        N_("There is no region with the code %(code)s (GB/T 2260)."), field=field, rule=RULE, code=text,
    )


def provinces() -> list[Region]:
    """The provinces, autonomous regions, municipalities and SARs, by code."""
    table = _table()
    return [table.regions[c] for c in table.children.get(None, ())]


def name(code: str) -> str:
    """The full name from the province down, e.g. 湖北省咸宁市嘉鱼县; refuses an unknown code."""
    region = check_region(code)
    parts = []
    current: Region | None = region
    while current is not None:
        parts.append(current.name)
        current = get(current.parent) if current.parent else None
    return "".join(reversed(parts))


def name_or_code(code: str) -> str:
    """The full name, or the code itself when the table does not know it (e.g. a code retired since)."""
    return name(code) if get(code) else code


def children(code: str) -> list[Region]:
    """The regions directly under this one, by code; refuses an unknown code."""
    region = check_region(code)
    table = _table()
    return [table.regions[c] for c in table.children.get(region.code, ())]


def descendants(code: str) -> list[str]:
    """This code and every code under it, sorted; refuses an unknown code."""
    found = [check_region(code).code]
    table = _table()
    pending = list(table.children.get(found[0], ()))
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(table.children.get(current, ()))
    return sorted(found)


def is_within(code: str, ancestor: str) -> bool:
    """Whether the region ``code`` is ``ancestor`` or lies under it (False if either is unknown)."""
    target = str(ancestor).strip()
    if get(target) is None:
        return False
    current = get(code)
    while current is not None:
        if current.code == target:
            return True
        current = get(current.parent) if current.parent else None
    return False
