"""Stages 4 and 5 after the evaluation or a single-source negotiation (``services.negotiations``) (DESIGN §7): the
candidate publicity (中标候选人公示) with its objections, the award notice (中标/成交通知书) and result notices, the
contract registration, deposit refunds and the supervisor's warnings (预警) about late answers, contracts and
refunds.

Periods: construction candidates are published for ``construction.publicity_period`` (3 days), procurement
results for ``procurement.result_period`` (1 working day); a period ends at the midnight (Beijing time) after
its last day. An objection during the publicity holds the award until the tenderee answers it; an answer later
than ``construction.publicity_objection_answer`` (3 days) is a warning. State-funded lots award the first
candidate unless it has withdrawn (``construction.award_first_candidate``). Losers' deposits are refunded at
the award notice, the winner's at the contract, each with interest and a due date; a contract signed more than
``*.contract_deadline`` (30 days) after the notice is registered as late and warned about until then. The award
and the contract's date go into the deal table (``services.deals``) that every statistic is computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

import sqlalchemy as sa

from ..domain import calendar, money, monitoring, rules
from ..domain.errors import N_, DomainError, Forbidden
from ..models import (
    AuditEntry,
    Award,
    Bid,
    Contract,
    Deposit,
    Draw,
    Evaluation,
    Lot,
    Negotiation,
    Publicity,
    ResultObjection,
)
from . import audit, deals, deposits, draws, opening, rulebook
from .evaluation import evaluation_of
from .lots import acts_for_tenderee, require_tenderee, transition
from .objections import tenderee_answers


def _rule(lot: Lot, construction: str, procurement: str) -> str:
    """The rule of the lot's trade type."""
    return procurement if lot.project.trade_type == "procurement" else construction


def period_end(start: datetime, rule: rules.Rule) -> datetime:
    """The midnight (Beijing time) after the last day of the period of ``rule`` (from the rules in force) counted
    from ``start``'s local date (``domain.monitoring.period_end``)."""
    return monitoring.period_end(start, rule)


def publicity_of(session, lot: Lot) -> Publicity | None:
    """The lot's candidate publicity of this round, if published."""
    return session.scalar(sa.select(Publicity).where(Publicity.lot_id == lot.id, Publicity.round == lot.round))


def award_of(session, lot: Lot) -> Award | None:
    """The lot's award of this round, if made."""
    return session.scalar(sa.select(Award).where(Award.lot_id == lot.id, Award.round == lot.round))


def contract_of(session, award: Award | None) -> Contract | None:
    """The contract registered for an award, if any."""
    return None if award is None else session.scalar(sa.select(Contract).where(Contract.award_id == award.id))


def publish(ctx, session, actor, now: datetime, lot: Lot) -> Publicity:
    """Staff or the tenderee publish the confirmed report's candidates for the period of the rules in force."""
    role = "staff" if actor is not None and actor.has_role("staff") else "tenderee"
    if role == "tenderee":
        require_tenderee(actor, lot.project)
    evaluation = evaluation_of(session, lot)
    if evaluation is None or evaluation.status != "confirmed":
        raise DomainError(N_("The candidates are published once every member has confirmed the report."),
                          field="report", rule=_rule(lot, "construction.publicity_publish",
                                                     "procurement.result_publication"))
    return publish_candidates(ctx, session, actor, role, now, lot, evaluation.report["candidates"],
                              "start_publicity")


def publish_candidates(ctx, session, actor, role: str, now: datetime, lot: Lot, candidates: list[dict],
                       action: str) -> Publicity:
    """Publish ``candidates`` (ranked, as the evaluation report or a single-source negotiation gives them) for the
    period of the rules in force, moving the lot by ``action`` (start_publicity, conclude_negotiation)."""
    rule_id = _rule(lot, "construction.publicity_period", "procurement.result_period")
    in_force = rulebook.of_lot(ctx, session, lot)
    row = Publicity(lot_id=lot.id, round=lot.round, candidates=candidates, published_at=now,
                    ends_at=period_end(now, in_force[rule_id]), rule=rule_id, published_by_id=actor.id)
    transition(session, lot, action, actor, role, now,
               payload={"ends_at": row.ends_at, "candidates": [c["bid_id"] for c in row.candidates]})
    session.add(row)
    lot.publicity_end = row.ends_at
    session.flush()
    return row


