"""Complaints (投诉) to the supervisor about a construction lot (招标投标法实施条例 第六十条至第六十二条).

A bidder or another interested party complains within ``construction.complaint_window`` days of knowing of the
act. For the documents (第二十二条), the opening (第四十四条) and the candidates (第五十四条) it must object to the
tenderee first, and the objection's time does not count: the window then runs from the answer (or from the day
the answer was due, when none came). The supervisor accepts or refuses a complaint within
``construction.complaint_acceptance`` working days of receiving it, and decides an accepted one, in writing, within
``construction.complaint_decision`` working days of accepting it; meanwhile it may suspend the trading (第六十二条).

Government procurement has its own path (政府采购法 第五十二条至第五十七条; 财政部令第94号): a supplier signed up to the
lot first questions (质疑) the purchaser or its agency within ``procurement.question_window`` working days of
knowing; the purchaser answers within ``procurement.question_answer`` working days; then, and only then, the supplier
may complain to the finance department (the supervisor) within ``procurement.complaint_window`` working days after
the answer period; the complaint is accepted or refused within ``procurement.complaint_acceptance`` working days of
receipt and decided within ``procurement.complaint_decision`` working days of receipt. ``RULE_IDS`` names each
trade type's rule for each step, so one service and one page serve both.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from . import calendar
from .errors import N_, DomainError
from .rules import RuleSet

MATTERS = ("documents", "opening", "candidates", "other")  # the first three need an objection first
NEEDS_OBJECTION = {"documents": "第二十二条", "opening": "第四十四条", "candidates": "第五十四条"}
OUTCOMES = ("upheld", "dismissed")
QUESTION_MATTERS = ("documents", "procedure", "result")  # 94号令 第十条: 采购文件、采购过程、中标或者成交结果

RULE_IDS: dict[str, dict[str, str]] = {
    "construction": {"window": "construction.complaint_window", "acceptance": "construction.complaint_acceptance",
                     "decision": "construction.complaint_decision", "suspension": "construction.complaint_suspension"},
    "procurement": {"window": "procurement.complaint_window", "acceptance": "procurement.complaint_acceptance",
                    "decision": "procurement.complaint_decision", "suspension": "procurement.complaint_suspension",
                    "question": "procurement.question_window", "answer": "procurement.question_answer"},
}


def rule_id(trade_type: str, step: str) -> str:
    """The rule of ``step`` (window, acceptance, decision, suspension, question, answer) for ``trade_type``."""
    return RULE_IDS[trade_type][step]


def matters(trade_type: str) -> tuple[str, ...]:
    """What a complaint about a lot of this trade type may be about."""
    return QUESTION_MATTERS if trade_type == "procurement" else MATTERS


def window_end(start: date, rules: RuleSet) -> datetime:
    """The moment a complaint's window closes: the midnight (Beijing time) after its last day."""
    last = calendar.add_days(start, int(rules.value("construction.complaint_window")))
    return calendar.start_of_local_day(calendar.add_days(last, 1))


def check_complaint(matter: str, text: str, known_on: date | None, objection_ended: datetime | None,
                    now: datetime, rules: RuleSet) -> date:
    """Refuse a complaint of an unknown matter, without its grounds, before its objection was answered, or past its
    window; returns the day its window runs from."""
    if matter not in MATTERS:
        raise DomainError(N_("Choose what the complaint is about."), field="matter")
    if len((text or "").strip()) < 10:
        raise DomainError(N_("State the facts, the grounds and what you ask for (at least 10 characters)."),
                          field="text", rule="construction.complaint_window")
    if matter in NEEDS_OBJECTION:
        if objection_ended is None:
            raise DomainError(N_("Object to the tenderee first; you may complain once the objection is answered or "
                                 "its answer is overdue."), field="matter", rule="construction.complaint_window")
        start = calendar.local_date(objection_ended)
    else:
        if known_on is None or known_on > calendar.local_date(now):
            raise DomainError(N_("Give the day you learned of the act (not in the future)."), field="known_on",
                              rule="construction.complaint_window")
        start = known_on
    if now >= window_end(start, rules):
        raise DomainError(N_("Complaints are accepted within %(days)s days of knowing of the act (the window closed "
                             "%(closed)s)."), field="known_on" if matter == "other" else "matter",
                          rule="construction.complaint_window", days=rules.value("construction.complaint_window"),
                          closed=window_end(start, rules))
    return start


