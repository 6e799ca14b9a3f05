"""Public reports (举报, rule ``report.public``): anyone may report suspected wrongdoing about a lot or a party
without logging in (政府采购法 第七十条: 任何单位和个人对政府采购活动中的违法行为，有权控告和检举; the complaint
rules of 招标投标法实施条例 第六十条至第六十二条 are followed in spirit). Unlike a complaint (投诉), a report needs no
standing and has no statutory time limit; the centre sets how soon it is accepted or declined
(``report.acceptance``, a centre setting, not the law's).

A report's life: received -> accepted (with a reason, assigned to a supervisor) -> concluded (the outcome, which the
reporter reads); or received -> declined (with the reason, which the reporter reads). What each field may hold is
checked here, each refusal naming the field and the rule.

The contact is optional; given, it is an address the platform can tell the reporter at: a mainland mobile number
(11 digits, 1[3-9]…, an optional +86 and spaces or hyphens dropped) or an e-mail address. Each accepted, declined or
concluded report sends one notice there (``NOTIFIED``; ``services.outbox``), naming the report's number and its new
status only.
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
NOTIFIED = ("accepted", "declined", "concluded")  # the statuses the reporter is told of at its contact
TEXT_MIN, TEXT_MAX = 20, 4000
LINE_MAX = 200
REASON_MIN, OUTCOME_MIN, HANDLING_MAX = 4, 10, 4000
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MOBILE = re.compile(r"1[3-9]\d{9}")  # a mainland mobile number (python-stdnum has no phone module)
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                    r"[A-Za-z]{2,63}")
EMAIL_MAX = 254


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
    return Draft(category, _line(lot_text, "lot"), _line(party, "party"), body, check_contact(contact))


def check_contact(value) -> str:
    """The contact as kept: empty, a mobile number (its 11 digits) or an e-mail address (its domain in lower case);
    anything else is refused under the field ``contact``."""
    text = _line(value, "contact")
    if not text:
        return ""
    if "@" in text:
        local, _at, domain = text.rpartition("@")
        address = f"{local}@{domain.lower()}"
        if len(address) <= EMAIL_MAX and _EMAIL.fullmatch(address) and ".." not in address \
                and not local.startswith(".") and not local.endswith("."):
            return address
    else:
        digits = re.sub(r"[\s-]", "", text)
        for prefix in ("+86", "0086"):
            digits = digits.removeprefix(prefix)
        if MOBILE.fullmatch(digits):
            return digits
    raise DomainError(N_("Give a mobile number (11 digits starting with 1) or an e-mail address, or leave it empty."),
                      field="contact", rule=RULE)


def contact_channel(contact: str) -> str | None:
    """How a kept contact is reached: ``sms`` (a mobile number), ``email``, or None (none given, or one kept before
    contacts were checked that is neither)."""
    contact = str(contact or "")
    if MOBILE.fullmatch(contact):
        return "sms"
    if "@" in contact and _EMAIL.fullmatch(contact) and len(contact) <= EMAIL_MAX:
        return "email"
    return None


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
