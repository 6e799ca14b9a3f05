"""Closed evaluation (评标) and what follows it: the committee, members' marks, abnormally low price cases (or, for
single source, the negotiation record), the candidate publicity (中标候选人公示) with its objections, the award,
the contract and the archive (电子档案)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Organisation, User
from .projects import BidderObjection
from .types import Money, UTCDateTime


class Evaluation(db.Model):
    """One round's evaluation: method and criteria copied from the documents, the room's window, the report."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    draw_id: Mapped[int] = mapped_column(sa.ForeignKey("draw.id"))
    method: Mapped[str] = mapped_column(sa.String(24))  # lowest_price | comprehensive
    criteria: Mapped[list] = mapped_column(sa.JSON, default=list)  # [{name, weight, price}]
    aggregation: Mapped[str] = mapped_column(sa.String(16), default="mean")
    low_price_share: Mapped[str] = mapped_column(sa.String(8), default="0.85")
    status: Mapped[str] = mapped_column(sa.String(16), default="open")  # open | reported | confirmed
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    chair_member_id: Mapped[int | None] = mapped_column()
    report: Mapped[dict | None] = mapped_column(sa.JSON)
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    members: Mapped[list[CommitteeMember]] = relationship(back_populates="evaluation", order_by="CommitteeMember.seat",
                                                          cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", name="uq_evaluation_lot_round"),)


class CommitteeMember(db.Model):
    """A seat of the committee: a drawn expert (member or backup) or the tenderee's representative."""

    __tablename__ = "committee_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), index=True)
    seat: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.String(16), default="expert")  # expert | tenderee_rep
    expert_id: Mapped[int | None] = mapped_column(sa.ForeignKey("expert.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    specialty: Mapped[str] = mapped_column(sa.String(16), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="seated")  # seated | reserve | removed
    statement_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # no-conflict statement signed
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_reason: Mapped[str] = mapped_column(sa.Text, default="")
    chair_vote_id: Mapped[int | None] = mapped_column()  # the member this one votes for as chair
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[int | None] = mapped_column()  # the centre's rating of the expert's work, 1-5

    evaluation: Mapped[Evaluation] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class EvaluationMark(db.Model):
    """One member's mark on one bid: a compliance vote (criterion ``compliance``) or a criterion's score."""

    __tablename__ = "evaluation_mark"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("committee_member.id"))
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"))
    criterion: Mapped[str] = mapped_column(sa.String(100))
    compliant: Mapped[bool | None] = mapped_column()
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (sa.UniqueConstraint("member_id", "bid_id", "criterion", name="uq_evaluation_mark"),)


class MarkReview(db.Model):
    """The supervisor's decision on a flagged mark (评分偏离复核): confirmed (an ``expert_deviation`` credit event) or
    dismissed, with the reason and the working as it stood when decided (``domain.mark_review``)."""

    __tablename__ = "mark_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("committee_member.id"))
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"))
    criterion: Mapped[str] = mapped_column(sa.String(100))
    mark: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    mean: Mapped[Decimal] = mapped_column(sa.Numeric(9, 2))
    deviation: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))  # percent of the factor's points
    threshold: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))  # percent, as in force for the lot
    decision: Mapped[str] = mapped_column(sa.String(16))  # confirmed | dismissed
    reason: Mapped[str] = mapped_column(sa.Text)
    credit_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_event.id"))
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (sa.UniqueConstraint("member_id", "bid_id", "criterion", name="uq_mark_review"),)


class LowPriceCase(db.Model):
    """A bid flagged as abnormally low: the bidder's written explanation and the committee's decision."""

    __tablename__ = "low_price_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), index=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"))
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    explained_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision: Mapped[str | None] = mapped_column(sa.String(16))  # accepted | rejected
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("committee_member.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.UniqueConstraint("evaluation_id", "bid_id", name="uq_low_price_case"),)


class Publicity(db.Model):
    """中标候选人公示: the candidates as published, and the publicity period."""

    __tablename__ = "publicity"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    candidates: Mapped[list] = mapped_column(sa.JSON)  # [{rank, bid_id, bidder_id, name, price, total}]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    rule: Mapped[str] = mapped_column(sa.String(64))
    published_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", name="uq_publicity_lot_round"),)


class Negotiation(db.Model):
    """协商情况记录 of a single-source lot: who negotiated with the one supplier, when and where, the supplier's cost
    explanation, and the price agreed with its justification; it takes the place of the evaluation report."""

    __tablename__ = "negotiation"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"))
    bidder_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    negotiated_on: Mapped[date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(200))
    negotiators: Mapped[list] = mapped_column(sa.JSON)  # the tenderee's negotiators, by name
    cost_note: Mapped[str] = mapped_column(sa.Text)  # the supplier's costs and prices of comparable contracts
    quoted: Mapped[Decimal] = mapped_column(Money())  # the supplier's price at the opening
    price: Mapped[Decimal] = mapped_column(Money())  # the price agreed
    justification: Mapped[str] = mapped_column(sa.Text)  # the main terms and why the price is reasonable
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    bidder: Mapped[Organisation] = relationship()

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", name="uq_negotiation_lot_round"),)


class ResultObjection(BidderObjection, db.Model):
    """异议 to the candidates during the publicity: the award waits until the tenderee answers."""

    __tablename__ = "result_objection"

    answer_due: Mapped[datetime] = mapped_column(UTCDateTime())


class Award(db.Model):
    """中标/成交通知书: the chosen candidate, its price and, when not the first, why."""

    __tablename__ = "award"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"))
    bidder_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    rank: Mapped[int] = mapped_column()
    price: Mapped[Decimal] = mapped_column(Money())
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    contract_due: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    bidder: Mapped[Organisation] = relationship()

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", name="uq_award_lot_round"),)


class Contract(db.Model):
    """合同备案: the contract signed after the award, registered with the centre."""

    __tablename__ = "contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("award.id"), unique=True)
    number: Mapped[str] = mapped_column(sa.String(100))
    signed_on: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    late: Mapped[bool] = mapped_column(default=False)
    performance_bond: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))  # 履约保证金 asked of the winner
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))


class ArchiveBundle(db.Model):
    """电子档案: the lot's bundle in the blob store, with the hash of the zip and of its manifest."""

    __tablename__ = "archive_bundle"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), unique=True)
    blob_key: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    files: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    keep_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # kept at least until then (files_kept)
    retention_rule: Mapped[str | None] = mapped_column(sa.String(64))