def due(received: datetime, rule_id: str, rules: RuleSet) -> datetime:
    """The end of ``rule_id``'s working days from ``received`` (the midnight after the last working day)."""
    last = calendar.add_working_days(calendar.local_date(received), int(rules.value(rule_id)))
    return calendar.start_of_local_day(calendar.add_days(last, 1))


def _working_days_end(day: date, rule_id: str, rules: RuleSet) -> datetime:
    last = calendar.add_working_days(day, int(rules.value(rule_id)))
    return calendar.start_of_local_day(calendar.add_days(last, 1))


def question_window_end(known_on: date, rules: RuleSet) -> datetime:
    """The moment a supplier's question window closes: the midnight after the last of the working days."""
    return _working_days_end(known_on, "procurement.question_window", rules)


def check_question(matter: str, text: str, known_on: date | None, now: datetime, rules: RuleSet) -> None:
    """Refuse a question (质疑) of an unknown matter, without its grounds, with no day of knowing, or past its
    window (94号令 第十条, 第十二条)."""
    rule = "procurement.question_window"
    if matter not in QUESTION_MATTERS:
        raise DomainError(N_("Choose what the question is about."), field="matter", rule=rule)
    if len((text or "").strip()) < 10:
        raise DomainError(N_("State the facts, the grounds and what you ask for (at least 10 characters)."),
                          field="text", rule=rule)
    if known_on is None or known_on > calendar.local_date(now):
        raise DomainError(N_("Give the day you learned of the act (not in the future)."), field="known_on", rule=rule)
    if now >= question_window_end(known_on, rules):
        raise DomainError(N_("Questions are accepted within %(days)s working days of knowing of the act (the window "
                             "closed %(closed)s)."), field="known_on", rule=rule, days=rules.value(rule),
                          closed=question_window_end(known_on, rules))


def procurement_complaint_window_end(answer_due: datetime, rules: RuleSet) -> datetime:
    """The moment a procurement complaint's window closes: ``procurement.complaint_window`` working days after the
    last day of the answer period (答复期满后15个工作日内), whenever the answer came."""
    last_answer_day = calendar.local_date(answer_due) - timedelta(days=1)  # answer_due is the midnight after it
    return _working_days_end(last_answer_day, "procurement.complaint_window", rules)


def check_procurement_complaint(matter: str, text: str, question: tuple[datetime | None, datetime] | None,
                                now: datetime, rules: RuleSet) -> date:
    """Refuse a procurement complaint without a question on the same matter first, before its answer (unless the
    answer is overdue), or past its window; ``question`` is the latest question's (answered_at, answer_due).
    Returns the day the window runs from (the last day of the answer period)."""
    rule = "procurement.complaint_window"
    if matter not in QUESTION_MATTERS:
        raise DomainError(N_("Choose what the complaint is about."), field="matter", rule=rule)
    if len((text or "").strip()) < 10:
        raise DomainError(N_("State the facts, the grounds and what you ask for (at least 10 characters)."),
                          field="text", rule=rule)
    if question is None:
        raise DomainError(N_("Question the purchaser on this matter first; you may complain once the question is "
                             "answered or its answer is overdue."), field="matter", rule=rule)
    answered_at, answer_due = question
    if answered_at is None and now < answer_due:
        raise DomainError(N_("The purchaser may still answer your question (by %(due)s); you may complain once it "
                             "has answered or the answer is overdue."), field="matter", rule=rule, due=answer_due)
    closes = procurement_complaint_window_end(answer_due, rules)
    if now >= closes:
        raise DomainError(N_("Complaints are accepted within %(days)s working days after the answer period (the "
                             "window closed %(closed)s)."), field="matter", rule=rule, days=rules.value(rule),
                          closed=closes)
    return calendar.local_date(answer_due) - timedelta(days=1)
