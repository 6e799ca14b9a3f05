"""Performance of the centre's steps (绩效), read only: the steps the audit chain keeps of each lot (every change of
state is an entry naming its actor and time, 电子招标投标办法 第四十九条), timed stage by stage by
``domain.performance`` against the rules each lot is judged by (``rulebook.of_lot``), for one month, filtered by
trade type, stage and the person who acted. Only the supervisor reads it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from ..domain import calendar, performance, rules
from ..domain.errors import N_, DomainError, Forbidden
from ..models import AuditEntry, Evaluation, Lot, Project, User
from . import rulebook

CHUNK = 500  # lots read per query
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$", re.ASCII)
FIRST_YEAR, LAST_YEAR = 1990, 2100  # the months a page may ask for (history imports go back to the 2000s)
LOT_ACTIONS = tuple(f"lot.{a}" for a in sorted(performance.ACTIONS) if a != "confirm_report")
END_ACTIONS = tuple(sorted({f"lot.{a}" for s in performance.STAGES for a in s.ends if a != "confirm_report"}
                           | {"evaluation.confirm"}))


@dataclass(frozen=True)
class Filters:
    """The page's filters: a month (``YYYY-MM``, Beijing time), a trade type, a stage, a person (user id)."""

    month: str
    trade_type: str | None = None
    stage: str | None = None
    actor_id: int | None = None


def this_month(now: datetime) -> str:
    """The month of ``now`` in Beijing time, ``YYYY-MM``."""
    return calendar.local_date(now).strftime("%Y-%m")


def check_filters(now: datetime, month: str | None, trade_type: str | None, stage: str | None,
                  actor: str | None) -> Filters:
    """The filters from the page's arguments: a month that is not ``YYYY-MM`` is refused naming the field; an
    unknown trade type, stage or person is ignored (shown as "all"), as on the dashboard."""
    month = (month or "").strip() or this_month(now)
    if not _MONTH.match(month) or not FIRST_YEAR <= int(month[:4]) <= LAST_YEAR:
        raise DomainError(N_("Give the month as year and month, e.g. 2026-03."), field="month")
    actor = (actor or "").strip()
    return Filters(month, trade_type if trade_type in rules.TRADE_TYPES else None,
                   stage if stage in performance.BY_CODE else None,
                   int(actor) if actor.isdigit() and len(actor) < 12 else None)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next one (Beijing time), as aware UTC."""
    year, number = int(month[:4]), int(month[5:])
    following = date(year + number // 12, number % 12 + 1, 1)
    return calendar.start_of_local_day(date(year, number, 1)), calendar.start_of_local_day(following)


@dataclass
class Report:
    """One month's performance: every stage completed (``spans``, filtered), the summary per stage and per person,
    the stages outside their limit, and what the page needs to name lots and people."""

    filters: Filters
    spans: list[performance.Span]
    stages: list[performance.Row]
    people: list[performance.Row]
    outside: list[performance.Span]
    lots: dict[int, Lot] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # actor id -> display name (login name)
    actors: list[tuple[int, str]] = field(default_factory=list)  # the people who acted that month (the filter)


def _chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _steps(session, lot_ids: list[int]) -> list[performance.Step]:
    """The steps of these lots the stages read, in the order the chain recorded them: transitions (with their
    round), the report confirmed by every member (the round of its evaluation), the room's closing with the start
    of the evaluation, a contract's signing day with its registration."""
    found: list[performance.Step] = []
    for chunk in _chunks(lot_ids):
        rooms = {e.id: e for e in session.scalars(sa.select(Evaluation).where(Evaluation.lot_id.in_(chunk)))}
        entries = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.object_type == "lot", AuditEntry.object_id.in_([str(i) for i in chunk]),
            AuditEntry.action.in_((*LOT_ACTIONS, "evaluation.confirm"))).order_by(AuditEntry.seq))
        for entry in entries:
            step = _step(entry, rooms)
            if step is not None:
                found.append(step)
    return found


def _step(entry: AuditEntry, rooms: dict[int, Evaluation]) -> performance.Step | None:
    payload = entry.payload or {}
    room = rooms.get(payload.get("evaluation_id")) if isinstance(payload.get("evaluation_id"), int) else None
    if entry.action == "evaluation.confirm":
        if not payload.get("complete") or room is None:
            return None
        action, round_ = "confirm_report", room.round
    else:
        action, round_ = entry.action.removeprefix("lot."), payload.get("round")
    if not isinstance(round_, int):
        return None
    on = None
    if action == "register_contract" and isinstance(payload.get("signed_on"), str):
        try:
            on = date.fromisoformat(payload["signed_on"])
        except ValueError:
            on = None
    due = room.closes_at if action == "start_evaluation" and room is not None else None
    return performance.Step(int(entry.object_id), round_, action, entry.at, entry.actor_id, entry.actor_label, on,
                            due)


def _require_supervisor(actor) -> None:
    if actor is None or not actor.has_role("supervisor"):
        raise Forbidden(N_("The performance of the centre's steps is read by the supervisor."), field="role")


def report(ctx, session, actor, now: datetime, filters: Filters) -> Report:
    """The month's stages, timed and judged, filtered; the summary per stage (with its limit) and per person."""
    _require_supervisor(actor)
    start, end = month_bounds(filters.month)
    ended = sa.select(AuditEntry.object_id).where(
        AuditEntry.object_type == "lot", AuditEntry.action.in_(END_ACTIONS), AuditEntry.at >= start,
        AuditEntry.at < end).distinct()
    lot_ids = sorted({int(i) for i in session.scalars(ended) if i and i.isdigit()})
    query = sa.select(Lot).join(Project, Project.id == Lot.project_id)
    if filters.trade_type:
        query = query.where(Project.trade_type == filters.trade_type)
    lots: dict[int, Lot] = {}
    for chunk in _chunks(lot_ids):
        lots.update({lot.id: lot for lot in session.scalars(query.where(Lot.id.in_(chunk)))})
    facts = {i: performance.Lot(lot.project.trade_type, lot.method) for i, lot in lots.items()}
    judged_by = {i: rulebook.of_lot(ctx, session, lot) for i, lot in lots.items()}
    month = [s for s in performance.spans(_steps(session, sorted(lots)), facts, judged_by)
             if start <= s.end < end and (filters.stage is None or s.stage == filters.stage)]
    names = _names(session, {s.actor_id for s in month if s.actor_id is not None})
    actors = sorted(names.items(), key=lambda pair: pair[1])
    shown = [s for s in month if filters.actor_id is None or s.actor_id == filters.actor_id]
    return Report(filters, shown, performance.summarise(shown), performance.summarise(shown, per_actor=True),
                  [s for s in shown if s.outside], {i: lots[i] for i in {s.lot_id for s in shown}}, names, actors)


def _names(session, ids: set[int]) -> dict[int, str]:
    """``{user id: "display name (login)"}``."""
    if not ids:
        return {}
    return {u.id: f"{u.display_name}（{u.username}）" for u in session.scalars(sa.select(User).where(User.id.in_(ids)))}
