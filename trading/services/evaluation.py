"""封闭评标 (DESIGN §7): the closed evaluation room around ``domain.scoring``.

Staff start the evaluation once the bids are open and the draw's panel is complete: the drawn members take
their seats (backups wait in reserve) and the committee is checked against the size and expert-share rules.
Only seated members, only inside the room's window, enter the room. Each first signs the no-conflict statement
or declares a conflict (the member leaves, the next backup in the draw's ranking takes the seat); members elect
a chair; every member votes on every bid's compliance and, for comprehensive scoring, scores each criterion
within its maximum. Bids are shown as 投标人A/B/C in opening order. Valid bids priced abnormally low wait for
the bidder's written explanation and the chair's recorded decision. The chair submits the report (at most
three candidates, every member's marks, the working); every member confirms it, and the room closes.

Room accounts: a drawn expert without a platform login gets a room account (评标室账号) of the centre, valid
for this evaluation only; its one-time password appears once on the sign-in sheet (签到表) that staff hand
out, and the account is deactivated when the report is confirmed.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from ..domain import scoring
from ..domain.committee import committee_rules
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import (
    Bid,
    CommitteeMember,
    Draw,
    Evaluation,
    EvaluationMark,
    Expert,
    Lot,
    LowPriceCase,
    OpeningEntry,
    User,
    UserRole,
)
from . import audit, draws, opening, rulebook, screens
from .accounts import hash_password
from .lots import require_role, transition

WINDOW = timedelta(hours=48)  # how long the room stays open after it opens (config EVALUATION_WINDOW_HOURS)
COMPLIANCE = "compliance"  # the criterion name of a compliance vote
ROOM_ACCOUNT_PREFIX = "pw"  # room accounts are named pw<evaluation id>-<seat>
ROOM_PASSWORD_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off a printed sheet, typed by hand


def evaluation_of(session, lot: Lot) -> Evaluation | None:
    """The evaluation of the lot's current round, if it has started."""
    return session.scalar(sa.select(Evaluation).where(Evaluation.lot_id == lot.id, Evaluation.round == lot.round))


def get(session, evaluation_id: int) -> Evaluation:
    """An evaluation by id, or NotFound."""
    row = session.get(Evaluation, evaluation_id)
    if row is None:
        raise NotFound(N_("No such evaluation."), field="evaluation")
    return row


def opened_entries(session, lot: Lot) -> list[OpeningEntry]:
    """The bids the opening decrypted, in opening order: the ones the committee evaluates."""
    return [e for e in opening.record(session, lot) if e.status == "opened"]


def labels_of(session, lot: Lot) -> dict[int, str]:
    """``{bid id: 投标人A…}`` in opening order."""
    return {int(k): v for k, v in scoring.labels(str(e.bid_id) for e in opened_entries(session, lot)).items()}


def _complete_draw(session, lot: Lot) -> Draw:
    """The lot's latest draw of this round, which must have filled its member seats."""
    live = [d for d in draws.draws_of(session, lot) if d.round == lot.round and d.status != "cancelled"]
    if not live or live[-1].status != "complete":
        raise DomainError(N_("The expert draw for this lot is not complete yet."), field="draw",
                          rule=f"{lot.project.trade_type}.committee_size")
    return live[-1]


def _room_account(session, actor, now: datetime, evaluation: Evaluation, seat: int, expert: Expert) -> tuple[User, str]:
    """A room account of the centre for an expert without a login, and its one-time password."""
    password = "-".join("".join(secrets.choice(ROOM_PASSWORD_LETTERS) for _ in range(4)) for _ in range(3))
    user = User(username=f"{ROOM_ACCOUNT_PREFIX}{evaluation.id}-{seat}", display_name=expert.name,
                organisation_id=actor.organisation_id, password_hash=hash_password(password), active=True,
                created_at=now, password_changed_at=now, role_rows=[UserRole(role="expert")])
    session.add(user)
    session.flush()
    expert.user_id = user.id
    return user, password


def committee(evaluation: Evaluation) -> list[scoring.Member]:
    """The seated members as the domain's Members."""
    return [scoring.Member(str(m.id), m.kind) for m in evaluation.members if m.status == "seated"]


