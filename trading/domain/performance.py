"""Performance of the centre's steps (绩效): how long each stage of a lot took, against the legal or centre limit
that governs it, per lot, per person who acted and by month, computed from the steps the audit chain already keeps.

A stage runs from a step that starts it to a step that ends it (``STAGES``: e.g. the filing to the entry
certificate, the award notice to the contract). Within one round of one lot each ending step is paired with the
latest starting step before it (a filing returned and filed again is timed from the last filing; a method rejected
and asked again, from the last request). The person a stage is counted against is the actor of its ending step,
or of its starting step where that is the one who runs the stage (the staff member who opened the evaluation room).

Limits (``limit_of``), from the rules the lot is judged by:

- ``within``: a time limit ("within N days"): the stage is over the limit when its ending day is after the last day,
  the local date D+N (D+N working days for a working-day rule), D being the starting day (民法典 第二百零一条: the
  day of the event is not counted). The same counting as the dashboard's ``monitoring.period_end``: a last day on a
  holiday is not moved.
- ``at_least``: a minimum period ("at least N days"): the stage is short of it when it ends before the day D+N.
- ``window``: a due time stored with the starting act (the evaluation room's closing, a centre setting): over when
  the stage ends after it.
- none: the law sets no limit for the stage and the centre has configured none: the time is shown, never judged.

Time taken is counted in the rule's unit: days or working days between the local dates (the day of the event not
counted), or hours for a window and for stages whose time is shorter than a day (``Stage.unit``). A stage counts in
the month (Beijing time) its ending step was recorded. Time the lot was suspended (暂停) during a stage is not
counted where the resume moves the limit on (a minimum period: the bid deadline, the listing, the publicity; the
evaluation room's closing) or there is no limit; a time limit ("within N days": the contract, the publication, the
filing review) is not moved by a suspension on this platform (the dashboard and the contract's lateness count
through it), so it is counted here too, and the pause is shown beside it.
The median is the middle value (the mean of the two middle ones for an even count), p90 the nearest-rank 90th
percentile (the ⌈0.9·n⌉-th smallest).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from . import calendar
from .rules import METHODS, RuleSet
from .schedule import plan

UNITS = ("days", "working_days", "hours")
WITHIN, AT_LEAST, WINDOW = "within", "at_least", "window"
CP = frozenset({"construction", "procurement"})
ALL = frozenset({"construction", "procurement", "land", "property"})
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Stage:
    """One stage of a lot timed from a starting step to an ending step (lifecycle actions, plus ``confirm_report``:
    every committee member has confirmed the evaluation report)."""

    code: str
    name_zh: str
    name_en: str
    starts: frozenset[str]
    ends: frozenset[str]
    trade_types: frozenset[str]
    kind: str | None = None  # WITHIN, AT_LEAST, WINDOW, or None: no limit
    rules: Mapping[str, str] | None = None  # trade type -> rule id (absent: no limit for that trade type)
    actor: str = "end"  # whose step counts: "end" or "start"
    unit: str = "days"  # the unit when no rule gives one


def _s(words: str) -> frozenset[str]:
    return frozenset(words.split())


STAGES: tuple[Stage, ...] = (
    Stage("certificate", "备案审核", "filing review", _s("file"), _s("certify"), ALL, WITHIN,
          {t: "platform.certificate_review" for t in ALL}),
    Stage("method", "交易方式核准", "approval of the method", _s("request_method"), _s("approve_method"), ALL),
    Stage("announcement", "发布公告", "announcement", _s("approve_method"), _s("announce"), ALL),
    # the announcement period: its rule depends on the method (schedule.plan), see limit_of
    Stage("bidding", "公告至开标（开始交易）", "announcement to opening (start of trading)", _s("announce"),
          _s("close_bidding open_listing start_auction"), ALL, AT_LEAST),
    Stage("listing", "挂牌期", "listing", _s("open_listing"), _s("close_listing start_auction fail"),
          frozenset({"land", "property"}), AT_LEAST,
          {"land": "land.listing_period", "property": "property.disclosure"}),
    Stage("room", "开标至评标开始", "opening to the start of the evaluation", _s("close_bidding"),
          _s("start_evaluation"), CP, unit="hours"),
    Stage("evaluation", "评标", "evaluation", _s("start_evaluation"), _s("confirm_report"), CP, WINDOW,
          actor="start", unit="hours"),
    Stage("negotiation", "单一来源协商", "single-source negotiation", _s("close_bidding"), _s("conclude_negotiation"),
          CP),
    Stage("publication", "评标报告至公示", "evaluation report to publicity", _s("confirm_report"),
          _s("start_publicity"), CP, WITHIN,
          {"construction": "construction.publicity_publish", "procurement": "procurement.purchaser_decision"}),
    Stage("publicity", "公示至中标（成交）通知", "publicity to the award notice",
          _s("start_publicity conclude_negotiation close_listing close_auction conclude_agreement"), _s("award"),
          CP | {"property"}, AT_LEAST,
          {"construction": "construction.publicity_period", "procurement": "procurement.result_period",
           "property": "property.result_publicity"}),
    Stage("contract", "中标（成交）通知至合同签订", "award notice to the contract", _s("award"),
          _s("register_contract"), CP | {"property"}, WITHIN,
          {"construction": "construction.contract_deadline", "procurement": "procurement.contract_deadline"}),
    Stage("land_contract", "成交至出让合同签订", "deal to the land contract", _s("close_listing close_auction"),
          _s("register_contract"), frozenset({"land"}), WITHIN, {"land": "land.contract_deadline"}),
    Stage("archive", "合同至归档", "contract to archive", _s("register_contract"), _s("archive"), ALL),
)
BY_CODE: dict[str, Stage] = {s.code: s for s in STAGES}
PAUSES = frozenset({"suspend", "resume"})  # a suspension's time is not counted (the resume moves the limits on)
ACTIONS = frozenset().union(*(s.starts | s.ends for s in STAGES)) | PAUSES


@dataclass(frozen=True)
class Step:
    """One recorded step of a lot (an audit entry): its action (a lifecycle action, or ``confirm_report``), when,
    by whom, in which round; ``on``: the day the act itself names when it differs from the day it was recorded (a
    contract's signing day); ``due``: a due time stored with the act (the evaluation room's closing)."""

    lot_id: int
    round: int
    action: str
    at: datetime
    actor_id: int | None = None
    actor: str = ""
    on: date | None = None
    due: datetime | None = None


@dataclass(frozen=True)
class Lot:
    """What the limits depend on: the trade type and the method."""

    trade_type: str
    method: str | None


@dataclass(frozen=True)
class Limit:
    """The limit a stage of one lot is judged by: its kind, rule (None for a window), number and unit."""

    kind: str
    rule_id: str | None
    value: int | None
    unit: str


@dataclass(frozen=True)
class Span:
    """One stage of one round of a lot, timed and judged."""

    stage: str
    lot_id: int
    round: int
    trade_type: str
    start: datetime
    end: datetime
    end_day: date  # the day the act was done (a contract's signing day, else the local date of ``end``)
    actor_id: int | None
    actor: str
    unit: str
    taken: Decimal  # in ``unit``
    limit: Limit | None
    bound: date | datetime | None  # the last day (within), the earliest day (at least) or the due time (window)
    outside: bool  # over the time limit, short of the minimum period, or past the window
    paused: timedelta = timedelta(0)  # time the lot was suspended during the stage, not counted

    @property
    def month(self) -> str:
        """``YYYY-MM`` of the moment the ending step was recorded (Beijing time)."""
        return calendar.local_date(self.end).strftime("%Y-%m")


def limit_of(stage: Stage, lot: Lot, rules: RuleSet, due: datetime | None = None) -> Limit | None:
    """The limit of ``stage`` for a lot, from the rules it is judged by; None where none applies."""
    if stage.kind == WINDOW:
        return Limit(WINDOW, None, None, "hours") if due is not None else None
    if stage.code == "bidding":
        rule_id = _announcement_rule(lot)
    else:
        rule_id = (stage.rules or {}).get(lot.trade_type)
    if rule_id is None:
        return None
    found = rules[rule_id]
    return Limit(stage.kind, rule_id, int(found.value), found.unit)


def _announcement_rule(lot: Lot) -> str | None:
    """The minimum period from the announcement to the opening (or to the start of a land listing or auction): the
    window of the method's timetable; a property listing's disclosure is counted over the listing instead."""
    if lot.method is None or lot.trade_type == "property" or METHODS[lot.method].kind == "agreement":
        return None
    return plan(lot.trade_type, lot.method).window


def _count(start: date, end: date, unit: str) -> int:
    """Days or working days after ``start`` up to and including ``end``."""
    return (end - start).days if unit == "days" else calendar.working_days_between(start, end)


def _hours(start: datetime, end: datetime) -> Decimal:
    return (Decimal((end - start).total_seconds()) / 3600).quantize(TENTH, rounding=ROUND_HALF_UP)


def measure(stage: Stage, lot: Lot, start: Step, end: Step, rules: RuleSet,
            paused: timedelta = timedelta(0)) -> Span:
    """Time one stage from its starting step to its ending step and judge it against its limit; ``paused``: the
    time the lot was suspended meanwhile, which is not counted where the resume moves the limit on (a minimum
    period, the room's window, stored already moved) or there is none: the stage is timed from its start moved on
    by it. A time limit ("within N days") keeps counting, as the dashboard and the contract's lateness count it."""
    limit = limit_of(stage, lot, rules, start.due)
    counted_from = start.at if limit is not None and limit.kind == WITHIN else start.at + paused
    begin_day = calendar.local_date(counted_from)
    end_day = end.on or calendar.local_date(end.at)
    bound: date | datetime | None = None
    outside = False
    if limit is None:
        unit = stage.unit
        taken = _hours(counted_from, end.at) if unit == "hours" else Decimal(_count(begin_day, end_day, unit))
    elif limit.kind == WINDOW:
        unit, taken, bound = "hours", _hours(counted_from, end.at), start.due
        outside = end.at > start.due
    else:
        unit = limit.unit
        taken = Decimal(_count(begin_day, end_day, unit))
        bound = calendar.period_date(counted_from, limit.value, unit)
        outside = end_day > bound if limit.kind == WITHIN else end_day < bound
    who = end if stage.actor == "end" else start
    return Span(stage.code, start.lot_id, start.round, lot.trade_type, start.at, end.at, end_day, who.actor_id,
                who.actor, unit, taken, limit, bound, outside, paused)


def _pauses(sequence: list[Step]) -> list[tuple[datetime, datetime]]:
    """The round's suspensions that ended, as (suspended, resumed) times."""
    found, since = [], None
    for step in sequence:
        if step.action == "suspend":
            since = step.at
        elif step.action == "resume" and since is not None:
            found.append((since, step.at))
            since = None
    return found


def _overlap(pauses: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> timedelta:
    """How long the pauses fall between ``start`` and ``end``."""
    return sum((max(timedelta(0), min(end, b) - max(start, a)) for a, b in pauses), timedelta(0))


def spans(steps: Iterable[Step], lots: Mapping[int, Lot], rules: Mapping[int, RuleSet]) -> list[Span]:
    """Every stage the steps complete, per lot and round, each ending step paired with the latest starting step
    before it (steps in the order they were recorded). ``lots`` and ``rules``: each lot's facts and the rules it
    is judged by."""
    rounds: dict[tuple[int, int], list[Step]] = defaultdict(list)
    for step in steps:
        if step.action in ACTIONS and step.lot_id in lots:
            rounds[(step.lot_id, step.round)].append(step)
    found: list[Span] = []
    for (lot_id, _round), sequence in rounds.items():
        lot = lots[lot_id]
        pauses = _pauses(sequence)
        for stage in STAGES:
            if lot.trade_type not in stage.trade_types:
                continue
            latest: Step | None = None
            for step in sequence:
                if step.action in stage.ends and latest is not None:
                    found.append(measure(stage, lot, latest, step, rules[lot_id],
                                         _overlap(pauses, latest.at, step.at)))
                    latest = None
                if step.action in stage.starts:
                    latest = step
    return sorted(found, key=lambda s: (s.end, s.lot_id, s.stage))


def median(values: list[Decimal]) -> Decimal | None:
    """The middle value (the mean of the two middle ones for an even count); None for none."""
    if not values:
        return None
    ordered, n = sorted(values), len(values)
    middle = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return middle.quantize(TENTH, rounding=ROUND_HALF_UP)


def p90(values: list[Decimal]) -> Decimal | None:
    """The nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value; None for none."""
    if not values:
        return None
    return sorted(values)[math.ceil(Decimal("0.9") * len(values)) - 1]


@dataclass(frozen=True)
class Row:
    """One line of a summary: a stage under one limit (and, per person, one actor), its count and figures."""

    stage: str
    limit: Limit | None
    unit: str
    lots: int
    median: Decimal | None
    p90: Decimal | None
    outside: int
    actor_id: int | None = None
    actor: str = ""


def _key_limit(span: Span) -> tuple:
    return (span.limit.kind, span.limit.rule_id, span.limit.value, span.limit.unit) if span.limit else ()


def summarise(found: Iterable[Span], *, per_actor: bool = False) -> list[Row]:
    """Per stage and limit (and per actor with ``per_actor``): how many lots, the median and p90 time taken, and how
    many were outside the limit; in the order of ``STAGES``."""
    groups: dict[tuple, list[Span]] = defaultdict(list)
    for span in found:
        who = (span.actor_id, span.actor) if per_actor else (None, "")
        groups[(span.stage, _key_limit(span), span.unit, *who)].append(span)
    order = {s.code: i for i, s in enumerate(STAGES)}
    rows = []
    for (stage, _limit, unit, actor_id, actor), members in groups.items():
        values = [s.taken for s in members]
        rows.append(Row(stage, members[0].limit, unit, len(members), median(values), p90(values),
                        sum(1 for s in members if s.outside), actor_id, actor))
    return sorted(rows, key=lambda r: (r.actor if per_actor else "", order[r.stage],
                                       r.limit.rule_id or "" if r.limit else "", r.unit))
