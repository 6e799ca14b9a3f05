"""The evaluation-expert specialty catalogue (评标专家专业分类), as the platform's own data.

The national catalogue is a tree under A 工程, B 货物 and C 服务; every level below adds two digits
(A, A01, A0101, A010101). The platform ships two versions in ``trading/data/specialties/`` (see its
README for where each comes from): "2018", the one in use (发改法规〔2018〕316号), and "2010" (发改法规〔2010〕
1538号). An administrator can load another version from a CSV with the same columns
(code, name, parent_code, level, source_url) with ``load_file``, which refuses the whole file, listing every
bad row with its line number and reason, unless each row is sound.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field as dataclass_field
from functools import lru_cache
from pathlib import Path

from .errors import N_, DomainError

RULE = "experts.specialty"
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "specialties"
DEFAULT_VERSION = "2018"
VERSIONS = {
    "2018": ("specialties-2018.csv", "发改法规〔2018〕316号 《公共资源交易评标专家专业分类标准》"),
    "2010": ("specialties-2010.csv", "发改法规〔2010〕1538号 《评标专家专业分类标准（试行）》"),
}
COLUMNS = ("code", "name", "parent_code", "level")  # source_url may follow; other columns are ignored
SUMMARY_ROWS = 10  # how many bad rows the refusal's message spells out (params carry them all)

_CODE = re.compile(r"[ABC](?:[0-9]{2})*", re.ASCII)
_CODE_PREFIX = re.compile(r"[ABC][0-9]*", re.ASCII)


@dataclass(frozen=True)
class Specialty:
    """One node of the catalogue: its code, name, the code above it (None at the top) and depth (0-3)."""

    code: str
    name: str
    parent_code: str | None
    level: int


@dataclass(frozen=True)
class Catalogue:
    """One version of the catalogue: its name, its source, and its entries in code order."""

    version: str
    source: str
    entries: tuple[Specialty, ...]
    _by_code: dict[str, Specialty] = dataclass_field(init=False, repr=False, compare=False)
    _children: dict[str | None, tuple[Specialty, ...]] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self):
        ordered = tuple(sorted(self.entries, key=lambda s: s.code))
        children: dict[str | None, list[Specialty]] = {}
        for specialty in ordered:
            children.setdefault(specialty.parent_code, []).append(specialty)
        object.__setattr__(self, "entries", ordered)
        object.__setattr__(self, "_by_code", {s.code: s for s in ordered})
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.get(code) is not None

    def get(self, code: str) -> Specialty | None:
        """The specialty with this code (spaces and lower case tolerated), or None."""
        return self._by_code.get(str(code or "").strip().upper())

    def check(self, code: str, field: str = "specialty") -> Specialty:
        """The specialty with this code, or a refusal naming the code and the catalogue version."""
        text = str(code or "").strip().upper()
        if not text:
            raise DomainError(N_("Choose a specialty."), field=field, rule=RULE, version=self.version)
        specialty = self._by_code.get(text)
        if specialty is None:
            raise DomainError(
                N_("There is no specialty %(code)s in the %(version)s specialty catalogue."),
                field=field, rule=RULE, code=text, version=self.version,
            )
        return specialty

    def path(self, code: str) -> list[Specialty]:
        """The specialties from the top down to this one, e.g. A 工程, A01 规划, A0101 ...; refuses unknown codes."""
        chain = [self.check(code)]
        while chain[-1].parent_code is not None:
            chain.append(self._by_code[chain[-1].parent_code])
        return chain[::-1]

    def label(self, code: str) -> str:
        """The names along the path, e.g. ``工程 / 规划 / 国民经济和社会发展规划``."""
        return " / ".join(s.name for s in self.path(code))

    def children(self, code: str | None = None) -> list[Specialty]:
        """The specialties directly under this code (the top level A, B, C for None), by code."""
        parent = None if code is None else self.check(code).code
        return list(self._children.get(parent, ()))

    def leaves_under(self, code: str) -> list[Specialty]:
        """The specialties with nothing under them at or below this code, by code."""
        root = self.check(code)
        return [s for s in self.entries if s.code.startswith(root.code) and s.code not in self._children]

    def search(self, text: str, limit: int = 50) -> list[Specialty]:
        """Specialties whose code starts with ``text`` or whose name contains it, codes first, at most ``limit``."""
        query = str(text or "").strip()
        if not query:
            return []
        prefix = query.upper()
        by_code = [s for s in self.entries if s.code.startswith(prefix)] if _CODE_PREFIX.fullmatch(prefix) else []
        seen = {s.code for s in by_code}
        by_name = [s for s in self.entries if query in s.name and s.code not in seen]
        return (by_code + by_name)[:limit]

    def is_within(self, code: str, ancestor: str) -> bool:
        """Whether ``code`` is ``ancestor`` or lies under it (False if either is not in the catalogue)."""
        inner, outer = self.get(code), self.get(ancestor)
        return inner is not None and outer is not None and inner.code.startswith(outer.code)


def _problem(line: int, code: str, message: str, /, **params) -> dict:
    """One bad row: its line, its code, the reason as a msgid with params and as English text."""
    return {"line": line, "code": code, "message": message, "params": params, "reason": message % params}


def _read_rows(lines: Iterable[str], problems: list[dict]) -> list[tuple[int, dict[str, str]]]:
    """The data rows keyed by column with their line numbers; a missing column is a problem on line 1."""
    reader = csv.reader(lines)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        problems.append(_problem(1, "", N_("the file is empty")))
        return []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        problems.append(_problem(1, "", N_("missing columns: %(columns)s"), columns=", ".join(missing)))
        return []
    out = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
        out.append((reader.line_num, cells))
    return out


def _check_row(line: int, cells: dict[str, str], codes: set[str]) -> list[dict]:
    """What is wrong with one row, given every code in the file."""
    code, name, parent, level = (cells[c] for c in COLUMNS)
    if not _CODE.fullmatch(code):
        return [_problem(line, code, N_("the code %(code)s is not A, B or C followed by pairs of digits"),
                         code=code)]
    found = []
    if not name:
        found.append(_problem(line, code, N_("the name is empty")))
    depth = (len(code) - 1) // 2
    if level != str(depth):
        found.append(_problem(line, code, N_("the level %(level)s does not match the code (it should be %(depth)s)"),
                              level=level, depth=depth))
    expected = code[:-2] if depth else ""
    if parent != expected:
        found.append(_problem(line, code, N_("the parent %(parent)s is not one level up (it should be %(expected)s)"),
                              parent=parent or "-", expected=expected or "-"))
    elif expected and expected not in codes:
        found.append(_problem(line, code, N_("the parent %(parent)s is not in the file"), parent=parent))
    return found


def parse(lines: Iterable[str], version: str, source: str) -> Catalogue:
    """A catalogue from CSV lines, or one refusal listing every bad row with its line number and reason."""
    problems: list[dict] = []
    rows = _read_rows(lines, problems)
    codes = {cells["code"] for _, cells in rows}
    first_line: dict[str, int] = {}
    entries = []
    for line, cells in rows:
        code = cells["code"]
        if code in first_line:
            problems.append(_problem(line, code, N_("the code %(code)s is already on line %(first)s"),
                                     code=code, first=first_line[code]))
            continue
        first_line[code] = line
        found = _check_row(line, cells, codes)
        problems.extend(found)
        if not found:
            entries.append(Specialty(code, cells["name"], cells["parent_code"] or None, (len(code) - 1) // 2))
    if not problems and not entries:
        problems.append(_problem(2, "", N_("the file has no rows")))
    if problems:
        problems.sort(key=lambda p: p["line"])
        summary = "; ".join(f"line {p['line']}: {p['reason']}" for p in problems[:SUMMARY_ROWS])
        if len(problems) > SUMMARY_ROWS:
            summary += f"; … ({len(problems) - SUMMARY_ROWS} more)"
        raise DomainError(
            N_("The specialty catalogue %(version)s was not loaded: %(count)s problems (%(summary)s)."),
            field="file", rule=RULE, version=version, count=len(problems), summary=summary, problems=problems,
        )
    return Catalogue(version, source, tuple(entries))


def load_file(path: str | os.PathLike, version: str, source: str) -> Catalogue:
    """A catalogue version read from a UTF-8 CSV file, validated row by row (see ``parse``)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DomainError(
            N_("The specialty catalogue file could not be read as UTF-8 text: %(reason)s."),
            field="file", rule=RULE, version=version, reason=str(error),
        ) from None
    return parse(io.StringIO(text, newline=""), version, source)


def load(version: str = DEFAULT_VERSION) -> Catalogue:
    """One of the catalogues the platform ships ("2018" by default, or "2010"), read once."""
    if version not in VERSIONS:
        raise DomainError(
            N_("There is no specialty catalogue %(version)s; the platform ships %(versions)s."),
            field="version", rule=RULE, version=version, versions=", ".join(sorted(VERSIONS)),
        )
    return _load_shipped(version)


@lru_cache(maxsize=len(VERSIONS))
def _load_shipped(version: str) -> Catalogue:
    """Read and validate a shipped catalogue file (cached per version)."""
    filename, source = VERSIONS[version]
    return load_file(DATA_DIR / filename, version, source)
