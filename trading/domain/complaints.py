"""Complaints (投诉) to the supervisor about a construction lot (招标投标法实施条例 第六十条至第六十二条).

A bidder or another interested party complains within ``construction.complaint_window`` days of knowing of the
act. For the documents (第二十二条), the opening (第四十四条) and the candidates (第五十四条) it must object to the
tenderee first, and the objection's time does not count: the window then runs from the answer (or from the day
the answer was due, when none came). The supervisor accepts or refuses a complaint within
``construction.complaint_acceptance`` working days of receiving it, and decides an accepted one, in writing, within
``construction.complaint_decision`` working days of accepting it; meanwhile it may suspend the trading (第六十二条).
"""

from __future__ import annotations

from datetime import date, datetime

from . import calendar
from .errors import N_, DomainError
from .rules import RuleSet

MATTERS = ("documents", "opening", "candidates", "other")  # the first three need an objection first
NEEDS_OBJECTION = {"documents": "第二十二条", "opening": "第四十四条", "candidates": "第五十四条"}
OUTCOMES = ("upheld", "dismissed")


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
