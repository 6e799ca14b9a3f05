"""Government procurement questions and complaints (政府采购法 第五十二至五十六条; 94号令): the working-day windows,
counted across the 2026 May holiday (1–5 May off, Saturday 9 May worked)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from trading.domain import calendar, complaints
from trading.domain.errors import DomainError
from trading.domain.rules import DEFAULT_RULES

GROUNDS = "采购文件设置的资格条件排斥潜在供应商，请求修改。"
KNOWN = date(2026, 4, 28)  # Tuesday: 29, 30 April, 6, 7, 8, 9 (make-up Saturday), 11 May are the 7 working days


def local(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return calendar.start_of_local_day(day) + timedelta(hours=hour, minutes=minute, seconds=second)


def test_a_question_is_taken_on_the_seventh_working_day_across_the_may_holiday_and_refused_the_next():
    complaints.check_question("documents", GROUNDS, KNOWN, local(date(2026, 5, 11), 23, 59, 59), DEFAULT_RULES)
    with pytest.raises(DomainError) as refused:
        complaints.check_question("documents", GROUNDS, KNOWN, local(date(2026, 5, 12)), DEFAULT_RULES)
    assert (refused.value.field, refused.value.rule) == ("known_on", "procurement.question_window")


@pytest.mark.parametrize(("matter", "text", "known_on", "field"), [
    ("other", GROUNDS, KNOWN, "matter"), ("documents", "太短", KNOWN, "text"), ("result", GROUNDS, None, "known_on"),
    ("result", GROUNDS, date(2026, 5, 1), "known_on")])
def test_a_question_without_its_matter_grounds_or_day_is_refused_naming_the_field(matter, text, known_on, field):
    with pytest.raises(DomainError) as refused:
        complaints.check_question(matter, text, known_on, local(KNOWN, 10), DEFAULT_RULES)
    assert (refused.value.field, refused.value.rule) == (field, "procurement.question_window")


def test_the_answer_is_due_seven_working_days_after_the_question_skipping_the_holiday():
    due = complaints.due(local(KNOWN, 9), "procurement.question_answer", DEFAULT_RULES)
    assert due == local(date(2026, 5, 12))


def test_the_complaint_window_is_fifteen_working_days_after_the_answer_period_whenever_the_answer_came():
    answer_due = local(date(2026, 5, 12))  # the answer period's last day is Monday 11 May
    answered = local(date(2026, 4, 29), 15)  # an early answer does not shorten the window (答复期满后)
    last = local(date(2026, 6, 1), 23, 59, 59)  # 12–15, 18–22, 25–29 May, 1 June
    start = complaints.check_procurement_complaint("documents", GROUNDS, (answered, answer_due), last, DEFAULT_RULES)
    assert start == date(2026, 5, 11)
    with pytest.raises(DomainError) as refused:
        complaints.check_procurement_complaint("documents", GROUNDS, (answered, answer_due),
                                               last + timedelta(seconds=1), DEFAULT_RULES)
    assert (refused.value.field, refused.value.rule) == ("matter", "procurement.complaint_window")


def test_a_complaint_needs_a_question_first_and_waits_for_its_answer_unless_overdue():
    with pytest.raises(DomainError) as refused:
        complaints.check_procurement_complaint("result", GROUNDS, None, local(KNOWN, 10), DEFAULT_RULES)
    assert (refused.value.field, refused.value.rule) == ("matter", "procurement.complaint_window")
    answer_due = local(date(2026, 5, 12))
    with pytest.raises(DomainError):
        complaints.check_procurement_complaint("result", GROUNDS, (None, answer_due), answer_due - timedelta(seconds=1),
                                               DEFAULT_RULES)
    assert complaints.check_procurement_complaint("result", GROUNDS, (None, answer_due), answer_due, DEFAULT_RULES)


def test_the_acceptance_and_decision_periods_are_five_and_thirty_working_days():
    accept_due = complaints.due(local(KNOWN, 9), "procurement.complaint_acceptance", DEFAULT_RULES)
    assert accept_due == local(date(2026, 5, 9))  # 29, 30 April, 6–8 May
    assert complaints.rule_id("procurement", "suspension") == "procurement.complaint_suspension"
    assert DEFAULT_RULES.value("procurement.complaint_decision") == 30
    assert DEFAULT_RULES.value("procurement.complaint_suspension") == 30