def start(ctx, session, actor, now: datetime, lot: Lot, *,
          window: timedelta = WINDOW) -> tuple[Evaluation, dict[int, str]]:
    """Staff open the evaluation: check the opened bids and the committee (the rules in force), seat the panel,
    move the lot.

    Returns the evaluation and ``{seat: one-time password}`` for the room accounts it created (shown once)."""
    require_role(actor, "staff")
    if lot.state != "opening":
        raise DomainError(N_("The evaluation starts after the opening."), field="lot", rule="platform.five_stages")
    # single source has no committee: its one response is negotiated (services.negotiations), not evaluated
    in_force = rulebook.of_lot(ctx, session, lot)
    committee_rules(lot.project.trade_type, lot.method, lot.budget, lot.complex, rules=in_force)
    rule_id = opening.min_bids_rule(lot)
    needed, opened = int(in_force.value(rule_id)), len(opened_entries(session, lot))
    if opened < needed:
        raise DomainError(N_("Only %(opened)s bids were opened; at least %(needed)s are needed. Declare the lot "
                             "failed (流标) and re-trade it."), field="lot", rule=rule_id, opened=opened, needed=needed)
    draw = _complete_draw(session, lot)
    panel = draws.panel(draw)
    opens_at = max(now, draw.evaluation_at)
    evaluation = Evaluation(lot_id=lot.id, round=lot.round, draw_id=draw.id, method=lot.evaluation_method or "",
                            criteria=list(lot.criteria or []), aggregation="mean", low_price_share="0.85",
                            status="open", opens_at=opens_at, closes_at=opens_at + window, started_by_id=actor.id,
                            started_at=now)
    if evaluation.method not in scoring.METHODS:
        raise DomainError(N_("The documents name no evaluation method."), field="evaluation_method",
                          rule="procurement.evaluation_methods")
    session.add(evaluation)
    session.flush()
    passwords: dict[int, str] = {}
    seats = sorted(panel.seats, key=lambda s: (s.backup, s.at))
    for number, seat in enumerate(seats, start=1):
        expert = session.get(Expert, seat.expert_id)
        user = session.get(User, expert.user_id) if expert.user_id else None
        if user is None:
            user, passwords[number] = _room_account(session, actor, now, evaluation, number, expert)
        evaluation.members.append(CommitteeMember(seat=number, kind="expert", expert_id=expert.id, user_id=user.id,
                                                  specialty=seat.specialty,
                                                  status="reserve" if seat.backup else "seated"))
    session.flush()
    scoring.check_committee(lot.project.trade_type, committee(evaluation), lot.budget, lot.complex, method=lot.method,
                            rules=in_force)
    transition(session, lot, "start_evaluation", actor, "staff", now,
               payload={"evaluation_id": evaluation.id, "members": len(committee(evaluation)), "opened": opened})
    return evaluation, passwords


def declare_failed(ctx, session, actor, now: datetime, lot: Lot) -> None:
    """Staff fail the lot (流标) at the opening when fewer bids than the rule's minimum could be opened."""
    require_role(actor, "staff")
    if lot.state != "opening":  # a listing or an auction fails by its own rules (the clock step), not here
        raise DomainError(N_("Only a lot at its opening can be failed for too few bids."), field="lot")
    rule_id = opening.min_bids_rule(lot)
    needed, opened = int(rulebook.of_lot(ctx, session, lot).value(rule_id)), len(opened_entries(session, lot))
    if opened >= needed:
        raise DomainError(N_("%(opened)s bids were opened, enough to evaluate: the lot cannot be failed."),
                          field="lot", rule=rule_id, opened=opened)
    transition(session, lot, "fail", actor, "staff", now, payload={"opened": opened, "needed": needed, "rule": rule_id},
               rule=rule_id)


def member_of(evaluation: Evaluation, user) -> CommitteeMember | None:
    """The user's seat on the committee (seated or in reserve), if any."""
    uid = getattr(user, "id", None)
    return next((m for m in evaluation.members if m.user_id == uid and m.status != "removed"), None)


