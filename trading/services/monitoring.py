"""The supervisor's real-time monitoring (实时监控): every lot by stage and state, and what is due today or overdue
on it, reckoned by ``domain.monitoring.dues`` from the facts gathered here (the same reckoning the early warnings
read: ``result.warnings``), filtered by region, trade type and agency.

An objection to the documents is raised by a bidder before the bid deadline: it is counted here only once the lot
is past its deadline (招标投标法 第二十二条; ``domain/visibility.py``: nobody, the supervisor included, learns
before then that a bidder exists).

Public reports (举报) still to be accepted or declined are acts due on no lot (``domain.monitoring.report_dues``): they
join the overdue and due-today lists of the supervisor alone (``visibility.may_read_report``), by their number and
category, whatever the filters (a report need name no lot, and is never filed under the one it names)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from ..domain import calendar, lifecycle, monitoring, regions, rules
from ..domain.monitoring import Due, LotFacts
from ..domain.visibility import Phase, may_read_report
from ..models import (
    Award,
    Complaint,
    Contract,
    CorrectionOrder,
    Deposit,
    Evaluation,
    Lot,
    Objection,
    Organisation,
    ProcurementQuestion,
    Project,
    Publicity,
    PublicReport,
    ResultObjection,
    TransferContract,
)
from . import land_payments, property_payments, rulebook
from .property_payments import PAYMENTS as PROPERTY_PAYMENTS
from .visibility import phase_of

CHUNK = 500  # lots gathered per query


def _in_chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def gather(session, lots: list[Lot], now: datetime) -> dict[int, LotFacts]:
    """The facts ``domain.monitoring.dues`` reads, for each lot (a few queries per chunk of lots)."""
    found: dict[int, LotFacts] = {}
    for chunk in _in_chunks([lot.id for lot in lots]):
        parts: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
        published = {(p.lot_id, p.round): p.published_at for p in session.scalars(
            sa.select(Publicity).where(Publicity.lot_id.in_(chunk)))}
        for e in session.scalars(sa.select(Evaluation).where(Evaluation.lot_id.in_(chunk)).order_by(Evaluation.id)):
            parts["evaluations"][e.lot_id].append(monitoring.EvaluationFacts(
                e.id, e.round, e.status, e.closes_at, e.reported_at, e.confirmed_at,
                published.get((e.lot_id, e.round))))
        for o in session.scalars(sa.select(ResultObjection).where(ResultObjection.lot_id.in_(chunk))):
            parts["objections"][o.lot_id].append(monitoring.ObjectionFacts(o.id, o.answer_due, o.answered_at))
        for o in session.scalars(sa.select(Objection).where(Objection.lot_id.in_(chunk))):
            parts["documents"][o.lot_id].append(monitoring.ObjectionFacts(o.id, o.answer_due, o.answered_at, True))
        for a, c in session.execute(sa.select(Award, Contract).outerjoin(Contract, Contract.award_id == Award.id)
                                    .where(Award.lot_id.in_(chunk))):
            parts["awards"][a.lot_id].append(monitoring.AwardFacts(
                a.id, a.contract_due, c.id if c else None, bool(c and c.late), c.signed_on if c else None,
                c.registered_at if c else None))
        for d in session.scalars(sa.select(Deposit).where(Deposit.lot_id.in_(chunk), Deposit.refund_due.is_not(None))):
            parts["refunds"][d.lot_id].append(monitoring.RefundFacts(
                d.id, d.refund_due, d.refund_rule or "construction.deposit_refund", d.refunded_at, d.refund_late))
        for c in session.scalars(sa.select(Complaint).where(Complaint.lot_id.in_(chunk))):
            parts["complaints"][c.lot_id].append(monitoring.ComplaintFacts(
                c.id, c.received_at, c.accept_due, c.handled_at,
                c.handled_at if c.status in ("accepted", "decided") else None, c.decide_due, c.decided_at))
        for q in session.scalars(sa.select(ProcurementQuestion).where(ProcurementQuestion.lot_id.in_(chunk))):
            parts["questions"][q.lot_id].append(monitoring.ObjectionFacts(q.id, q.answer_due, q.answered_at))
        for c in session.scalars(sa.select(CorrectionOrder).where(CorrectionOrder.lot_id.in_(chunk))):
            parts["corrections"][c.lot_id].append(monitoring.CorrectionFacts(
                c.id, c.issued_at, c.due_at, c.answered_at))
        for lot_id, rows in land_payments.facts(session, chunk, now).items():
            parts["instalments"][lot_id] += rows
        _payments(session, chunk, now, parts["payments"])
        for lot in (lot for lot in lots if lot.id in set(chunk)):
            p = {name: tuple(rows.get(lot.id, ())) for name, rows in parts.items()}
            opened = phase_of(lot, now) >= Phase.OPENED  # a documents objection tells that a bidder exists
            found[lot.id] = LotFacts(lot.id, lot.project.trade_type, lot.round, p.get("evaluations", ()),
                                     p.get("objections", ()) + (p.get("documents", ()) if opened else ()),
                                     p.get("awards", ()), p.get("refunds", ()), p.get("complaints", ()),
                                     p.get("corrections", ()), p.get("questions", ()), p.get("instalments", ()),
                                     p.get("payments", ()))
    return found


def _payments(session, chunk: list[int], now: datetime, into: dict[int, list]) -> None:
    """The parts of each property contract's price (its current round's), paid or not (``domain.property_payments``)."""
    from ..domain import property_payments as reckoning
    from .property_payments import schedule_of

    rows = session.scalars(sa.select(TransferContract).join(Lot, Lot.id == TransferContract.lot_id).where(
        TransferContract.lot_id.in_(chunk), TransferContract.round == Lot.round,
        TransferContract.payment.in_(PROPERTY_PAYMENTS)))
    for contract in rows:
        signed = calendar.start_of_local_day(contract.signed_on)
        for part in schedule_of(session, contract, now).parts:
            paid_at = calendar.start_of_local_day(part.paid_on) if part.paid_on is not None else None
            into[contract.lot_id].append(monitoring.PaymentFacts(
                contract.id, part.key, part.rule, reckoning.last_moment(part), signed, paid_at,
                part.paid_on is not None and part.paid_on > part.due_on, f"{part.amount:,.2f}", contract.number))


def dues_of(ctx, session, lots: list[Lot], now: datetime) -> list[Due]:
    """Every act due on these lots, done or not, each by the rules its lot is judged by."""
    found: list[Due] = []
    for lot_id, facts in gather(session, lots, now).items():
        if any((facts.evaluations, facts.objections, facts.awards, facts.refunds, facts.complaints,
                facts.corrections, facts.questions, facts.instalments, facts.payments)):
            lot = next(lot for lot in lots if lot.id == lot_id)
            found += monitoring.dues(facts, rulebook.of_lot(ctx, session, lot))
    return sorted(found, key=_by_due)


def report_dues_of(session) -> list[Due]:
    """The acceptance due of every public report still received (``domain.monitoring.report_dues``); a handled
    report is no longer watched."""
    rows = session.execute(sa.select(PublicReport.id, PublicReport.number, PublicReport.received_at,
                                     PublicReport.accept_due).where(PublicReport.status == "received")).all()
    return monitoring.report_dues(monitoring.ReportFacts(r.id, r.number or "", r.received_at, r.accept_due)
                                  for r in rows)


def _report_categories(session, dues: list[Due]) -> dict[int, str]:
    """The category of each report in ``dues`` (what the dashboard names a report by, with its number)."""
    ids = [d.ref["report_id"] for d in dues]
    if not ids:
        return {}
    return dict(session.execute(sa.select(PublicReport.id, PublicReport.category)
                                .where(PublicReport.id.in_(ids))).all())


def _by_due(d: Due):
    return d.due, d.lot_id or 0, d.key


def watched_lots(session) -> list[Lot]:
    """The lots on which something may be due: those with an evaluation, an objection, an award, a refund, a
    complaint, a correction order, a procurement question, a land price to pay or a property contract paid through
    the centre."""
    ids = set()
    for model in (Evaluation, ResultObjection, Objection, Award, Complaint, CorrectionOrder, ProcurementQuestion):
        ids |= set(session.scalars(sa.select(model.lot_id).distinct()))
    ids |= set(session.scalars(sa.select(Deposit.lot_id).where(Deposit.refund_due.is_not(None)).distinct()))
    ids |= land_payments.lot_ids(session) | property_payments.lot_ids(session)
    return list(session.scalars(sa.select(Lot).where(Lot.id.in_(ids)).order_by(Lot.id))) if ids else []


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters: a region (with the regions under it), a trade type, an agency (0: none)."""

    region: str | None = None
    trade_type: str | None = None
    agency: int | None = None

    def where(self, query):
        if self.region:
            query = query.where(Project.region_code.like(region_prefix(self.region) + "%"))
        if self.trade_type:
            query = query.where(Project.trade_type == self.trade_type)
        if self.agency == 0:
            query = query.where(Project.agency_id.is_(None))
        elif self.agency:
            query = query.where(Project.agency_id == self.agency)
        return query


