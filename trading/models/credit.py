"""Credit records and the blacklist (信用记录与失信名单): see ``domain.credit``."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Organisation, User
from .types import UTCDateTime


class CreditEvent(db.Model):
    """One event recorded against an organisation or an expert, with its evidence and the decision that found it."""

    __tablename__ = "credit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(sa.String(16))  # organisation | expert
    subject_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lot.id"))
    evidence: Mapped[str] = mapped_column(sa.Text)
    decision: Mapped[str] = mapped_column(sa.String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))  # None: the clock step
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BlacklistEntry(db.Model):
    """A subject barred for a period (a bidder from signing up and bidding, an expert from being drawn)."""

    __tablename__ = "blacklist_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(sa.String(16))  # organisation | expert
    subject_id: Mapped[int] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    decision: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    lift_reason: Mapped[str] = mapped_column(sa.Text, default="")


class Complaint(db.Model):
    """投诉: a party's complaint to the supervisor about a lot, from receipt to the written decision."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    complainant_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    matter: Mapped[str] = mapped_column(sa.String(16))  # documents | opening | candidates | other
    text: Mapped[str] = mapped_column(sa.Text)
    window_from: Mapped[date] = mapped_column(sa.Date)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accept_due: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16), default="received")  # received | accepted | refused | decided
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # accepted or refused
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    refusal: Mapped[str] = mapped_column(sa.Text, default="")
    decide_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspended: Mapped[bool] = mapped_column(default=False)  # the supervisor suspended the lot on accepting it
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(sa.String(16))  # upheld | dismissed
    decision: Mapped[str] = mapped_column(sa.Text, default="")


class ProcurementQuestion(db.Model):
    """质疑: a supplier's written question to the purchaser or its agency about a procurement lot (the documents, the
    procedure or the result), answered within the legal working days (政府采购法 第五十二、五十三条)."""

    __tablename__ = "procurement_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    asked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    matter: Mapped[str] = mapped_column(sa.String(16))  # documents | procedure | result
    text: Mapped[str] = mapped_column(sa.Text)
    known_on: Mapped[date] = mapped_column(sa.Date)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer_due: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    answer: Mapped[str] = mapped_column(sa.Text, default="")


class IntegrityPledge(db.Model):
    """诚信承诺书: the pledge a bidder accepted at one sign-up: the exact text it was shown (in its language), the
    text's SHA-256, who signed for which organisation and when (``domain.pledges``)."""

    __tablename__ = "integrity_pledge"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id"), unique=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    bidder_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    language: Mapped[str] = mapped_column(sa.String(8))  # zh (the centre's text) | en (its translation)
    text: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    bidder: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()


class PublicReport(db.Model):
    """举报: anyone's report of suspected wrongdoing about a lot or a party, sent without logging in. The reporter
    follows it with a random token (only its SHA-256 is kept) and reads the acknowledgement number; the supervisor
    accepts or declines it with a reason, assigns it and records the outcome, which the reporter sees."""

    __tablename__ = "public_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)  # JB2026-000123, set once the id is known
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    category: Mapped[str] = mapped_column(sa.String(24))
    lot_text: Mapped[str] = mapped_column(sa.String(200), default="")  # the deal code or name as typed
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lot.id"), index=True)  # the deal code matched
    party: Mapped[str] = mapped_column(sa.String(200), default="")  # the organisation or person reported
    text: Mapped[str] = mapped_column(sa.Text)
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    accept_due: Mapped[datetime] = mapped_column(UTCDateTime())  # the centre's setting report.acceptance
    status: Mapped[str] = mapped_column(sa.String(16), default="received")  # received|accepted|declined|concluded
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # why declined (shown to the reporter) or the note
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    outcome: Mapped[str] = mapped_column(sa.Text, default="")  # the published outcome (shown to the reporter)
    concluded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