def negotiation_of(session, lot: Lot) -> Negotiation | None:
    """The single-source negotiation record of the lot's current round, if recorded."""
    return session.scalar(sa.select(Negotiation).where(Negotiation.lot_id == lot.id, Negotiation.round == lot.round))


def open_objections(session, lot: Lot) -> list[ResultObjection]:
    """Unanswered objections to the candidates of the lot's current round."""
    return list(session.scalars(sa.select(ResultObjection).where(
        ResultObjection.lot_id == lot.id, ResultObjection.round == lot.round, ResultObjection.answered_at.is_(None))))


def objections(session, lot: Lot) -> list[ResultObjection]:
    """Every objection to the candidates of the lot's current round."""
    return list(session.scalars(sa.select(ResultObjection).where(
        ResultObjection.lot_id == lot.id, ResultObjection.round == lot.round).order_by(ResultObjection.id)))


def raise_objection(ctx, session, actor, now: datetime, lot: Lot, text: str) -> ResultObjection:
    """A bidder of the round objects to the candidates during the publicity; the award waits for the answer."""
    rule_id = "construction.publicity_objection_answer"
    bid = session.scalar(sa.select(Bid.id).where(Bid.lot_id == lot.id, Bid.round == lot.round,
                                                 Bid.bidder_id == getattr(actor, "organisation_id", None)))
    if actor is None or not actor.has_role("bidder") or bid is None:
        raise Forbidden(N_("Only a bidder of this lot may object to the candidates."), field="text")
    if lot.state != "publicity" or lot.publicity_end is None or now >= lot.publicity_end:
        raise DomainError(N_("Objections to the candidates are accepted during the publicity only."), field="text",
                          rule=rule_id)
    text = (text or "").strip()
    if len(text) < 10:
        raise DomainError(N_("Describe the objection and what should change (at least 10 characters)."),
                          field="text")
    row = ResultObjection(lot_id=lot.id, round=lot.round, bidder_id=actor.organisation_id, raised_by_id=actor.id,
                          text=text[:2000], raised_at=now,
                          answer_due=now + timedelta(days=int(rulebook.of_lot(ctx, session, lot).value(rule_id))))
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "publicity.objection", object_type="lot", object_id=lot.id, rule=rule_id,
                 payload={"objection_id": row.id, "answer_due": row.answer_due})
    return row


def answer_objection(session, actor, now: datetime, objection_id: int, answer: str) -> ResultObjection:
    """The tenderee answers an objection to the candidates; a late answer stays flagged for the supervisor."""
    return tenderee_answers(session, actor, now, ResultObjection, objection_id, answer,
                            action="publicity.answer", rule="construction.publicity_objection_answer")


