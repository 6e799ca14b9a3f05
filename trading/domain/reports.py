"""Public reports (举报, rule ``report.public``): anyone may report suspected wrongdoing about a lot or a party
without logging in (政府采购法 第七十条: 任何单位和个人对政府采购活动中的违法行为，有权控告和检举; the complaint
rules of 招标投标法实施条例 第六十条至第六十二条 are followed in spirit). Unlike a complaint (投诉), a report needs no
standing and has no statutory time limit; the centre sets how soon it is accepted or declined
(``report.acceptance``, a centre setting, not the law's).

A report's life: received -> accepted (with a reason, assigned to a supervisor) -> concluded (the outcome, which the
reporter reads); or received -> declined (with the reason, which the reporter reads). What each field may hold is
checked here, each refusal naming the field and the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from .errors import N_, DomainError

RULE = "report.public"
ACCEPTANCE = "report.acceptance"
CATEGORIES = ("collusion", "false_materials", "bribery", "restriction", "expert_misconduct", "staff_misconduct",
              "other")
STATUSES = ("received", "accepted", "declined", "concluded")
TEXT_MIN, TEXT_MAX = 20, 4000
LINE_MAX = 200
REASON_MIN, OUTCOME_MIN, HANDLING_MAX = 4, 10, 4000
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Draft:
    """A report as typed, every field checked."""

    category: str
    lot_text: str
    party: str
    text: str
    contact: str


def _line(value, field: str) -> str:
    raw = str(value or "")
    if _CONTROL_LINE.search(raw):
        raise DomainError(N_("This field must be one line, without control characters."), field=field, rule=RULE)
    text = " ".join(raw.split())
    if len(text) > LINE_MAX:
        raise DomainError(N_("At most %(max)s characters."), field=field, rule=RULE, max=LINE_MAX)
    return text


def check_draft(category, lot_text, party, text, contact) -> Draft:
    """Refuse a report of an unknown category, without facts, too long, or with control characters; returns the
    cleaned report."""
    if category not in CATEGORIES:
        raise DomainError(N_("Choose what the report is about."), field="category", rule=RULE)
    body = str(text or "").strip()
    if _CONTROL_TEXT.search(body):
        raise DomainError(N_("The text must not contain control characters."), field="text", rule=RULE)
    if len(body) < TEXT_MIN:
        raise DomainError(N_("Describe what happened, who was involved and when (at least %(min)s characters)."),
                          field="text", rule=RULE, min=TEXT_MIN)
    if len(body) > TEXT_MAX:
        raise DomainError(N_("At most %(max)s characters."), field="text", rule=RULE, max=TEXT_MAX)
    return Draft(category, _line(lot_text, "lot"), _line(party, "party"), body, _line(contact, "contact"))


def number(report_id: int, received_at: datetime) -> str:
    """The human-readable acknowledgement number: JB, the year received (Beijing time), and the report's id."""
    from .calendar import local_date

    return f"JB{local_date(received_at).year}-{report_id:06d}"


def check_handling(text, field: str, minimum: int) -> str:
    """A reason or an outcome: at least ``minimum`` characters, at most ``HANDLING_MAX``, no control characters."""
    body = str(text or "").strip()
    if _CONTROL_TEXT.search(body):
        raise DomainError(N_("The text must not contain control characters."), field=field, rule=RULE)
    if len(body) < minimum:
        raise DomainError(N_("Write it out (at least %(min)s characters): the reporter reads it."), field=field,
                          rule=RULE, min=minimum)
    if len(body) > HANDLING_MAX:
        raise DomainError(N_("At most %(max)s characters."), field=field, rule=RULE, max=HANDLING_MAX)
    return body


def may_move(status: str, step: str) -> bool:
    """Whether a report in ``status`` may take ``step`` (accept, decline, assign, conclude)."""
    return {"accept": status == "received", "decline": status == "received", "assign": status == "accepted",
            "conclude": status == "accepted"}.get(step, False)
