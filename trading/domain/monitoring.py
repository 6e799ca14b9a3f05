"""What is due on a lot, and when: the one reckoning of the time limits others must keep after the bids are in,
read by the supervisor's dashboard (实时监控: what is due today, what is overdue) and by the early warnings (预警:
what is overdue, or was done late). Each due act (``Due``) names its rule, the moment it falls due and, once
done, when.

The acts, from the facts of one lot (``LotFacts``) and the rules it is judged by:

- ``objection``: an objection to the candidates answered by its ``answer_due`` (条例 第五十四条);
  ``documents_objection``: one to the documents (条例 第二十二条), listed only once the viewer may know a bidder
  objected (the caller leaves them out before the bid deadline: 招标投标法 第二十二条);
- ``evaluation``: the evaluation room's report confirmed before the room closes;
- ``report``: procurement, the report in the purchaser's hands (its confirmation by every member) within
  ``procurement.report_to_purchaser`` working days of the chair's report (采购条例 第四十三条);
- ``publication``: the candidates published within ``construction.publicity_publish`` days of the confirmed report
  (条例 第五十四条), or the procurement result within ``procurement.purchaser_decision`` working days;
- ``contract``: the contract signed by the award's ``contract_due`` (招标投标法 第四十六条, 采购法 第四十六条);
- ``refund``: a deposit refunded by its due date (条例 第五十七条, 采购条例 第三十三条, ...);
- ``contract_publication``: a procurement contract published within 2 working days of its signing (采购条例 第五十条);
- ``complaint``: a complaint accepted or refused, then decided, within its working days (条例 第六十一条);
- ``correction``: a correction order (整改通知) answered by the deadline the supervisor set;
- ``land_payment``: an instalment of a land price paid by the last day its land contract set (at least 50% within
  one month of the contract, the rest within a year: 国土资发〔2010〕34号; ``domain.land_payments``).
- ``payment``: a part of a state property transaction contract's price (the sum, the part up front, the rest, its
  interest, a year's rent) paid by its last day (``domain.property_payments``; 32号令 第二十八条).

And one act due on no lot (``report_dues``): ``public_report``, a public report (举报) accepted or declined by the end
of the centre's acceptance period (``report.acceptance``, fixed at its receipt as ``accept_due``). A report may name
no lot, and one that names a lot is never filed under it (its parties read the lot's timeline), so its ``Due`` has no
``lot_id``; it is reckoned, judged (``Due.status``) and keyed like every other act.

Two kinds of moment: a period of days (and a correction order's deadline, a day the supervisor names) ends at the
midnight (Beijing time) after its last day, and the act is late from that midnight on (``strict`` False); a due time
the platform stored with the act (an objection's answer, the contract, an evaluation room's closing) may still be met
at that very moment and is late only after it (``strict`` True). Where the platform judged the lateness when the act
was done (the contract by its date, a refund by its days, or an act only watched while pending), ``late_done``
records that judgement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import calendar
from .rules import Rule, RuleSet

KINDS = ("objection", "documents_objection", "evaluation", "report", "publication", "contract", "refund",
         "contract_publication", "complaint", "correction", "question", "land_payment", "payment", "public_report")
REPORT_ACCEPTANCE = "report.acceptance"  # the centre's period for accepting or declining a public report
STATUSES = ("overdue", "today", "upcoming", "late", "done")


def period_end(start: datetime, rule: Rule) -> datetime:
    """The midnight (Beijing time) after the last day of the period of ``rule`` counted from ``start``'s local
    date (days or working days)."""
    day = calendar.local_date(start)
    last = calendar.add_working_days(day, int(rule.value)) if rule.unit == "working_days" \
        else calendar.add_days(day, int(rule.value))
    return calendar.start_of_local_day(calendar.add_days(last, 1))


@dataclass(frozen=True)
class Due:
    """One act due on a lot: what (``kind``), by which rule, from when (``start``), by when (``due``), done when
    (``done_at``), and the ids it is about (``ref``, e.g. ``{"objection_id": 4}``). ``lot_id`` is None for an act
    due on no lot (a public report)."""

    lot_id: int | None
    kind: str
    rule: str
    due: datetime
    done_at: datetime | None = None
    start: datetime | None = None
    strict: bool = True
    late_done: bool | None = None
    ref: dict = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        """A name for the act that stays the same from one reckoning to the next (kind and ids)."""
        return ":".join([self.kind, *(f"{k}={v}" for k, v in sorted(self.ref.items()))])

    def is_past(self, moment: datetime) -> bool:
        """Whether ``moment`` is too late for the act."""
        return moment > self.due if self.strict else moment >= self.due

    def last_day(self):
        """The local date of the last day the act may be done on."""
        return calendar.local_date(self.due if self.strict else self.due - timedelta(microseconds=1))

    def status(self, now: datetime) -> str:
        """``overdue`` (not done, past due), ``today`` (not done, due before today ends), ``upcoming``, ``late``
        (done after its due time) or ``done`` (in time)."""
        if self.done_at is not None:
            late = self.late_done if self.late_done is not None else self.is_past(self.done_at)
            return "late" if late else "done"
        if self.is_past(now):
            return "overdue"
        return "today" if self.last_day() <= calendar.local_date(now) else "upcoming"


@dataclass(frozen=True)
class EvaluationFacts:
    id: int
    round: int
    status: str  # open | reported | confirmed
    closes_at: datetime
    reported_at: datetime | None = None
    confirmed_at: datetime | None = None
    published_at: datetime | None = None  # the candidates (or the procurement result) of its round


@dataclass(frozen=True)
class ObjectionFacts:
    id: int
    answer_due: datetime
    answered_at: datetime | None = None
    documents: bool = False  # an objection to the documents (else to the candidates)


@dataclass(frozen=True)
class AwardFacts:
    id: int
    contract_due: datetime
    contract_id: int | None = None
    contract_late: bool = False
    signed_on: object = None  # date
    registered_at: datetime | None = None


@dataclass(frozen=True)
class RefundFacts:
    deposit_id: int
    due: datetime
    rule: str
    refunded_at: datetime | None = None
    late: bool = False


@dataclass(frozen=True)
class ComplaintFacts:
    id: int
    received_at: datetime
    accept_due: datetime
    handled_at: datetime | None = None
    accepted_at: datetime | None = None  # set when it was accepted (not refused)
    decide_due: datetime | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True)
class CorrectionFacts:
    id: int
    issued_at: datetime
    due_at: datetime
    answered_at: datetime | None = None


@dataclass(frozen=True)
class LandInstalmentFacts:
    contract_id: int
    seq: int
    due: datetime  # the midnight (Beijing time) after its last day
    paid_at: datetime | None = None  # when the payments covered it in full


@dataclass(frozen=True)
class PaymentFacts:
    contract_id: int
    part: str  # the part's key (``property_payments.Part.key``: upfront-1, balance-1, rent-2, ...)
    rule: str
    due: datetime  # the midnight after its last day
    start: datetime | None = None  # the contract's signing
    paid_at: datetime | None = None  # the start of the day it was paid in full
    late: bool = False
    amount: str = ""  # the part's amount in yuan, and the contract's number, as a warning names them
    number: str = ""


@dataclass(frozen=True)
class ReportFacts:
    """A public report still to be accepted or declined, or handled (``handled_at``)."""

    id: int
    number: str  # JB2026-000123: the warning names the report by it
    received_at: datetime
    accept_due: datetime  # the midnight (Beijing time) after the last day of the centre's period
    handled_at: datetime | None = None


@dataclass(frozen=True)
class LotFacts:
    """What the reckoning reads about one lot (the services gather it)."""

    lot_id: int
    trade_type: str
    round: int
    evaluations: tuple[EvaluationFacts, ...] = ()
    objections: tuple[ObjectionFacts, ...] = ()
    awards: tuple[AwardFacts, ...] = ()
    refunds: tuple[RefundFacts, ...] = ()
    complaints: tuple[ComplaintFacts, ...] = ()
    corrections: tuple[CorrectionFacts, ...] = ()
    questions: tuple[ObjectionFacts, ...] = ()  # procurement questions (质疑) to the purchaser
    instalments: tuple[LandInstalmentFacts, ...] = ()  # a land price's schedule
    payments: tuple[PaymentFacts, ...] = ()  # the parts of a property transaction contract's price


def _by_trade(facts: LotFacts, construction: str, procurement: str) -> str:
    return procurement if facts.trade_type == "procurement" else construction


def dues(facts: LotFacts, rules: RuleSet) -> list[Due]:
    """Every act due on the lot (done or not), by the rules the lot is judged by, in order of due time."""
    found: list[Due] = []
    lot = facts.lot_id
    for o in facts.objections:
        kind, rule = ("documents_objection", "construction.objection_answer") if o.documents else \
            ("objection", "construction.publicity_objection_answer")
        found.append(Due(lot, kind, rule, o.answer_due, o.answered_at, ref={"objection_id": o.id}))
    for e in facts.evaluations:
        if e.round == facts.round:  # an abandoned round's room is not waited for
            found.append(Due(lot, "evaluation", "construction.committee_size", e.closes_at, e.confirmed_at,
                             late_done=False, ref={"evaluation_id": e.id}))
        if e.reported_at is None or (e.published_at is None and e.round != facts.round):
            continue  # no report yet, or a round that never published (re-traded): nothing left to do
        if facts.trade_type == "procurement":
            rule = rules["procurement.report_to_purchaser"]
            found.append(Due(lot, "report", rule.id, period_end(e.reported_at, rule), e.confirmed_at,
                             e.reported_at, strict=False, ref={"evaluation_id": e.id}))
        if e.confirmed_at is not None:
            rule = rules[_by_trade(facts, "construction.publicity_publish", "procurement.purchaser_decision")]
            found.append(Due(lot, "publication", rule.id, period_end(e.confirmed_at, rule), e.published_at,
                             e.confirmed_at, strict=False, ref={"evaluation_id": e.id}))
    for a in facts.awards:
        found.append(Due(lot, "contract", _by_trade(facts, "construction.contract_deadline",
                                                    "procurement.contract_deadline"),
                         a.contract_due, a.registered_at, late_done=a.contract_late if a.contract_id else None,
                         ref={"award_id": a.id}))
        if facts.trade_type == "procurement" and a.contract_id is not None:
            rule = rules["procurement.contract_publication"]
            signed = calendar.start_of_local_day(a.signed_on)
            found.append(Due(lot, "contract_publication", rule.id, period_end(signed, rule), a.registered_at, signed,
                             strict=False, ref={"contract_id": a.contract_id}))
    for r in facts.refunds:
        found.append(Due(lot, "refund", r.rule, r.due, r.refunded_at, strict=False,  # late from its midnight on, as
                         late_done=r.late if r.refunded_at else None,  # deposits.refund judges it
                         ref={"deposit_id": r.deposit_id}))
    for c in facts.complaints:  # watched while pending: a late acceptance or decision is not warned once made
        found.append(Due(lot, "complaint", _by_trade(facts, "construction.complaint_acceptance",
                                                     "procurement.complaint_acceptance"), c.accept_due, c.handled_at,
                         c.received_at, strict=False, late_done=False, ref={"complaint_id": c.id, "step": "accept"}))
        if c.decide_due is not None:
            found.append(Due(lot, "complaint", _by_trade(facts, "construction.complaint_decision",
                                                         "procurement.complaint_decision"), c.decide_due, c.decided_at,
                             c.accepted_at, strict=False, late_done=False,
                             ref={"complaint_id": c.id, "step": "decide"}))
    for q in facts.questions:
        found.append(Due(lot, "question", "procurement.question_answer", q.answer_due, q.answered_at,
                         strict=False, ref={"question_id": q.id}))  # answer_due: the midnight after the last day
    for i in facts.instalments:
        found.append(Due(lot, "land_payment", "land.first_payment" if i.seq == 1 else "land.payment_term", i.due,
                         i.paid_at, strict=False, ref={"contract_id": i.contract_id, "instalment": i.seq}))
    for c in facts.corrections:
        found.append(Due(lot, "correction", "platform.supervision", c.due_at, c.answered_at, c.issued_at,
                         strict=False, ref={"correction_id": c.id}))
    for p in facts.payments:  # judged by the day the part was paid in full
        found.append(Due(lot, "payment", p.rule, p.due, p.paid_at, p.start, strict=False,
                         late_done=p.late if p.paid_at is not None else None,
                         ref={"contract_id": p.contract_id, "part": p.part, "amount": p.amount,
                              "number": p.number}))
    return sorted(found, key=lambda d: (d.due, d.kind, d.key))


def report_dues(reports) -> list[Due]:
    """Each public report's acceptance or refusal by its ``accept_due`` (``report.acceptance``), on no lot, in order of
    due time. Watched while pending, like a complaint's acceptance: once handled, late or not, it is not warned."""
    found = [Due(None, "public_report", REPORT_ACCEPTANCE, r.accept_due, r.handled_at, r.received_at, strict=False,
                 late_done=False, ref={"report_id": r.id, "number": r.number}) for r in reports]
    return sorted(found, key=lambda d: (d.due, d.key))


def open_and_late(found: list[Due], now: datetime) -> tuple[list[Due], list[Due]]:
    """Of ``found``: the acts overdue at ``now`` and those due before today ends (each by due time)."""
    return [d for d in found if d.status(now) == "overdue"], [d for d in found if d.status(now) == "today"]
