"""The lot page's timeline: the five stages with what was done (from the audit log: when, who, which rule)
and what is due (from the lot's timetable, each with the rule behind its date)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..domain import lifecycle, schedule
from ..domain.errors import DomainError
from ..domain.visibility import SCREEN_ACTIONS, may_read_screens
from ..models import AuditEntry, Lot
from .visibility import Fact, fact_of_action, sees

# Which stage an audited action belongs to; the others go under the stage the lot was in when they happened
# (a transition under the stage it leads to).
ACTION_STAGE = {
    "lot.create": 1, "lot.update": 1, "lot.attach": 1, "lot.file": 1, "lot.return_filing": 1, "lot.certify": 1,
    "lot.entry_certificate": 1, "lot.request_method": 2, "lot.approve_method": 2, "lot.reject_method": 2,
"lot.announce": 3, "lot.clarify": 3, "lot.close_bidding": 3, "lot.open_listing": 3,
    "registration.sign_up": 3, "registration.pledge": 3, "registration.download": 3, "objection.raise": 3,
    "objection.answer": 3,
}
FOLDED = frozenset({"registration.pledge", "registration.download", "draw.call", "draw.answer"})
DEADLINE_FIELDS = ("issued_at", "documents_until", "clarification_cutoff", "objection_cutoff", "bid_deadline",
                   "opening_at", "listing_start", "listing_end", "auction_start")


@dataclass(frozen=True)
class Step:
    """One line of the timeline."""

    stage: int
    at: datetime | None
    what: str  # an audit action, or a deadline field name
    who: str | None
    rule: str | None
    done: bool
    masked: bool = False


def _deadline_rules(lot: Lot) -> dict[str, str | None]:
    """The rule behind each deadline of the lot's method."""
    if not lot.method:
        return {}
    try:
        found = schedule.plan(lot.project.trade_type, lot.method)
    except DomainError:
        return {}
    return {"documents_until": found.documents, "clarification_cutoff": found.clarification,
            "objection_cutoff": found.objection, "bid_deadline": found.window, "listing_start": found.window,
            "auction_start": found.window, "listing_end": found.listing,
            "opening_at": "electronic.opening_at_deadline", "issued_at": None}


def build(session, lot: Lot, now: datetime, *, viewer) -> dict[int, list[Step]]:
    """Steps grouped by stage (1-5), in time order, as ``viewer`` may see them (the visibility policy): a step
    that would tell who takes part is left out (a bidder sees its own), and a step by a panel member is shown
    without the member's name."""
    current = lifecycle.stage_of(lot.state, lot.previous_state) or 1
    own_org = getattr(viewer, "organisation_id", None)
    visible = {fact: sees(session, viewer, lot, fact, now) for fact in Fact}
    steps: dict[int, list[Step]] = {stage: [] for stage in lifecycle.STAGES}
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "lot",
                                                          AuditEntry.object_id == str(lot.id))
                              .order_by(AuditEntry.seq))
    state, previous = "draft", None
    screens_readable = viewer is not None and may_read_screens(frozenset(getattr(viewer, "roles", ())))
    for entry in entries:
        if entry.action in FOLDED:
            continue  # downloads and calls are many; their own pages list them
        if entry.action in SCREEN_ACTIONS and not screens_readable:
            continue  # a collusion screen's signal and its decision are the supervisor's (domain.visibility)
        fact = fact_of_action(entry.action)
        own = own_org is not None and (entry.payload or {}).get("bidder_id") == own_org
        masked = fact is not None and not visible[fact] and not own
        if masked and fact == Fact.BIDDERS:
            continue
        target = (entry.payload or {}).get("to") if entry.action.startswith("lot.") else None
        if target in lifecycle.STATES:
            previous, state = (state if target in lifecycle.SIDE_STATES else None), target
        stage = ACTION_STAGE.get(entry.action) or lifecycle.stage_of(state, previous) or current
        steps[stage].append(Step(stage, entry.at, entry.action, None if masked else entry.actor_label, entry.rule,
                                 True, masked))
    rules_by_field = _deadline_rules(lot)
    for name in DEADLINE_FIELDS:
        at = getattr(lot, name)
        if at is None or name == "issued_at":
            continue
        steps[3].append(Step(3, at, name, None, rules_by_field.get(name), at <= now))
    for stage in steps:
        steps[stage].sort(key=lambda step: step.at)
    return steps