def award(ctx, session, actor, now: datetime, lot: Lot, rank: int, *, reason: str = "") -> Award:
    """The tenderee awards a candidate after the publicity: the award notice, result notices, losers' refunds
    (with interest), and the draw's secret revealed so anyone can replay it."""
    require_tenderee(actor, lot.project)
    publicity = publicity_of(session, lot)
    if publicity is None:
        raise DomainError(N_("The candidates have not been published."), field="rank")
    if open_objections(session, lot):
        raise DomainError(N_("An objection to the candidates is waiting for its answer."), field="rank",
                          rule="construction.publicity_objection_answer")
    candidate = next((c for c in publicity.candidates if c["rank"] == rank), None)
    entry = candidate and opening.opened_entry(session, candidate["bid_id"])
    if entry is None or entry.lot_id != lot.id or entry.round != lot.round:
        raise DomainError(N_("Choose one of the published candidates."), field="rank")
    reason = (reason or "").strip()
    if rank != 1 and lot.project.state_funded and len(reason) < 4:
        raise DomainError(N_("A state-funded lot awards the first candidate; another only when the ones before it "
                             "have withdrawn, with the reason recorded."), field="reason",
                          rule="construction.award_first_candidate")
    if rank != 1 and len(reason) < 4:
        raise DomainError(N_("Give the reason for not awarding the first candidate."), field="reason",
                          rule="construction.award_first_candidate")
    negotiated = negotiation_of(session, lot)  # single source: the price agreed, not the one quoted
    price = negotiated.price if negotiated is not None and negotiated.bid_id == entry.bid_id else entry.price
    deadline_rule = _rule(lot, "construction.contract_deadline", "procurement.contract_deadline")
    in_force = rulebook.of_lot(ctx, session, lot)
    row = Award(lot_id=lot.id, round=lot.round, bid_id=entry.bid_id, bidder_id=entry.bidder_id,
                rank=rank, price=price, reason=reason[:2000], issued_at=now,
                issued_by_id=actor.id, contract_due=now + timedelta(days=int(in_force.value(deadline_rule))))
    transition(session, lot, "award", actor, "tenderee", now,
               payload={"bid_id": row.bid_id, "bidder_id": row.bidder_id, "rank": rank, "price": row.price})
    session.add(row)
    session.flush()
    refund_rule = _rule(lot, "construction.deposit_refund", "procurement.deposit_refund")
    for deposit in deposits_of(session, lot):
        if deposit.bidder_id != row.bidder_id and deposit.status in ("paid", "short"):
            deposits.refund(ctx, session, actor, now, deposit, reason=N_("the bid was not awarded"),
                            due=period_end(now, in_force[refund_rule]), rule=refund_rule)
    for draw in session.scalars(sa.select(Draw).where(Draw.lot_id == lot.id)):
        if draw.status != "cancelled" and draw.ranking is not None:
            draws.reveal(ctx, session, None, now, draw)
    deals.record_award(session, now, lot, row)
    return row


def deposits_of(session, lot: Lot) -> list[Deposit]:
    """The deposits of the lot's current round."""
    return list(session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id, Deposit.round == lot.round)
                                .order_by(Deposit.id)))


def register_contract(ctx, session, actor, now: datetime, lot: Lot, *, number: str, signed_on: date | None,
                      amount: str, performance_bond: str = "") -> Contract:
    """The tenderee (or staff) register the signed contract, with the performance bond it asks of the winner (at
    most ``*.performance_bond_cap`` of the price); the winner's deposit is refunded with interest. For procurement
    the registration is the contract's publication (on the lot's public announcement page): one registered later
    than ``procurement.contract_publication`` after the signing is warned about."""
    role = "staff" if actor is not None and actor.has_role("staff") else "tenderee"
    if role == "tenderee":
        require_tenderee(actor, lot.project)
    row = award_of(session, lot)
    if row is None:
        raise DomainError(N_("There is no award to contract on."), field="number")
    number = (number or "").strip()
    if not number:
        raise DomainError(N_("Enter the contract number."), field="number")
    if signed_on is None:
        raise DomainError(N_("Enter the date the contract was signed."), field="signed_on")
    today = calendar.local_date(now)
    if signed_on < calendar.local_date(row.issued_at) or signed_on > today:
        raise DomainError(N_("The contract is signed between the award notice and today."), field="signed_on")
    price = money.parse_yuan(amount, "amount")
    if price != row.price:
        raise DomainError(N_("The contract price must be the awarded price, %(price)s yuan."), field="amount",
                          price=f"{row.price:,.2f}")
    in_force = rulebook.of_lot(ctx, session, lot)
    bond = check_performance_bond(in_force, lot, price, performance_bond)
    deadline_rule = _rule(lot, "construction.contract_deadline", "procurement.contract_deadline")
    late = signed_on > calendar.local_date(row.contract_due)
    contract = Contract(award_id=row.id, number=number[:100], signed_on=signed_on, amount=price, late=late,
                        performance_bond=bond, registered_at=now, registered_by_id=actor.id)
    transition(session, lot, "register_contract", actor, role, now,
               payload={"number": contract.number, "signed_on": signed_on.isoformat(), "late": late,
                        "rule": deadline_rule, "performance_bond": bond})
    session.add(contract)
    session.flush()
    deals.record_contract(session, lot, contract)
    refund_rule = _rule(lot, "construction.deposit_refund", "procurement.deposit_refund")
    signed_at = calendar.start_of_local_day(signed_on)
    for deposit in deposits_of(session, lot):
        if deposit.status in ("paid", "short"):
            deposits.refund(ctx, session, actor, now, deposit, reason=N_("the contract was signed"),
                            due=period_end(signed_at, in_force[refund_rule]), rule=refund_rule)
    return contract


