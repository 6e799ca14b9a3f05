"""Experts' marks reviewed (评分偏离复核, issue 19): once an evaluation report is submitted, each member's marks are
compared with the committee's mean (``domain.mark_review``, the threshold ``experts.mark_deviation`` of the rules the
lot is judged by), computed whenever the supervisor reads them, never stored by a read. The supervisor decides on
flagged marks by POST: confirmed, as one ``expert_deviation`` credit event of the expert (``credit.record_event``,
with the working as evidence), or dismissed, each with a reason; the decision keeps the working as it stood.

Who the members are is the visibility policy's ``PANEL_NAMES`` fact (the supervisor sees it from the start); the
decision's audit entry names the evaluation and the seat, never the expert, so no reader of the log learns a name
from it before the policy allows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from ..domain import mark_review
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import CommitteeMember, Evaluation, Lot, MarkReview
from . import audit, credit, rulebook, visibility
from .evaluation import COMPLIANCE, marks

DECISIONS = ("confirmed", "dismissed")


def _require_supervisor(actor) -> None:
    if actor is None or not actor.has_role("supervisor"):
        raise Forbidden(N_("Experts' marks are reviewed by the supervisor."), field="role", rule=mark_review.RULE)


@dataclass
class Review:
    """One evaluation's marks reviewed: the working of every mark, the flagged ones, the decisions taken, and how
    members and bids are named to this reader."""

    evaluation: Evaluation
    threshold: Decimal
    rows: list[mark_review.Deviation]
    decisions: dict[tuple[str, str, str], MarkReview] = field(default_factory=dict)
    members: dict[str, CommitteeMember] = field(default_factory=dict)
    member_names: dict[str, str] = field(default_factory=dict)  # empty when the reader may not see the panel
    bids: dict[str, tuple[str, str]] = field(default_factory=dict)  # bid id -> (投标人A, the bidder's name)
    reviewable: bool = True  # False: the method has no marks to review (lowest price: compliance votes only)

    @property
    def flags(self) -> list[mark_review.Deviation]:
        return mark_review.flagged(self.rows)

    def open_flags(self, member: str) -> list[mark_review.Deviation]:
        """The member's flagged marks not yet decided."""
        return [d for d in self.flags if d.member == member and d.key not in self.decisions]


def reported(session, lot: Lot) -> list[Evaluation]:
    """The lot's evaluations (every round) whose report has been submitted, the latest round first."""
    rows = session.scalars(sa.select(Evaluation).where(Evaluation.lot_id == lot.id).order_by(Evaluation.round.desc()))
    return [row for row in rows if row.report]


def _evaluation(session, evaluation_id: int) -> Evaluation:
    row = session.get(Evaluation, evaluation_id)
    if row is None:
        raise NotFound(N_("No such evaluation."), field="evaluation")
    return row


def _compute(ctx, session, evaluation: Evaluation) -> Review:
    """The working of every mark of the evaluation, with the threshold of the rules its lot is judged by."""
    lot = session.get(Lot, evaluation.lot_id)
    threshold = Decimal(rulebook.of_lot(ctx, session, lot).value(mark_review.RULE))
    points = {c["name"]: Decimal(str(c["weight"])) for c in evaluation.criteria or [] if not c.get("price")}
    found = [mark_review.Mark(str(m.member_id), str(m.bid_id), m.criterion, Decimal(m.score))
             for m in sorted(marks(session, evaluation), key=lambda m: (m.bid_id, m.id))
             if m.criterion != COMPLIANCE and m.score is not None]
    report = evaluation.report or {}
    bids = {str(b["bid_id"]): (b["label"], b["name"]) for b in report.get("ranking", []) + report.get("rejected", [])}
    decided = {(str(r.member_id), str(r.bid_id), r.criterion): r for r in session.scalars(
        sa.select(MarkReview).where(MarkReview.evaluation_id == evaluation.id))}
    return Review(evaluation, threshold, mark_review.review(found, points, threshold), decided,
                  {str(m.id): m for m in evaluation.members}, {}, bids, evaluation.method == "comprehensive")