def require_member(session, actor, now: datetime, evaluation: Evaluation, *, signed: bool = True) -> CommitteeMember:
    """The actor's seat, refused outside the room's window, to non-members and (unless ``signed`` is False) to
    members who have not signed the no-conflict statement."""
    member = member_of(evaluation, actor)
    if member is None or member.status != "seated" or not actor.has_role("expert"):
        raise Forbidden(N_("Only the committee's seated members enter the evaluation room."), field="evaluation")
    if not evaluation.opens_at <= now < evaluation.closes_at:
        raise Forbidden(N_("The evaluation room is open from %(opens)s until %(closes)s."), field="evaluation",
                        opens=evaluation.opens_at, closes=evaluation.closes_at)
    if signed and member.statement_at is None:
        raise DomainError(N_("Sign the no-conflict statement first."), field="statement",
                          rule="construction.expert_recusal")
    return member


def _require_open(evaluation: Evaluation) -> None:
    """Refuse marks once the report is submitted."""
    if evaluation.status != "open":
        raise DomainError(N_("The report is submitted; marks can no longer change."), field="evaluation")


def sign_statement(session, actor, now: datetime, evaluation: Evaluation, *, conflict: bool,
                   reason: str = "") -> CommitteeMember:
    """The no-conflict statement (无利害关系声明); a declared conflict removes the member and seats a backup."""
    member = require_member(session, actor, now, evaluation, signed=False)
    _require_open(evaluation)
    if member.statement_at is not None:
        raise DomainError(N_("You have already signed the statement."), field="statement")
    lot = session.get(Lot, evaluation.lot_id)
    if not conflict:
        member.statement_at = now
        session.flush()
        audit.record(session, actor, now, "evaluation.statement", object_type="lot", object_id=lot.id,
                     rule="construction.expert_recusal", payload={"evaluation_id": evaluation.id, "seat": member.seat})
        return member
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(N_("Say what the conflict of interest is."), field="reason",
                          rule="construction.expert_recusal")
    member.status, member.removed_at, member.removed_reason = "removed", now, reason[:500]
    reserves = [m for m in evaluation.members if m.status == "reserve"]
    replacement = next((m for m in reserves if m.specialty == member.specialty), reserves[0] if reserves else None)
    if replacement is not None:
        replacement.status = "seated"
    session.flush()
    audit.record(session, actor, now, "evaluation.conflict", object_type="lot", object_id=lot.id,
                 rule="construction.expert_recusal",
                 payload={"evaluation_id": evaluation.id, "seat": member.seat, "reason": member.removed_reason,
                          "replacement_seat": replacement.seat if replacement else None})
    return member


def short_of_members(ctx, session, evaluation: Evaluation) -> DomainError | None:
    """Why the committee as now seated falls short of the rules in force (after conflicts), or None."""
    lot = session.get(Lot, evaluation.lot_id)
    try:
        scoring.check_committee(lot.project.trade_type, committee(evaluation), lot.budget, lot.complex,
                                method=lot.method, rules=rulebook.of_lot(ctx, session, lot))
    except DomainError as error:
        return error
    return None


def vote_chair(session, actor, now: datetime, evaluation: Evaluation, candidate_id: int) -> CommitteeMember:
    """A member votes for the chair (评标委员会主任); once every seated member has voted the most votes win,
    ties to the lower seat number."""
    member = require_member(session, actor, now, evaluation)
    _require_open(evaluation)
    seated = [m for m in evaluation.members if m.status == "seated"]
    if candidate_id not in {m.id for m in seated}:
        raise DomainError(N_("Vote for a seated member of the committee."), field="candidate")
    if evaluation.chair_member_id is not None:
        raise DomainError(N_("The chair is already elected."), field="candidate")
    member.chair_vote_id = candidate_id
    if all(m.chair_vote_id is not None for m in seated):
        tally = {m.id: sum(1 for v in seated if v.chair_vote_id == m.id) for m in seated}
        evaluation.chair_member_id = max(seated, key=lambda m: (tally[m.id], -m.seat)).id
        audit.record(session, None, now, "evaluation.chair", object_type="lot", object_id=evaluation.lot_id,
                     payload={"evaluation_id": evaluation.id, "votes": {str(k): v for k, v in tally.items()}})
    session.flush()
    return member


def chair_of(evaluation: Evaluation) -> CommitteeMember | None:
    """The elected chair, if any."""
    return next((m for m in evaluation.members if m.id == evaluation.chair_member_id), None)


