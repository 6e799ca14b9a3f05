"""Evaluation experts (评标专家): identity checks, titles and eligibility, the record the draw uses, file import.

One pool serves every trade type (五统一: 评标专家库统一). An expert is admitted with at least the years in
the field and the senior title of rule ``experts.eligibility`` (a centre may ask for more years); repeated
declines or unanswered draw calls suspend the expert (rule ``experts.refusals``, a platform policy).

Imports (CSV or .xlsx, one header row in Chinese or English) are all or nothing: ``read_file`` reads the file as
``domain.tabular`` does (UTF-8, GB18030/GBK or UTF-16; a title row above the header; size and cell limits);
``parse_rows`` checks every row and every column (control characters refused) and refuses the whole file with
every problem (line, column, reason) if any is bad.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, NamedTuple

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from . import tabular
from .accounts import check_credit_code
from .errors import N_, DomainError
from .regions import check_region
from .rules import RuleSet
from .specialties import Catalogue

ELIGIBILITY = "experts.eligibility"
REFUSALS_RULE = "experts.refusals"
STATUSES = ("active", "suspended", "removed")
REFUSAL_OUTCOMES = frozenset({"declined", "no_answer"})  # a declared conflict is not a refusal
MIN_WORKING_AGE = 16  # 劳动法 第十五条: nobody works before 16, so years of practice <= age - 16
SUMMARY_ROWS = 10

LEVELS = {4: "正高级", 3: "副高级", 2: "中级", 1: "初级"}
SENIOR = 3
_TITLE_NAMES = {
    4: ("正高级", "教授级高级工程师", "正高级工程师", "正高级经济师", "正高级会计师", "正高级审计师", "正高级统计师",
        "教授", "研究员", "主任医师", "一级律师"),
    3: ("副高级", "高级工程师", "高级经济师", "高级会计师", "高级审计师", "高级统计师", "高级农艺师", "副教授",
        "副研究员", "副主任医师", "二级律师"),
    2: ("中级", "工程师", "经济师", "会计师", "审计师", "统计师", "农艺师", "讲师", "助理研究员", "主治医师",
        "三级律师"),
    1: ("初级", "助理工程师", "助理经济师", "助理会计师", "助理审计师", "助理统计师", "技术员", "四级律师"),
}
TITLES: dict[str, int] = {name: level for level, names in _TITLE_NAMES.items() for name in names}

# Import columns: English key, Chinese header, required.
COLUMNS = (
    ("name", "姓名", True),
    ("id_number", "身份证号", True),
    ("mobile", "手机号", True),
    ("specialties", "专业代码", True),
    ("title", "职称", True),
    ("years", "从业年限", True),
    ("region_code", "地区代码", True),
    ("employer_credit_code", "工作单位统一社会信用代码", False),
)
_HEADER_KEYS = {alias: key for key, zh, _ in COLUMNS for alias in (key, zh)}

_ID_FORMAT = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
_SEPARATORS = re.compile(r"[;；、]")


@dataclass(frozen=True)
class Title:
    """A professional title (职称) and its level: 4 正高级, 3 副高级, 2 中级, 1 初级."""

    name: str
    level: int

    @property
    def level_name(self) -> str:
        """The level in Chinese."""
        return LEVELS[self.level]


class ExpertRecord(NamedTuple):
    """What the draw knows of one expert (relatives_of: bidder organisations whose principals are close kin; ties:
    (organisation, the date the tie ended or None while it holds) for organisations it worked for, directed or
    controlled; penalised_on: the date of its first penalty for unlawful conduct in tendering, if any).
    A named tuple: a draw over a large pool builds tens of thousands of them, three times faster than a frozen
    dataclass."""

    expert_id: int
    name: str
    specialties: frozenset[str]
    region_code: str
    employer_id: int | None
    status: str = "active"
    suspended_until: datetime | None = None
    last_drawn_at: datetime | None = None
    relatives_of: frozenset[int] = frozenset()
    ties: frozenset[tuple[int, date | None]] = frozenset()
    penalised_on: date | None = None


@dataclass(frozen=True)
class ExpertInput:
    """One checked row of an import file, ready to be stored."""

    line: int
    name: str
    id_number: str
    mobile: str
    specialties: tuple[str, ...]
    title: Title
    years: int
    region_code: str
    employer_credit_code: str | None


def check_id_number(text: str, field: str = "id_number", today: date | None = None) -> str:
    """The 18-character 居民身份证号码 (upper case), or a refusal saying what is wrong with it."""
    number = re.sub(r"[\s-]", "", str(text or "")).upper()
    if not number:
        raise DomainError(N_("Enter the ID number (居民身份证号码)."), field=field)
    if len(number) != 18:
        raise DomainError(N_("An ID number (居民身份证号码) has 18 characters; this one has %(count)s."), field=field,
                        count=len(number))
    if not _ID_FORMAT.fullmatch(number):
        raise DomainError(N_("An ID number is 17 digits followed by a digit or X."), field=field)
    expected = ric.calc_check_digit(number)
    if number[-1] != expected:
        raise DomainError(N_("The check digit of this ID number is wrong: it should be %(expected)s; "
                           "check for a typing mistake."), field=field, expected=expected)
    try:
        born = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        raise DomainError(N_("The ID number gives the birth date %(date)s, which does not exist."), field=field,
                        date=f"{number[6:10]}-{number[10:12]}-{number[12:14]}") from None
    if today is not None and born > today:
        raise DomainError(N_("The ID number gives the birth date %(date)s, which is in the future."), field=field,
                        date=born.isoformat())
    try:
        ric.get_birth_place(number)
    except stdnum_errors.ValidationError:
        raise DomainError(N_("The ID number starts with %(code)s, which was not a region code (GB/T 2260) "
                           "in %(year)s."), field=field, code=number[:6], year=born.year) from None
    return number


def mask_id(number: str) -> str:
    """An ID number as shown to people who may not see it: first 6, eight stars, last 4."""
    text = str(number or "")
    return text[:6] + "********" + text[-4:] if len(text) > 10 else "*" * len(text)


def check_mobile(text: str, field: str = "mobile") -> str:
    """The 11-digit mainland mobile number (spaces, hyphens and +86 tolerated), or a refusal."""
    number = re.sub(r"[\s\-()]", "", str(text or ""))
    if not number:
        raise DomainError(N_("Enter the mobile number."), field=field)
    for prefix in ("+86", "0086", "86"):
        if number.startswith(prefix) and len(number) == 11 + len(prefix):
            number = number[len(prefix):]
            break
    if not _MOBILE.fullmatch(number):
        raise DomainError(N_("A mobile number has 11 digits and starts with 13 to 19; %(number)s is not one."),
                          field=field, number=str(text))
    return number


def check_title(text: str | Title, field: str = "title") -> Title:
    """The professional title with this name (or a level name such as 副高级), or a refusal."""
    if isinstance(text, Title):
        return text
    name = str(text or "").strip()
    if not name:
        raise DomainError(N_("Enter the professional title (职称)."), field=field)
    if name not in TITLES:
        raise DomainError(N_("Unknown professional title %(title)s: use a title such as 高级工程师, or a level "
                             "(正高级, 副高级, 中级, 初级)."), field=field, title=name)
    return Title(name, TITLES[name])


def check_years(value: object, field: str = "years") -> int:
    """Whole years of practice from a form or a file cell, or a refusal."""
    text = str(value if value is not None else "").strip()
    match = re.fullmatch(r"([0-9]{1,2})\s*年?", text, re.ASCII)
    if match is None:
        raise DomainError(N_("Years of practice is a whole number of years; %(value)s is not."), field=field,
                          value=text)
    return int(match[1])


def check_eligibility(title: str | Title, years: int, field: str = "years", *, title_field: str = "title",
                      rules: RuleSet) -> None:
    """Refuse an expert below the years in the field (rule experts.eligibility in force) or the senior title."""
    found = check_title(title, title_field)
    minimum = rules.value(ELIGIBILITY)
    if found.level < SENIOR:
        raise DomainError(N_("An expert needs a senior title (副高级 or above); %(title)s is %(level)s."),
                          field=title_field, rule=ELIGIBILITY, title=found.name, level=found.level_name)
    if years < minimum:
        raise DomainError(N_("An expert needs at least %(minimum)s years in the field; %(years)s given."),
                          field=field, rule=ELIGIBILITY, minimum=minimum, years=years)


def _problem(line: int, column: str, error: DomainError) -> dict:
    """One bad cell: line, column (the error's own field if it names one), the reason as msgid and as text."""
    params = {k: v for k, v in error.params.items() if k != "problems"}
    return {"line": line, "column": error.field or column, "message": error.message, "params": params,
            "reason": error.render()}


def _refuse_file(problems: list[dict]) -> DomainError:
    """The one refusal of a whole import file, listing every problem."""
    problems.sort(key=lambda p: p["line"])
    summary = "; ".join(f"line {p['line']} {p['column']}: {p['reason']}" for p in problems[:SUMMARY_ROWS])
    if len(problems) > SUMMARY_ROWS:
        summary += f"; … ({len(problems) - SUMMARY_ROWS} more)"
    return DomainError(N_("The expert file was not imported: %(count)s problems (%(summary)s)."), field="file",
                       count=len(problems), summary=summary, problems=problems)


def _split_codes(text: str, catalogue: Catalogue, field: str) -> tuple[str, ...]:
    """The specialty codes of a cell separated by ; or 、, each checked against the catalogue."""
    parts = [p.strip() for p in _SEPARATORS.split(str(text or "")) if p.strip()]
    if not parts:
        raise DomainError(N_("Enter at least one specialty code."), field=field, rule="experts.specialty")
    return tuple(sorted({catalogue.check(p, field).code for p in parts}))


def _check_row(row: dict, catalogue: Catalogue, today: date, rules: RuleSet) -> tuple[dict, list]:
    """The checked values of one row and the problems found in it, column by column."""
    line = row.get("line", 0)
    values: dict = {}
    problems: list[dict] = []

    def check(column, fn, *args, **kwargs):
        if column in dirty:
            return
        try:
            values[column] = fn(*args, **kwargs)
        except DomainError as error:
            problems.append(_problem(line, column, error))

    dirty = set()
    for column, cell in row.items():
        char = tabular.control_character(cell) if isinstance(cell, str) else None
        if char is not None:
            dirty.add(column)
            problems.append(_problem(line, column, DomainError(
                N_("The cell holds the control character %(char)s: remove it."), char=char)))
    name = str(row.get("name") or "").strip()
    if "name" not in dirty and (not name or len(name) > 50):
        problems.append(_problem(line, "name", DomainError(N_("Enter the name (at most 50 characters)."))))
    values["name"] = name
    check("id_number", check_id_number, row.get("id_number"), "id_number", today)
    check("mobile", check_mobile, row.get("mobile"))
    check("specialties", _split_codes, row.get("specialties"), catalogue, "specialties")
    check("title", check_title, row.get("title"))
    check("years", check_years, row.get("years"))
    check("region_code", lambda v: check_region(v).code, row.get("region_code"))
    credit = str(row.get("employer_credit_code") or "").strip()
    values["employer_credit_code"] = None
    if credit:
        check("employer_credit_code", check_credit_code, credit, "employer_credit_code")
    if "title" in values and "years" in values:
        check("eligibility", check_eligibility, values["title"], values["years"], "years", title_field="title",
              rules=rules)
    if "id_number" in values and "years" in values:
        born = ric.get_birth_date(values["id_number"])
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if values["years"] > age - MIN_WORKING_AGE:
            problems.append(_problem(line, "years", DomainError(
                N_("%(years)s years of practice is more than someone aged %(age)s can have."),
                years=values["years"], age=age)))
    return values, problems


def parse_rows(rows: Iterable[dict], catalogue: Catalogue, now: datetime, *, existing: Container[str] = (),
               rules: RuleSet) -> list[ExpertInput]:
    """Every row checked; one refusal listing every bad row (and repeated or already known ID numbers) if any."""
    problems: list[dict] = []
    first_line: dict[str, int] = {}
    checked = []
    for row in rows:
        values, found = _check_row(row, catalogue, now.date(), rules)
        line = row.get("line", 0)
        number = values.get("id_number")
        if number is not None and number in first_line:
            found.append(_problem(line, "id_number", DomainError(
                N_("The ID number %(masked)s is already on line %(first)s."), masked=mask_id(number),
                first=first_line[number])))
        elif number is not None and number in existing:
            found.append(_problem(line, "id_number", DomainError(
                N_("The expert with ID number %(masked)s is already in the pool."), masked=mask_id(number))))
        if number is not None:
            first_line.setdefault(number, line)
        problems.extend(found)
        if not found:
            checked.append(ExpertInput(line, values["name"], number, values["mobile"], values["specialties"],
                                       values["title"], values["years"], values["region_code"],
                                       values["employer_credit_code"]))
    if not problems and not checked:
        problems.append(_problem(2, "", DomainError(N_("The file has no rows."))))
    if problems:
        raise _refuse_file(problems)
    return checked


def _header(cells: Iterable[object], line: int = 1) -> list[str | None]:
    """The column keys of a header row (None for a column the import does not use), or a refusal."""
    keys = [_HEADER_KEYS.get(str(c or "").strip().lstrip("\ufeff").lower()) for c in cells]
    missing = [f"{zh} ({key})" for key, zh, required in COLUMNS if required and key not in keys]
    if missing:
        raise _refuse_file([_problem(line, "", DomainError(N_("Missing columns: %(columns)s."),
                                                            columns=", ".join(missing)))])
    return keys


def _is_header(cells: Iterable[str]) -> bool:
    """Whether a row is the header: two or more of its cells name columns (a title row above names none)."""
    return sum(_HEADER_KEYS.get(c.strip().lower()) is not None for c in cells) >= 2


def _cell_text(value: object) -> str:
    """A spreadsheet cell as text: whole numbers without a decimal point, nothing as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_file(filename: str, stream: IO[bytes] | IO[str], *, max_bytes: int = tabular.DEFAULT_MAX_BYTES) -> list[dict]:
    """The rows of a .csv file (UTF-8, GB18030/GBK or UTF-16) or of the first sheet of an .xlsx workbook as dicts
    keyed by column with their line numbers, under a header that may follow a title row; a file above
    ``max_bytes``, an oversized cell or a missing column is refused (domain.tabular)."""
    try:
        sheet = tabular.read(filename, stream, max_bytes=max_bytes, is_header=_is_header)
    except DomainError as error:
        found = error.params.get("problems")
        if found is None:
            raise _refuse_file([_problem(1, "", error)]) from None
        raise _refuse_file([_problem(p["line"], p["column"] or "", DomainError(p["message"], **p["params"]))
                            for p in found]) from None
    if not sheet.header:
        raise _refuse_file([_problem(1, "", DomainError(N_("The file is empty.")))])
    keys = _header(sheet.header, sheet.header_line)
    rows = []
    for line, cells in sheet.rows:
        row: dict = {"line": line}
        for key, cell in zip(keys, cells, strict=False):
            if key is not None:
                row[key] = _cell_text(cell)
        rows.append(row)
    return rows


def read_csv(stream: IO[bytes] | IO[str], *, max_bytes: int = tabular.DEFAULT_MAX_BYTES) -> list[dict]:
    """The rows of a CSV file (see ``read_file``)."""
    return read_file("experts.csv", stream, max_bytes=max_bytes)


def read_xlsx(stream: IO[bytes], *, max_bytes: int = tabular.DEFAULT_MAX_BYTES) -> list[dict]:
    """The rows of the first sheet of an Excel .xlsx workbook (see ``read_file``)."""
    return read_file("experts.xlsx", stream, max_bytes=max_bytes)


@dataclass(frozen=True)
class RefusalPolicy:
    """Platform policy: ``count`` declines or no-answers within ``window_days`` suspend for ``suspend_days``."""

    count: int = 3
    window_days: int = 365
    suspend_days: int = 180

    @classmethod
    def from_rules(cls, rules: RuleSet, window_days: int = 365, suspend_days: int = 180) -> RefusalPolicy:
        """The policy with the centre's count from rule experts.refusals."""
        return cls(rules.value(REFUSALS_RULE), window_days, suspend_days)


DEFAULT_REFUSAL_POLICY = RefusalPolicy()


def refusal_suspension(history: Iterable[tuple[datetime, str]], now: datetime,
                       policy: RefusalPolicy = DEFAULT_REFUSAL_POLICY) -> datetime | None:
    """Until when the refusals in ``history`` (time, call outcome) suspend the expert, or None if they do not.

    Replayed in time order: the refusal that makes ``count`` within ``window_days`` suspends the expert for
    ``suspend_days`` from that refusal, and the refusals counted for it are spent (they do not count again).
    """
    window = timedelta(days=policy.window_days)
    counted: list[datetime] = []
    until = None
    for at, outcome in sorted(history, key=lambda item: item[0]):
        if at > now or outcome not in REFUSAL_OUTCOMES:
            continue
        counted = [t for t in counted if t > at - window] + [at]
        if len(counted) >= policy.count:
            until, counted = at + timedelta(days=policy.suspend_days), []
    return until if until is not None and until > now else None
