"""Working days on China's official calendar, and legal periods counted in Asia/Shanghai dates."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta

import pytest

from trading.domain import calendar
from trading.domain.calendar import (
    CalendarFallbackWarning,
    add_days,
    add_working_days,
    check_min_period,
    deadline,
    due_date,
    earliest_deadline,
    is_working_day,
    local_date,
    start_of_local_day,
    to_local,
    working_days_between,
)
from trading.domain.errors import DomainError
from trading.domain.rules import DEFAULT_RULES as LAW, RuleSet


def utc(*args) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def fresh_fallback(monkeypatch):
    """Forget which fallback years were already warned about."""
    monkeypatch.setattr(calendar, "_warned_years", set())


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Spring Festival 2026: holiday 15-23 February, make-up Saturdays 14 and 28 February.
        (date(2026, 2, 13), True),
        (date(2026, 2, 14), True),
        (date(2026, 2, 15), False),
        (date(2026, 2, 17), False),
        (date(2026, 2, 23), False),
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),
        (date(2026, 3, 1), False),
        # National Day 2025: holiday 1-8 October, make-up Sunday 28 September and Saturday 11 October.
        (date(2025, 9, 27), False),
        (date(2025, 9, 28), True),
        (date(2025, 10, 1), False),
        (date(2025, 10, 8), False),
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),
        (date(2025, 10, 12), False),
    ],
)
def test_official_calendar(day, working):
    """Holidays are not working days; make-up weekend days are."""
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 2, 13), 0, date(2026, 2, 13)),
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        (date(2026, 2, 10), 10, date(2026, 3, 2)),
        (date(2026, 2, 24), -1, date(2026, 2, 14)),
        (date(2025, 9, 26), 1, date(2025, 9, 28)),
        (date(2025, 9, 30), 1, date(2025, 10, 9)),
        (date(2025, 9, 30), 3, date(2025, 10, 11)),
        (date(2025, 10, 9), -1, date(2025, 9, 30)),
    ],
)
def test_add_working_days(start, n, expected):
    """Counting skips holidays and uses make-up days; the start day is not counted."""
    assert add_working_days(start, n) == expected


def test_working_days_between_is_the_inverse_of_adding():
    """Counting working days between two dates undoes add_working_days, both ways."""
    start = date(2025, 9, 20)
    for n in range(40):
        end = add_working_days(start, n)
        assert working_days_between(start, end) == n
        assert working_days_between(end, start) == -n
    assert working_days_between(date(2025, 9, 26), date(2025, 10, 12)) == 6


def test_add_days():
    """Calendar days ignore holidays."""
    assert add_days(date(2026, 2, 10), 20) == date(2026, 3, 2)
    assert add_days(date(2026, 3, 2), -20) == date(2026, 2, 10)


def test_datetimes_are_not_dates():
    """A datetime where a local date is meant is a programming error (its zone would be guessed)."""
    with pytest.raises(TypeError):
        is_working_day(utc(2026, 2, 14, 3))


def test_local_time_helpers():
    """UTC in, Asia/Shanghai dates for counting; naive datetimes are refused."""
    evening = utc(2026, 2, 9, 17, 0)
    assert to_local(evening).hour == 1
    assert local_date(evening) == date(2026, 2, 10)
    assert start_of_local_day(date(2026, 3, 2)) == utc(2026, 3, 1, 16, 0)
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2026, 2, 10, 9, 0))  # naive on purpose


def test_deadline_in_days_and_working_days():
    """A period of N (working) days after local date D ends at 00:00 local on D+N, in UTC."""
    issued = utc(2026, 2, 10, 2, 0)  # 10:00 in Shanghai
    assert deadline(issued, 20, "days") == utc(2026, 3, 1, 16, 0)
    assert deadline(issued, 10, "working_days") == utc(2026, 3, 1, 16, 0)
    assert deadline(issued, 20, "working_days") == utc(2026, 3, 15, 16, 0)
    late_evening = utc(2026, 2, 9, 17, 0)  # already 10 February in Shanghai
    assert deadline(late_evening, 20, "days") == deadline(issued, 20, "days")
    with pytest.raises(ValueError, match="working_days"):
        deadline(issued, 1, "years")


def test_earliest_deadline_from_rules():
    """Rules in days and in working days give their earliest deadline; other rules are refused."""
    issued = utc(2025, 9, 19, 1, 0)
    assert earliest_deadline(issued, LAW["construction.bid_window"]) == start_of_local_day(date(2025, 10, 9))
    assert local_date(earliest_deadline(issued, LAW["land.listing_period"])) == date(2025, 10, 10)
    assert local_date(earliest_deadline(issued, LAW["property.result_publicity"])) == date(2025, 9, 26)
    stricter = RuleSet.from_overrides({"construction.bid_window": 25})["construction.bid_window"]
    assert local_date(earliest_deadline(issued, stricter)) == date(2025, 10, 14)
    with pytest.raises(ValueError, match="deposit_cap"):
        earliest_deadline(issued, LAW["construction.deposit_cap"])


def test_check_min_period_boundary():
    """The deadline may fall on D+N local at any time; a second earlier is refused, naming the rule."""
    issued = utc(2026, 2, 10, 2, 0)
    check_min_period(issued, utc(2026, 3, 1, 16, 0), LAW["construction.bid_window"], "bid_deadline")
    check_min_period(issued, utc(2026, 3, 2, 1, 30), LAW["construction.bid_window"], "bid_deadline")
    with pytest.raises(DomainError) as caught:
        check_min_period(issued, utc(2026, 3, 1, 15, 59, 59), LAW["construction.bid_window"], "bid_deadline")
    error = caught.value
    assert error.rule == "construction.bid_window"
    assert error.field == "bid_deadline"
    assert error.params["earliest_date"] == "2026-03-02"
    assert error.params["start_date"] == "2026-02-10"
    assert "2026-03-02" in str(error) and "招标投标法 第二十四条" in str(error)


def test_check_min_period_working_days_over_spring_festival():
    """Ten working days from 10 February 2026 run past the Spring Festival to 2 March."""
    issued = utc(2026, 2, 10, 2, 0)
    with pytest.raises(DomainError) as caught:
        check_min_period(issued, utc(2026, 2, 27, 2, 0), LAW["land.listing_period"], "listing_end")
    assert caught.value.rule == "land.listing_period"
    assert caught.value.params["earliest_date"] == "2026-03-02"
    assert "working days" in caught.value.message


def test_due_date_moves_past_holidays():
    """A time limit ending on a holiday ends on the next working day instead (民法典 第二百零三条)."""
    assert due_date(utc(2025, 9, 1, 2, 0), LAW["construction.contract_deadline"]) == date(2025, 10, 9)
    assert due_date(utc(2025, 9, 2, 2, 0), LAW["construction.deposit_refund"]) == date(2025, 9, 8)
    assert due_date(utc(2026, 2, 12, 2, 0), LAW["procurement.deposit_refund"]) == date(2026, 2, 26)


def test_fallback_year_warns_once(fresh_fallback):
    """Outside the package's years, Monday to Friday count, with one warning naming the year."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert is_working_day(date(2031, 1, 1)) is True  # a Wednesday; the real holiday is unknown
        assert is_working_day(date(2031, 1, 4)) is False  # a Saturday
        assert add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)
    fallback = [w for w in caught if issubclass(w.category, CalendarFallbackWarning)]
    assert len(fallback) == 1
    assert "2031" in str(fallback[0].message)


def test_fallback_warns_per_year(fresh_fallback):
    """Crossing into another unknown year warns again, for that year."""
    with pytest.warns(CalendarFallbackWarning, match="2030"):
        is_working_day(date(2030, 6, 3))
    with pytest.warns(CalendarFallbackWarning, match="2031"):
        is_working_day(date(2031, 6, 3))
    with pytest.warns(CalendarFallbackWarning, match="2003"):
        is_working_day(date(2003, 6, 3))
    assert 2026 in calendar.KNOWN_YEARS and 2031 not in calendar.KNOWN_YEARS


def test_counting_from_a_known_year_into_the_fallback(fresh_fallback):
    """A period starting in the last known year continues on Monday to Friday, with a warning."""
    last_known = date(2026, 12, 31)
    assert is_working_day(last_known)
    with pytest.warns(CalendarFallbackWarning, match="2027"):
        assert add_working_days(last_known, 2) == last_known + timedelta(days=4)  # Fri 1, Mon 4 Jan 2027