def _entry(session, evaluation: Evaluation, bid_id: int) -> OpeningEntry:
    """The opened bid ``bid_id`` of the evaluation's lot, or a refusal."""
    entry = session.scalar(sa.select(OpeningEntry).where(OpeningEntry.bid_id == bid_id,
                                                         OpeningEntry.lot_id == evaluation.lot_id,
                                                         OpeningEntry.round == evaluation.round))
    if entry is None or entry.status != "opened":
        raise DomainError(N_("No such opened bid in this evaluation."), field="bid")
    return entry


def _put_mark(session, now: datetime, evaluation: Evaluation, member: CommitteeMember, bid_id: int, criterion: str,
              **values) -> EvaluationMark:
    """Insert or replace one mark."""
    mark = session.scalar(sa.select(EvaluationMark).where(EvaluationMark.member_id == member.id,
                                                          EvaluationMark.bid_id == bid_id,
                                                          EvaluationMark.criterion == criterion))
    if mark is None:
        mark = EvaluationMark(evaluation_id=evaluation.id, member_id=member.id, bid_id=bid_id, criterion=criterion)
        session.add(mark)
    for name, value in values.items():
        setattr(mark, name, value)
    mark.at = now
    return mark


def vote_compliance(session, actor, now: datetime, evaluation: Evaluation, bid_id: int, compliant: bool,
                    note: str = "") -> EvaluationMark:
    """A member's compliance vote (符合性审查) on one bid; a "no" needs the reason."""
    member = require_member(session, actor, now, evaluation)
    _require_open(evaluation)
    _entry(session, evaluation, bid_id)
    note = (note or "").strip()
    if not compliant and len(note) < 2:
        raise DomainError(N_("Give the reason why the bid is not compliant."), field="note")
    mark = _put_mark(session, now, evaluation, member, bid_id, COMPLIANCE, compliant=bool(compliant), note=note[:1000])
    session.flush()
    low_price_cases(session, evaluation, now)
    return mark


def score(session, actor, now: datetime, evaluation: Evaluation, bid_id: int, scores: dict[str, str]) -> None:
    """A member's scores of one bid on every non-price criterion, each from 0 to the criterion's weight."""
    member = require_member(session, actor, now, evaluation)
    _require_open(evaluation)
    if evaluation.method != "comprehensive":
        raise DomainError(N_("This lot is evaluated by the lowest evaluated price; there is nothing to score."),
                          field="scores", rule="procurement.evaluation_methods")
    _entry(session, evaluation, bid_id)
    for criterion in (c for c in _criteria(evaluation) if not c.price):
        text = (scores.get(criterion.name) or "").strip()
        try:
            value = Decimal(text)
        except ArithmeticError:
            value = None
        if value is None or not value.is_finite() or not 0 <= value <= criterion.weight \
                or value != value.quantize(Decimal("0.01")):
            raise DomainError(N_("The score for %(criterion)s must be a number from 0 to %(maximum)s, with at most "
                                 "2 decimals."), field="scores", criterion=criterion.name,
                              maximum=str(criterion.weight))
        _put_mark(session, now, evaluation, member, bid_id, criterion.name, score=value)
    session.flush()


def _criteria(evaluation: Evaluation) -> list[scoring.Criterion]:
    """The documents' criteria as the domain's Criteria."""
    return [scoring.Criterion(c["name"], Decimal(str(c["weight"])), bool(c.get("price")))
            for c in evaluation.criteria]


def marks(session, evaluation: Evaluation) -> list[EvaluationMark]:
    """Every mark of the seated members."""
    seated = {m.id for m in evaluation.members if m.status == "seated"}
    return [m for m in session.scalars(sa.select(EvaluationMark).where(EvaluationMark.evaluation_id == evaluation.id))
            if m.member_id in seated]


def _bid_prices(session, evaluation: Evaluation) -> list[scoring.BidPrice]:
    """The opened bids with their prices, in opening order."""
    lot = session.get(Lot, evaluation.lot_id)
    return [scoring.BidPrice(str(e.bid_id), e.price) for e in opened_entries(session, lot)]


