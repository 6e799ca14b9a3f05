"""What is due on a lot and when (domain/monitoring.py): the one reckoning the dashboard and the warnings read, at
the edges of each kind of time limit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from trading.domain import calendar, monitoring as m
from trading.domain.rules import RuleSet

RULES = RuleSet()
SECOND = timedelta(seconds=1)
MONDAY = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 Beijing time


def only(facts: m.LotFacts, kind: str) -> m.Due:
    found = [d for d in m.dues(facts, RULES) if d.kind == kind]
    assert len(found) == 1, found
    return found[0]


def test_an_objection_answered_at_its_due_moment_is_in_time_and_one_second_later_is_late():
    due = MONDAY + timedelta(days=3)
    pending = only(m.LotFacts(1, "construction", 1, objections=(m.ObjectionFacts(7, due),)), "objection")
    assert pending.rule == "construction.publicity_objection_answer" and pending.ref == {"objection_id": 7}
    assert pending.status(due) == "today" and pending.status(due + SECOND) == "overdue"
    assert pending.status(due - timedelta(days=1)) == "upcoming"
    answered = m.LotFacts(1, "construction", 1, objections=(m.ObjectionFacts(7, due, due),))
    assert only(answered, "objection").status(due + timedelta(days=9)) == "done"
    late = m.LotFacts(1, "construction", 1, objections=(m.ObjectionFacts(7, due, due + SECOND),))
    assert only(late, "objection").status(due + timedelta(days=9)) == "late"


def test_a_period_of_days_is_due_all_of_its_last_day_and_overdue_from_the_midnight_after():
    """Candidates published within 3 days of the confirmed report (条例 第五十四条): the last day is Thursday; the
    act is 'due today' all Thursday and overdue from Friday 00:00 Beijing time."""
    e = m.EvaluationFacts(4, 1, "confirmed", MONDAY, MONDAY, MONDAY)
    due = only(m.LotFacts(1, "construction", 1, evaluations=(e,)), "publication")
    friday = calendar.start_of_local_day(date(2026, 3, 6))
    assert due.due == friday and due.rule == "construction.publicity_publish" and due.start == MONDAY
    assert due.status(friday - SECOND) == "today" and due.status(friday) == "overdue"
    assert due.status(calendar.start_of_local_day(date(2026, 3, 5)) - SECOND) == "upcoming"
    published = m.EvaluationFacts(4, 1, "confirmed", MONDAY, MONDAY, MONDAY, friday - SECOND)
    assert only(m.LotFacts(1, "construction", 1, evaluations=(published,)), "publication").status(friday) == "done"


def test_procurement_counts_working_days_for_the_report_and_the_decision():
    """采购条例 第四十三条: the report reaches the purchaser in 2 working days, the result is published 5 working days
    after: from Friday 6 March 2026, the working days are Monday 9 and Tuesday 10, then up to Tuesday 17."""
    friday = calendar.start_of_local_day(date(2026, 3, 6)) + timedelta(hours=2)
    e = m.EvaluationFacts(4, 1, "reported", friday, friday)
    facts = m.LotFacts(1, "procurement", 1, evaluations=(e,))
    assert only(facts, "report").due == calendar.start_of_local_day(date(2026, 3, 11))
    assert [d.kind for d in m.dues(facts, RULES)] == ["evaluation", "report"]  # no decision before the confirmation
    confirmed = m.EvaluationFacts(4, 1, "confirmed", friday, friday, friday + timedelta(days=3))
    decision = only(m.LotFacts(1, "procurement", 1, evaluations=(confirmed,)), "publication")
    assert decision.rule == "procurement.purchaser_decision"
    assert decision.due == calendar.start_of_local_day(date(2026, 3, 17))


def test_a_stricter_centre_shortens_the_period():
    strict = RuleSet.from_overrides({"construction.publicity_publish": "1"}, "test")
    e = m.EvaluationFacts(4, 1, "confirmed", MONDAY, MONDAY, MONDAY)
    due = [d for d in m.dues(m.LotFacts(1, "construction", 1, evaluations=(e,)), strict) if d.kind == "publication"]
    assert due[0].due == calendar.start_of_local_day(date(2026, 3, 4))


def test_a_contract_signed_on_its_due_day_is_in_time_as_the_award_judged_it():
    due = MONDAY + timedelta(days=30)
    award = m.AwardFacts(3, due)
    d = only(m.LotFacts(1, "construction", 1, awards=(award,)), "contract")
    assert d.status(due) == "today" and d.status(due + SECOND) == "overdue"
    signed = m.AwardFacts(3, due, contract_id=9, contract_late=False, signed_on=calendar.local_date(due),
                          registered_at=due + timedelta(hours=5))
    assert only(m.LotFacts(1, "construction", 1, awards=(signed,)), "contract").status(due + SECOND) == "done"
    late = m.AwardFacts(3, due, contract_id=9, contract_late=True, signed_on=calendar.local_date(due) +
                        timedelta(days=1), registered_at=due + timedelta(days=1))
    assert only(m.LotFacts(1, "construction", 1, awards=(late,)), "contract").status(due) == "late"


def test_a_procurement_contract_is_published_within_2_working_days_of_its_signing():
    signed_on = date(2026, 3, 6)  # a Friday: due by the end of Tuesday 10 March
    award = m.AwardFacts(3, MONDAY, 9, False, signed_on, calendar.start_of_local_day(date(2026, 3, 11)))
    d = only(m.LotFacts(1, "procurement", 1, awards=(award,)), "contract_publication")
    assert d.due == calendar.start_of_local_day(date(2026, 3, 11)) and d.status(MONDAY) == "late"
    in_time = m.AwardFacts(3, MONDAY, 9, False, signed_on, calendar.start_of_local_day(date(2026, 3, 11)) - SECOND)
    assert only(m.LotFacts(1, "procurement", 1, awards=(in_time,)), "contract_publication").status(MONDAY) == "done"


def test_a_refund_is_judged_as_the_refund_recorded_it():
    refund = m.RefundFacts(5, MONDAY, "construction.deposit_refund", MONDAY + timedelta(days=2), late=True)
    assert only(m.LotFacts(1, "construction", 1, refunds=(refund,)), "refund").status(MONDAY) == "late"
    pending = m.RefundFacts(5, MONDAY, "procurement.deposit_refund")
    assert only(m.LotFacts(1, "procurement", 1, refunds=(pending,)), "refund").status(MONDAY + SECOND) == "overdue"


def test_a_complaint_is_watched_while_pending_and_its_decision_from_the_acceptance():
    received = MONDAY
    accept_due = calendar.start_of_local_day(date(2026, 3, 5))
    pending = m.ComplaintFacts(2, received, accept_due)
    d = only(m.LotFacts(1, "construction", 1, complaints=(pending,)), "complaint")
    assert d.rule == "construction.complaint_acceptance" and d.status(accept_due) == "overdue"
    assert d.status(accept_due - SECOND) == "today"
    accepted = m.ComplaintFacts(2, received, accept_due, accept_due + SECOND, accept_due + SECOND, MONDAY +
                                timedelta(days=40))
    steps = {d.ref["step"]: d.status(accept_due + timedelta(days=1)) for d in
             m.dues(m.LotFacts(1, "construction", 1, complaints=(accepted,)), RULES)}
    assert steps == {"accept": "done", "decide": "upcoming"}  # a late acceptance is not warned once made


def test_an_evaluation_room_of_an_abandoned_round_is_not_waited_for():
    old = m.EvaluationFacts(4, 1, "open", MONDAY)
    assert not [d for d in m.dues(m.LotFacts(1, "construction", 2, evaluations=(old,)), RULES)]
    current = m.EvaluationFacts(5, 2, "open", MONDAY)
    d = only(m.LotFacts(1, "construction", 2, evaluations=(old, current)), "evaluation")
    assert d.status(MONDAY + SECOND) == "overdue" and d.ref == {"evaluation_id": 5}


def test_open_and_late_sorts_overdue_from_due_today_and_keys_stay_the_same():
    facts = m.LotFacts(1, "construction", 1, objections=(m.ObjectionFacts(7, MONDAY), m.ObjectionFacts(8, MONDAY +
                                                                                                     timedelta(hours=3))),
                       awards=(m.AwardFacts(3, MONDAY + timedelta(days=5)),))
    found = m.dues(facts, RULES)
    overdue, today = m.open_and_late(found, MONDAY + SECOND)
    assert [d.ref for d in overdue] == [{"objection_id": 7}] and [d.ref for d in today] == [{"objection_id": 8}]
    assert [d.key for d in m.dues(facts, RULES)] == [d.key for d in found]
    assert overdue[0].key == "objection:objection_id=7"