def check_performance_bond(in_force: rules.RuleSet, lot: Lot, price: Decimal, text: str | None) -> Decimal:
    """The performance bond typed at the contract (blank: none), refused above the cap of the rules in force
    (条例 Art. 58 for construction, 采购条例 Art. 48 for procurement), naming the rule and the most allowed."""
    bond = money.parse_yuan(text, "performance_bond") if (text or "").strip() else Decimal("0")
    rule_id = _rule(lot, "construction.performance_bond_cap", "procurement.performance_bond_cap")
    cap = (price * in_force.value(rule_id) / 100).quantize(money.CENT, rounding=ROUND_DOWN)
    if bond > cap:
        raise DomainError(N_("The performance bond of %(bond)s yuan is above %(percent)s%% of the contract price: "
                             "at most %(cap)s yuan."), field="performance_bond", rule=rule_id, bond=f"{bond:,.2f}",
                          percent=in_force.value(rule_id), cap=f"{cap:,.2f}")
    return bond


def notices(session, lot: Lot) -> dict | None:
    """The award notice and the result notices to the other bidders, as the printable page shows them."""
    row = award_of(session, lot)
    if row is None:
        return None
    evaluation: Evaluation | None = evaluation_of(session, lot)
    others = [c for c in (evaluation.report["ranking"] if evaluation and evaluation.report else [])
              if c["bid_id"] != row.bid_id]
    rejected = evaluation.report["rejected"] if evaluation and evaluation.report else []
    return {"award": row, "others": others + rejected}


def may_read_notices(session, user, lot: Lot) -> bool:
    """Staff, supervisors, the tenderee's side and the lot's bidders read the notices."""
    if user.has_role("staff", "supervisor") or acts_for_tenderee(user, lot.project):
        return True
    return user.has_role("bidder") and session.scalar(sa.select(Bid.id).where(
        Bid.lot_id == lot.id, Bid.round == lot.round, Bid.bidder_id == user.organisation_id)) is not None


@dataclass(frozen=True)
class Warning:
    """A supervisor's early warning (预警): which lot (None: a public report, due on no lot), what, by which rule,
    since when."""

    lot_id: int | None
    kind: str
    message: str
    rule: str
    since: datetime
    params: dict
    key: str = ""  # the same from one reckoning to the next (``domain.monitoring.Due.key``)
    inputs: dict = field(default_factory=dict)  # what it was reckoned from: start, due, done_at and the ids


# What each kind of overdue or late act (``domain.monitoring``) is called in a warning.
MESSAGES = {
    "objection": N_("An objection to the candidates was not answered within %(days)s days."),
    "documents_objection": N_("An objection to the documents was not answered within %(days)s days."),
    "evaluation": N_("The evaluation room closed without a confirmed report."),
    "report": N_("The evaluation report did not reach the purchaser within %(days)s working days of the "
                 "evaluation's end."),
    "construction.publicity_publish": N_("The candidates were not published within %(days)s days of the "
                                         "evaluation report."),
    "procurement.purchaser_decision": N_("The purchaser did not decide and publish the result within %(days)s "
                                         "working days of receiving the report."),
    "contract": N_("The contract was not signed within %(days)s days of the award notice."),
    "refund": N_("A deposit was refunded after its due date."),
    "contract_publication": N_("The contract was published %(at)s, later than %(days)s working days after its "
                               "signing on %(signed_on)s."),
    "construction.complaint_acceptance": N_("A complaint was not accepted or refused within %(days)s working days."),
    "construction.complaint_decision": N_("An accepted complaint was not decided within %(days)s working days."),
    "procurement.complaint_acceptance": N_("A complaint was not accepted or refused within %(days)s working days."),
    "procurement.complaint_decision": N_("A complaint was not decided within %(days)s working days of its receipt."),
    "question": N_("A supplier's question (质疑) was not answered by the purchaser within %(days)s working days."),
    "correction": N_("A correction order was not answered by its deadline, %(due)s."),
    "land.deposit_refund": N_("A land deposit of an unsuccessful bidder was not refunded within %(days)s working "
                              "days after the trade ended."),
    "land.first_payment": N_("The first payment of the land price (instalment %(instalment)s) was not made by the "
                             "day the land contract set."),
    "land.payment_term": N_("Instalment %(instalment)s of the land price was not paid by the day the land contract "
                            "set."),
    "payment": N_("The buyer did not pay %(amount)s yuan due under property contract %(number)s by its last day, "
                  "%(day)s."),
    "public_report": N_("Public report %(number)s was not accepted or declined by %(day)s, the last day of the "
                        "centre's acceptance period."),
}
DAYS = frozenset({"objection", "documents_objection", "report", "publication", "contract", "contract_publication",
                  "complaint", "question"})  # the warnings that name the rule's number of days