def votes(session, evaluation: Evaluation) -> dict[str, dict[str, bool]]:
    """``{member: {bid: compliant}}`` as far as voted."""
    result: dict[str, dict[str, bool]] = {str(m.id): {} for m in evaluation.members if m.status == "seated"}
    for mark in marks(session, evaluation):
        if mark.criterion == COMPLIANCE:
            result[str(mark.member_id)][str(mark.bid_id)] = bool(mark.compliant)
    return result


def compliance_complete(session, evaluation: Evaluation) -> bool:
    """Whether every seated member has voted on every opened bid."""
    bids = {b.bid_id for b in _bid_prices(session, evaluation)}
    return all(set(ballot) >= bids for ballot in votes(session, evaluation).values())


def low_price_cases(session, evaluation: Evaluation, now: datetime | None = None) -> list[LowPriceCase]:
    """The abnormally low cases; with ``now``, flag them once compliance voting is complete (rule
    construction.abnormally_low_price: the valid bids' mean times the evaluation's share)."""
    query = sa.select(LowPriceCase).where(LowPriceCase.evaluation_id == evaluation.id).order_by(LowPriceCase.id)
    cases = list(session.scalars(query))
    if cases or now is None or evaluation.status != "open" or not compliance_complete(session, evaluation):
        return cases
    bids = _bid_prices(session, evaluation)
    compliant = scoring.compliant_bids(bids, votes(session, evaluation))
    flagged = scoring.abnormally_low(bids, compliant, Decimal(evaluation.low_price_share))
    for bid_id in flagged:
        session.add(LowPriceCase(evaluation_id=evaluation.id, bid_id=int(bid_id), flagged_at=now))
    if flagged:
        session.flush()
        audit.record(session, None, now, "evaluation.flag_low_price", object_type="lot", object_id=evaluation.lot_id,
                     rule="construction.abnormally_low_price", payload={"bids": [int(b) for b in flagged]})
    return list(session.scalars(query))


def explain_low_price(session, actor, now: datetime, case_id: int, text: str) -> LowPriceCase:
    """The bidder's written explanation (书面说明) of an abnormally low price."""
    case = session.get(LowPriceCase, case_id)
    if case is None:
        raise NotFound(N_("No such request for an explanation."), field="case")
    bid = session.get(Bid, case.bid_id)
    if not actor.has_role("bidder") or actor.organisation_id != bid.bidder_id:
        raise Forbidden(N_("Only the bidder asked may explain its price."), field="explanation")
    if case.decision is not None:
        raise DomainError(N_("The committee has already decided on this explanation."), field="explanation")
    text = (text or "").strip()
    if len(text) < 10:
        raise DomainError(N_("Explain how the price covers the cost (at least 10 characters)."), field="explanation",
                          rule="construction.abnormally_low_price")
    case.explanation, case.explained_at = text[:5000], now
    session.flush()
    audit.record(session, actor, now, "evaluation.explanation", object_type="lot", object_id=bid.lot_id,
                 rule="construction.abnormally_low_price", payload={"case_id": case.id})
    return case


def decide_low_price(session, actor, now: datetime, evaluation: Evaluation, case_id: int, decision: str,
                     reason: str) -> LowPriceCase:
    """The chair records the committee's decision on an explanation: accepted, or rejected (否决) with reason."""
    member = require_member(session, actor, now, evaluation)
    _require_open(evaluation)
    if evaluation.chair_member_id != member.id:
        raise Forbidden(N_("The chair records the committee's decisions."), field="decision")
    case = session.get(LowPriceCase, case_id)
    if case is None or case.evaluation_id != evaluation.id:
        raise NotFound(N_("No such request for an explanation."), field="case")
    if case.explained_at is None and decision == "accepted":
        raise DomainError(N_("A price cannot be accepted before the bidder has explained it."), field="decision",
                          rule="construction.abnormally_low_price")
    reason = (reason or "").strip()
    if decision not in scoring.DECISIONS or len(reason) < 2:
        raise DomainError(N_("Record the committee's decision and its reason."), field="decision",
                          rule="construction.abnormally_low_price")
    case.decision, case.reason, case.decided_by_id, case.decided_at = decision, reason[:2000], member.id, now
    session.flush()
    audit.record(session, actor, now, "evaluation.low_price", object_type="lot", object_id=evaluation.lot_id,
                 rule="construction.abnormally_low_price",
                 payload={"case_id": case.id, "bid_id": case.bid_id, "decision": decision})
    return case