def region_prefix(code: str) -> str:
    """The leading digits every region under ``code`` shares (420000 -> 42, 421200 -> 4212, 421202 -> 421202)."""
    code = code.strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


@dataclass
class Dashboard:
    """What the dashboard shows: lots by stage and state, the acts overdue and due today (with their lots), the
    filters' choices."""

    now: datetime
    filters: Filters
    stages: list[dict]
    side: list[dict]
    lots: list[Lot]
    overdue: list[Due]
    today: list[Due]
    late: list[Due]
    by_lot: dict[int, Lot] = field(default_factory=dict)
    next_due: dict[int, Due] = field(default_factory=dict)
    regions: list[tuple[str, str]] = field(default_factory=list)
    agencies: list[tuple[int, str]] = field(default_factory=list)
    trade_types: list[tuple[str, str]] = field(default_factory=list)
    stage_of: dict[int, int | None] = field(default_factory=dict)
    corrections: list = field(default_factory=list)  # correction orders not yet closed or escalated
    report_categories: dict[int, str] = field(default_factory=dict)  # the reports among the dues: id -> category


def check_filters(session, region: str | None, trade_type: str | None, agency: str | None) -> Filters:
    """The filters from the page's arguments; an unknown value is ignored (shown as "all")."""
    region = (region or "").strip()
    region = region if region.isdigit() and len(region) == 6 else None
    trade_type = trade_type if trade_type in rules.TRADE_TYPES else None
    agency_id = None
    if agency == "none":
        agency_id = 0
    elif (agency or "").isdigit() and len(agency) < 12:
        agency_id = int(agency)
    return Filters(region, trade_type, agency_id)