def warning_of(due, in_force: rules.RuleSet | None) -> Warning:
    """The warning about an act overdue or done late (``domain.monitoring.Due``); ``in_force``, the rules of its lot
    (None for an act on no lot, whose warning names no number of days)."""
    params = {k: v for k, v in due.ref.items() if k != "step"}
    if due.kind in DAYS or due.rule == "land.deposit_refund":
        params["days"] = in_force.value(due.rule)
    if due.kind == "contract_publication":
        params["signed_on"] = calendar.local_date(due.start).isoformat()
        params["at"] = calendar.to_local(due.done_at).strftime("%Y-%m-%d %H:%M")
    if due.kind == "correction":
        params["due"] = calendar.to_local(due.due).strftime("%Y-%m-%d %H:%M")
    if due.kind in ("payment", "public_report"):
        params["day"] = calendar.local_date(due.due - timedelta(microseconds=1)).isoformat()
    message = MESSAGES.get(due.rule) or MESSAGES[due.kind]
    inputs = {"start": _iso(due.start), "due": _iso(due.due), "done_at": _iso(due.done_at), **due.ref}
    return Warning(due.lot_id, due.kind, message, due.rule, due.due, params, due.key, inputs)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def warnings(ctx, session, now: datetime) -> list[Warning]:
    """Everything past a legal limit, as ``domain.monitoring`` reckons it (the same reckoning as the supervisor's
    dashboard): objections unanswered or answered late, evaluation rooms closed without a report, the report,
    candidates or result not published in time, contracts not signed in time, deposits refunded late, procurement
    contracts published late, complaints not handled in time, correction orders not answered in time; every
    bid the opening held as suspected tampering (its row did not match its receipt and audited submission); and
    every public report not accepted or declined by the end of the centre's period (on no lot, for the supervisor
    alone). Limits that each lot records are judged by its rules."""
    from . import monitoring

    found: list[Warning] = []
    lots = monitoring.watched_lots(session)
    by_id = {lot.id: lot for lot in lots}
    for due in monitoring.dues_of(ctx, session, lots, now):
        if due.status(now) in ("overdue", "late"):
            found.append(warning_of(due, rulebook.of_lot(ctx, session, by_id[due.lot_id])))
    for due in monitoring.report_dues_of(session):
        if due.status(now) == "overdue":
            found.append(warning_of(due, None))
    for row in session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "opening.tampering")):
        found.append(Warning(int(row.object_id), "tampering", N_("Suspected tampering: a bid was held unopened at the "
                                                                 "opening because its record does not match its "
                                                                 "signed receipt and audited submission."),
                             row.rule or "electronic.encrypted_bids", row.at,
                             {"bid_id": row.payload.get("bid_id"), "reason": row.payload.get("reason", "")},
                             f"tampering:bid_id={row.payload.get('bid_id')}",
                             {"bid_id": row.payload.get("bid_id"), "reason": row.payload.get("reason", ""),
                              "due": _iso(row.at)}))
    return sorted(found, key=lambda w: w.since)