def _scores(session, evaluation: Evaluation) -> dict[str, dict[str, dict[str, Decimal]]]:
    """``{member: {bid: {criterion: score}}}`` as far as scored."""
    result: dict[str, dict[str, dict[str, Decimal]]] = {
        str(m.id): {} for m in evaluation.members if m.status == "seated"}
    for mark in marks(session, evaluation):
        if mark.criterion != COMPLIANCE and mark.score is not None:
            result[str(mark.member_id)].setdefault(str(mark.bid_id), {})[mark.criterion] = Decimal(mark.score)
    return result


def compute(ctx, session, evaluation: Evaluation) -> scoring.Report:
    """The report the marks so far produce, or the refusal saying what is missing (reads only: abnormally low
    prices are flagged by the vote that completes the compliance ballot)."""
    short = short_of_members(ctx, session, evaluation)
    if short is not None:
        raise short
    unsigned = [m.seat for m in evaluation.members if m.status == "seated" and m.statement_at is None]
    if unsigned:
        raise DomainError(N_("Seats %(seats)s have not signed the no-conflict statement."), field="statement",
                          seats=", ".join(map(str, unsigned)), rule="construction.expert_recusal")
    bids = _bid_prices(session, evaluation)
    ballot = votes(session, evaluation)
    if not compliance_complete(session, evaluation):
        raise DomainError(N_("Every member must vote on the compliance of every bid."), field="votes")
    cases = low_price_cases(session, evaluation)
    decisions = {str(c.bid_id): (c.decision, c.reason) for c in cases if c.decision}
    rejections = scoring.apply_explanations([str(c.bid_id) for c in cases], decisions)
    in_force = rulebook.of_lot(ctx, session, session.get(Lot, evaluation.lot_id))
    if evaluation.method == "lowest_price":
        return scoring.lowest_price(bids, ballot, rejections=rejections, rules=in_force)
    compliant = scoring.compliant_bids(bids, ballot)
    return scoring.comprehensive(bids, _criteria(evaluation), _scores(session, evaluation), evaluation.aggregation,
                                 compliant, rejections=rejections, rules=in_force)


def _report_json(session, evaluation: Evaluation, report: scoring.Report) -> dict:
    """The report as stored: each bid by its id, with its label, bidder and price (yuan text, from the opening
    record's Decimal; the award reads the price again from the opening record, by bid id), every member's marks,
    the working."""
    lot = session.get(Lot, evaluation.lot_id)
    entries = {str(e.bid_id): e for e in opened_entries(session, lot)}
    label = {str(k): v for k, v in labels_of(session, lot).items()}
    members = {str(m.id): m for m in evaluation.members}

    def bidder(bid_id: str) -> dict:
        entry = entries[bid_id]
        return {"bid_id": int(bid_id), "label": label[bid_id], "bidder_id": entry.bidder_id,
                "name": entry.bidder.name, "price": str(entry.price)}

    def ranked(c: scoring.Candidate) -> dict:
        return {**bidder(c.bid_id), "rank": c.rank, "total": str(c.total) if c.total is not None else None}

    return {
        "method": report.method,
        "candidates": [ranked(c) for c in report.candidates],
        "ranking": [ranked(c) for c in report.ranking],
        "rejected": [{**bidder(r.bid_id), "reason": r.reason.message, "params": dict(r.reason.params),
                      "rule": r.reason.rule} for r in report.rejected],
        "members": [{"member_id": int(k), "seat": members[k].seat, "name": members[k].user.display_name,
                     "marks": {label[b]: (v if isinstance(v, bool) else {n: str(s) for n, s in v.items()})
                               for b, v in marks.items()}}
                    for k, marks in report.per_member.items()],
        "working": {label[b]: w for b, w in report.working.items()},
        "scores": {label[b]: {"price_score": str(s.price_score), "criteria": {n: str(v) for n, v in s.criteria.items()},
                              "total": str(s.total)} for b, s in report.scores.items()},
        "chair": members[str(evaluation.chair_member_id)].user.display_name if evaluation.chair_member_id else "",
    }