def review(ctx, session, actor, now: datetime, lot: Lot) -> list[Review]:
    """Every submitted evaluation of the lot with its marks reviewed, as the supervisor reads it (reads only)."""
    _require_supervisor(actor)
    shown = visibility.sees(session, actor, lot, visibility.Fact.PANEL_NAMES, now)
    found = []
    for evaluation in reported(session, lot):
        result = _compute(ctx, session, evaluation)
        if shown:
            result.member_names = {k: m.user.display_name for k, m in result.members.items()}
        found.append(result)
    return found


def _evidence(lot: Lot, member: CommitteeMember, chosen: list[mark_review.Deviation],
              bids: dict[str, tuple[str, str]], reason: str) -> str:
    """The credit event's evidence, in the centre's Chinese: the lot, the seat, each mark's working, the reason."""
    lines = [f"{lot.deal_code or ''} {lot.project.name} {lot.name} 评标，评委席位{member.seat}：".strip()]
    for d in chosen:
        label, name = bids.get(d.bid, (d.bid, ""))
        lines.append(f"{label}（{name}）「{d.factor}」打分{d.mark}，委员会平均分{d.mean}（{d.marks}人），"
                     f"偏离该因素分值{d.points}的{d.deviation}%，超过阈值{d.threshold}%（{mark_review.RULE}）。")
    lines.append(f"复核意见：{reason}")
    return "\n".join(lines)


def decide(ctx, session, actor, now: datetime, evaluation_id: int, member_id: int, keys: list[tuple[int, str]],
           decision: str, reason: str, decision_number: str = "") -> list[MarkReview]:
    """The supervisor confirms (one ``expert_deviation`` credit event of the expert, naming ``decision_number``) or
    dismisses the member's flagged marks ``keys`` ((bid id, factor) pairs not yet decided), with a reason."""
    _require_supervisor(actor)
    evaluation = _evaluation(session, evaluation_id)
    if not evaluation.report:
        raise DomainError(N_("Marks are reviewed once the evaluation report is submitted."), field="evaluation",
                          rule=mark_review.RULE)
    member = next((m for m in evaluation.members if m.id == member_id and m.status == "seated"), None)
    if member is None:
        raise NotFound(N_("No such member of this committee."), field="member")
    if decision not in DECISIONS:
        raise DomainError(N_("Confirm the flags or dismiss them."), field="decision", rule=mark_review.RULE)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(N_("Give the reason for the decision (at least 4 characters)."), field="reason",
                          rule=mark_review.RULE)
    found = _compute(ctx, session, evaluation)
    open_flags = {(d.bid, d.factor): d for d in found.open_flags(str(member.id))}
    chosen = []
    for bid_id, factor in dict.fromkeys(keys):
        flag = open_flags.get((str(bid_id), factor))
        if flag is None:
            raise DomainError(N_("Choose flagged marks of this member that are not decided yet."), field="flags",
                              rule=mark_review.RULE)
        chosen.append(flag)
    if not chosen:
        raise DomainError(N_("Choose the flagged marks the decision is about."), field="flags", rule=mark_review.RULE)
    lot = session.get(Lot, evaluation.lot_id)
    event = None
    if decision == "confirmed":
        if member.expert_id is None:
            raise DomainError(N_("This member is not an expert of the pool: no credit event can be recorded."),
                              field="member", rule=mark_review.RULE)
        event = credit.record_event(session, actor, now, "expert", member.expert_id, "expert_deviation",
                                   _evidence(lot, member, chosen, found.bids, reason), decision_number, lot_id=lot.id)
    rows = [MarkReview(evaluation_id=evaluation.id, member_id=member.id, bid_id=int(d.bid), criterion=d.factor,
                       mark=d.mark, mean=d.mean, deviation=d.deviation, threshold=d.threshold, decision=decision,
                       reason=reason[:2000], credit_event_id=event.id if event else None, decided_by_id=actor.id,
                       decided_at=now) for d in chosen]
    session.add_all(rows)
    session.flush()
    audit.record(session, actor, now, "evaluation.mark_review", object_type="evaluation", object_id=evaluation.id,
                 rule=mark_review.RULE,
                 payload={"lot_id": lot.id, "seat": member.seat, "decision": decision, "reason": rows[0].reason,
                          "marks": [[int(d.bid), d.factor] for d in chosen],
                          "credit_event_id": event.id if event else None})
    return rows