def dashboard(ctx, session, now: datetime, filters: Filters, actor=None) -> Dashboard:
    """Every lot matching ``filters`` by stage and state, and the acts on them overdue, due today or done late
    (the late ones within the lots still in trading or follow-up); for a supervisor (``actor``), the public reports
    overdue or due today among them."""
    lots = list(session.scalars(filters.where(sa.select(Lot).join(Project, Project.id == Lot.project_id))
                                .order_by(Lot.id)))
    counts: dict[str, int] = defaultdict(int)
    for lot in lots:
        counts[lot.state] += 1
    stages = [{"code": code, "stage": stage, "states": [(state, counts.get(state, 0)) for state in lifecycle.STATES
                                                         if lifecycle.stage_of(state) == code
                                                         and state not in lifecycle.SIDE_STATES]}
              for code, stage in lifecycle.STAGES.items()]
    side = [{"state": state, "count": counts.get(state, 0)} for state in sorted(lifecycle.SIDE_STATES)]
    watched = {lot.id for lot in watched_lots(session)}
    found = dues_of(ctx, session, [lot for lot in lots if lot.id in watched], now)
    overdue, today = monitoring.open_and_late(found, now)
    late = [d for d in found if d.status(now) == "late"]
    roles = frozenset(getattr(actor, "roles", None) or ()) if getattr(actor, "is_authenticated", False) else frozenset()
    reports_due: list[Due] = []
    if may_read_report(roles):
        report_overdue, report_today = monitoring.open_and_late(report_dues_of(session), now)
        reports_due = report_overdue + report_today
        overdue, today = sorted(overdue + report_overdue, key=_by_due), sorted(today + report_today, key=_by_due)
    next_due: dict[int, Due] = {}
    for d in found:
        if d.status(now) in ("overdue", "today", "upcoming") and d.lot_id not in next_due:
            next_due[d.lot_id] = d
    codes = sorted(set(session.scalars(sa.select(Project.region_code).distinct())))
    places = {}
    for code in codes:  # each region and the prefecture above it, so a city's counties can be taken together
        for c in {code, code[:4] + "00"}:
            places[c] = regions.name_or_code(c)
    agencies = session.execute(sa.select(Organisation.id, Organisation.name).join(
        Project, Project.agency_id == Organisation.id).distinct().order_by(Organisation.name)).all()
    return Dashboard(now, filters, stages, side, lots, overdue, today, late, {lot.id: lot for lot in lots}, next_due,
                     sorted(places.items()), [(a.id, a.name) for a in agencies],
                     [(code, t.name_zh) for code, t in rules.TRADE_TYPES.items()],
                     {lot.id: lifecycle.stage_of(lot.state, lot.previous_state) for lot in lots},
                     [o for o in session.scalars(sa.select(CorrectionOrder).where(
                         CorrectionOrder.status.in_(("open", "answered"))).order_by(CorrectionOrder.due_at))
                      if o.lot_id in {lot.id for lot in lots}],
                     _report_categories(session, reports_due))