def submit_report(ctx, session, actor, now: datetime, evaluation: Evaluation) -> Evaluation:
    """The chair submits the report (评标报告); members then confirm it."""
    member = require_member(session, actor, now, evaluation)
    _require_open(evaluation)
    if evaluation.chair_member_id != member.id:
        raise Forbidden(N_("The chair submits the report."), field="report")
    report = compute(ctx, session, evaluation)
    if not report.candidates:
        raise DomainError(N_("No bid is valid: the committee should declare every bid rejected and the lot failed."),
                          field="report", rule=opening.min_bids_rule(session.get(Lot, evaluation.lot_id)))
    evaluation.report = _report_json(session, evaluation, report)
    evaluation.status, evaluation.reported_at = "reported", now
    session.flush()
    audit.record(session, actor, now, "evaluation.report", object_type="lot", object_id=evaluation.lot_id,
                 rule="construction.max_candidates",
                 payload={"evaluation_id": evaluation.id,
                          "candidates": [c["bid_id"] for c in evaluation.report["candidates"]]})
    # the screens again, now that the committee has said which bids are valid (every bid but the winner's
    # disqualified, 条例 第四十条); the documents' signals stay as the opening stored them
    screens.record(ctx, session, now, session.get(Lot, evaluation.lot_id))
    return evaluation


def confirm_report(session, actor, now: datetime, evaluation: Evaluation) -> Evaluation:
    """A member confirms (签字确认) the submitted report; when all have, the room closes and room accounts end."""
    member = require_member(session, actor, now, evaluation)
    if evaluation.status != "reported":
        raise DomainError(N_("There is no submitted report to confirm."), field="report")
    if member.confirmed_at is not None:
        raise DomainError(N_("You have already confirmed the report."), field="report")
    member.confirmed_at = now
    seated = [m for m in evaluation.members if m.status == "seated"]
    done = scoring.confirm(_domain_report(evaluation), [str(m.id) for m in seated if m.confirmed_at],
                           committee(evaluation))
    if done.complete:
        evaluation.status, evaluation.confirmed_at = "confirmed", now
        for m in evaluation.members:  # room accounts end with the evaluation
            if m.user.username == f"{ROOM_ACCOUNT_PREFIX}{evaluation.id}-{m.seat}":
                m.user.active = False
    session.flush()
    audit.record(session, actor, now, "evaluation.confirm", object_type="lot", object_id=evaluation.lot_id,
                 payload={"evaluation_id": evaluation.id, "seat": member.seat, "complete": done.complete})
    return evaluation


def _domain_report(evaluation: Evaluation) -> scoring.Report:
    """Enough of the stored report for ``scoring.confirm`` (who marked)."""
    per_member = {str(m["member_id"]): m["marks"] for m in evaluation.report["members"]}
    return scoring.Report(evaluation.method, (), (), (), per_member, {})


def may_read_report(session, user, lot: Lot, evaluation: Evaluation | None) -> bool:
    """Supervisors and staff, the committee, and — once confirmed — the tenderee's side read the report."""
    if evaluation is None or evaluation.report is None:
        return False
    if user.has_role("supervisor", "staff") or member_of(evaluation, user) is not None:
        return True
    from .lots import acts_for_tenderee

    return evaluation.status == "confirmed" and acts_for_tenderee(user, lot.project)


def rate_member(session, actor, now: datetime, evaluation: Evaluation, member_id: int, rating: int) -> CommitteeMember:
    """Centre staff rate a member's work (1–5) once the report is confirmed; the rating joins the expert's record."""
    require_role(actor, "staff")
    if evaluation.status != "confirmed":
        raise DomainError(N_("Members are rated after the report is confirmed."), field="rating")
    member = next((m for m in evaluation.members if m.id == member_id and m.status == "seated"), None)
    if member is None or member.expert_id is None:
        raise NotFound(N_("No such member."), field="rating")
    if member.rating is not None:
        raise DomainError(N_("This member has already been rated."), field="rating")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError(N_("A rating is a whole number from 1 to 5."), field="rating")
    member.rating = rating
    expert = session.get(Expert, member.expert_id)
    expert.rating_sum += rating
    expert.rating_count += 1
    session.flush()
    audit.record(session, actor, now, "evaluation.rate", object_type="expert", object_id=expert.id,
                 payload={"evaluation_id": evaluation.id, "seat": member.seat, "rating": rating})
    return member
