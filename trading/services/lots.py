"""The one way a lot changes state: the lifecycle table decides, the audit log records."""

from __future__ import annotations

from datetime import datetime

from ..domain import lifecycle
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import Lot, Project
from . import audit


def get_lot(session, lot_id: int, *, for_update: bool = False) -> Lot:
    """The lot with this id (row-locked on PostgreSQL when ``for_update``), or NotFound."""
    lot = session.get(Lot, lot_id, with_for_update=for_update or None)
    if lot is None:
        raise NotFound(N_("No such lot."), field="lot")
    return lot


def get_project(session, project_id: int) -> Project:
    """The project with this id, or NotFound."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(N_("No such project."), field="project")
    return project


def acts_for_tenderee(user, project: Project) -> bool:
    """True for a tenderee-role user of the project's tenderee or agency."""
    return user is not None and user.has_role("tenderee") and user.organisation_id in project.party_ids()


def require_tenderee(user, project: Project) -> None:
    """Refuse anyone but the project's tenderee or agency."""
    if not acts_for_tenderee(user, project):
        raise Forbidden(N_("Only the tenderee of this project or its agency may do this."), field="project")


def require_role(actor, role: str) -> None:
    """Refuse a user who does not hold ``role`` (the chronograph acts as "system" with no user)."""
    if role == "system" and actor is None:
        return
    if actor is None or isinstance(actor, str) or not actor.has_role(role):
        raise Forbidden(N_("This needs the role %(role)s."), field="role", role=role)


def public_reason(reason: str | None, rule: str, limit: int = 4000) -> str:
    """A supervisor's reason that every party reads (a suspension, a blacklist entry, a refused complaint): at least
    4 characters once trimmed, else refused naming ``rule``; returned trimmed and cut to ``limit``."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(N_("Give the reason, for every party to read (at least 4 characters)."), field="reason",
                          rule=rule)
    return reason[:limit]


def transition(session, lot: Lot, action: str, actor, role: str, now: datetime, *,
               payload: dict | None = None, rule: str | None = None) -> str:
    """Check the actor holds ``role``, apply ``action`` through the lifecycle table, record it, return the state.
    The audit entry names ``rule`` (one of the row's rules: the one that decided, e.g. the method's minimum of bids),
    else the row's first rule for the trade type."""
    require_role(actor, role)
    before = lot.state
    after = lifecycle.apply(before, action, role, now, lot.deadlines(), lot.project.trade_type,
                            method=lot.method, previous=lot.previous_state)
    row = lifecycle.find_transition(before, action)
    if rule is not None and rule not in row.rule_ids:
        raise ValueError(f"rule {rule} is not a rule of {action}")
    rule = rule or lifecycle.rule_for(row, lot.project.trade_type)
    if after != before:
        if after in lifecycle.SIDE_STATES:
            lot.previous_state = before
        elif before == "suspended":
            lot.previous_state = None
        lot.state = after
    lot.updated_at = now
    session.flush()
    audit.record(session, actor, now, f"lot.{action}", object_type="lot", object_id=lot.id, rule=rule,
                 payload={"from": before, "to": after, "round": lot.round, **(payload or {})})
    return after


def stage_name(lot: Lot) -> str:
    """The Chinese name of the lot's stage (五环节)."""
    stage = lifecycle.stage_of(lot.state, lot.previous_state)
    return lifecycle.STAGES[stage].name_zh if stage else ""
