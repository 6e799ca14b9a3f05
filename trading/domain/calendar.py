"""Working days on China's official calendar, and the legal periods counted on it.

Working days come from ``chinese_calendar`` (statutory holidays and make-up working days, 2004 to about
2026). For a year it does not know, Monday to Friday are taken as working days and a
``CalendarFallbackWarning`` naming the year is emitted once per year and process.

Counting periods (民法典 第二百零一条: the day of the event is not counted): an event at Asia/Shanghai
local date D starts a period of N days that ends on local date D+N (D plus N working days for working-day
periods). A minimum period ("at least N days after") is met when the deadline's local date is D+N or later;
``deadline`` and ``earliest_deadline`` return the first instant of that local day (00:00 Asia/Shanghai) as
an aware UTC datetime, so ``end >= earliest_deadline(start, rule)`` is the whole check. A time limit
("within N days") is met up to the end of its last local day; ``due_date`` gives that day, moved past any
weekend or statutory holiday it falls on (民法典 第二百零三条). Times go in and come out as aware UTC.
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar

from .errors import N_, DomainError
from .rules import Rule

SHANGHAI = ZoneInfo("Asia/Shanghai")
PERIOD_UNITS = ("days", "working_days")

# The years the package has official data for (it refuses the others).
KNOWN_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
_warned_years: set[int] = set()


class CalendarFallbackWarning(UserWarning):
    """The official calendar does not cover a year: Monday to Friday are used as working days."""


def _as_day(day: date) -> date:
    """Refuse datetimes where a local date is meant (their zone would be guessed)."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a local date, not {type(day).__name__}; use local_date() first")
    return day


@cache
def _official_working_day(day: date) -> bool:
    """chinese_calendar's answer for a date of a year it knows, kept (it checks the date's range against its whole
    table on every call: 80 µs, most of the time of counting a month's working days)."""
    return chinese_calendar.is_workday(day)


def is_working_day(day: date) -> bool:
    """Whether the local date is a working day (make-up Saturdays/Sundays count, holidays do not)."""
    day = _as_day(day)
    if day.year in KNOWN_YEARS:
        return _official_working_day(day)
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        warnings.warn(
            f"chinese_calendar has no official holidays for {day.year}: counting Monday to Friday as "
            f"working days for {day.year}",
            CalendarFallbackWarning,
            stacklevel=2,
        )
    return day.weekday() < 5


def add_days(day: date, n: int) -> date:
    """The local date ``n`` calendar days after ``day`` (before it when ``n`` is negative)."""
    return _as_day(day) + timedelta(days=n)


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day``, not counting ``day`` itself (before it when ``n`` < 0)."""
    current, step, remaining = _as_day(day), (1 if n >= 0 else -1), abs(n)
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    start, end = _as_day(start), _as_day(end)
    low, high, sign = (start, end, 1) if end >= start else (end, start, -1)
    days = (low + timedelta(days=offset) for offset in range(1, (high - low).days + 1))
    return sign * sum(1 for day in days if is_working_day(day))


def _aware(moment: datetime) -> datetime:
    """Refuse naive datetimes: every time in the platform is aware."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("expected an aware datetime (UTC), got a naive one")
    return moment


def to_local(moment: datetime) -> datetime:
    """An aware datetime shown in Asia/Shanghai time."""
    return _aware(moment).astimezone(SHANGHAI)


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware datetime."""
    return to_local(moment).date()


def start_of_local_day(day: date) -> datetime:
    """00:00 Asia/Shanghai on a local date, as an aware UTC datetime."""
    return datetime.combine(_as_day(day), time(0), tzinfo=SHANGHAI).astimezone(UTC)


def period_date(start_utc: datetime, amount: int, unit: str) -> date:
    """The local date D+N on which a period of ``amount`` days or working days from ``start_utc`` ends."""
    if unit not in PERIOD_UNITS:
        raise ValueError(f"a period is counted in days or working_days, not {unit!r}")
    start = local_date(start_utc)
    return add_days(start, amount) if unit == "days" else add_working_days(start, amount)


def deadline(start_utc: datetime, amount: int, unit: str) -> datetime:
    """The first instant (00:00 local, in UTC) of the local day that ends the period: D+N."""
    return start_of_local_day(period_date(start_utc, amount, unit))


def _period_rule(found: Rule) -> Rule:
    """The Rule counting a period (a Rule of the rule set in force), checked to be one."""
    if found.unit not in PERIOD_UNITS or found.value is None:
        raise ValueError(f"rule {found.id} is not a period in days or working days")
    return found


def earliest_deadline(issued_at_utc: datetime, rule: Rule) -> datetime:
    """The earliest deadline a minimum-period rule allows after ``issued_at_utc`` (aware UTC)."""
    found = _period_rule(rule)
    return deadline(issued_at_utc, found.value, found.unit)


def due_date(start_utc: datetime, rule: Rule) -> date:
    """The last local date a time-limit rule ("within N days") allows, moved past weekends and holidays."""
    found = _period_rule(rule)
    day = period_date(start_utc, found.value, found.unit)
    while not is_working_day(day):
        day = add_days(day, 1)
    return day


def check_min_period(start_utc: datetime, end_utc: datetime, rule: Rule, field: str) -> None:
    """Refuse an ``end_utc`` earlier than the minimum period ``rule`` requires after ``start_utc``."""
    found = _period_rule(rule)
    earliest = earliest_deadline(start_utc, found)
    if _aware(end_utc) >= earliest:
        return
    message = (
        N_("At least %(value)s days are required after %(start_date)s: the earliest allowed date is "
           "%(earliest_date)s (%(source)s).")
        if found.unit == "days"
        else N_("At least %(value)s working days are required after %(start_date)s: the earliest allowed "
                "date is %(earliest_date)s (%(source)s).")
    )
    raise DomainError(
        message,
        field=field,
        rule=found.id,
        value=found.value,
        start_date=local_date(start_utc).isoformat(),
        earliest_date=local_date(earliest).isoformat(),
        earliest=earliest,
        source=found.source,
    )
