"""Early warnings (预警) as stored rows and the correction orders (整改通知) that follow them: see
``services.corrections``."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class EarlyWarning(db.Model):
    """One early warning as the clock step (or the supervisor taking it up) raised it: the act overdue or done late,
    the rule, the inputs it was reckoned from, the threshold that tripped and the legal basis; then the supervisor's
    decision (dismissed with a reason, or a correction ordered, closed or escalated)."""

    __tablename__ = "early_warning"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)  # kind and ids (domain.monitoring.Due.key)
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lot.id"), index=True)  # None: a public report's
    kind: Mapped[str] = mapped_column(sa.String(32))
    rule: Mapped[str] = mapped_column(sa.String(64))
    message: Mapped[str] = mapped_column(sa.Text)  # the English message id, shown translated with ``params``
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    inputs: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # start, due, done_at and the ids reckoned from
    threshold: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # the rule's number and unit in force for the lot
    basis: Mapped[str] = mapped_column(sa.String(300), default="")  # the rule's legal source
    since: Mapped[datetime] = mapped_column(UTCDateTime())  # when the act fell due
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")  # open|dismissed|ordered|closed|escalated
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # why it was dismissed


class CorrectionOrder(db.Model):
    """整改通知: the supervisor's order to the tenderee, its agency or the centre to correct what a warning found,
    by a deadline; answered with evidence (text and an optional file in the blob store); closed or escalated."""

    __tablename__ = "correction_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(sa.ForeignKey("early_warning.id"), index=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    addressee: Mapped[str] = mapped_column(sa.String(16))  # tenderee | agency | centre
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16), default="open")  # open | answered | closed | escalated
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    evidence_name: Mapped[str] = mapped_column(sa.String(200), default="")
    evidence_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    evidence_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(sa.Text, default="")  # the supervisor's note on closing or escalating


class ScreenSignal(db.Model):
    """One collusion screen's signal on a lot's round, stored once when the screens ran (at the opening, or when the
    supervisor opened the lot's screens page): the screen, its rule and legal basis, the bidders it names, its
    inputs, its working and the threshold that tripped; then the supervisor's decision (dismissed with a reason, or
    referred, perhaps with a collusion finding recorded as a credit event of each bidder it names)."""

    __tablename__ = "screen_signal"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)  # lot, round, screen, bidders and inputs, hashed
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    screen: Mapped[str] = mapped_column(sa.String(32))
    rule: Mapped[str] = mapped_column(sa.String(64))
    bidders: Mapped[list] = mapped_column(sa.JSON, default=list)
    inputs: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    working: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    threshold: Mapped[str] = mapped_column(sa.String(200), default="")
    basis: Mapped[str] = mapped_column(sa.String(300), default="")  # the rule's legal source
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16), default="open")  # open | dismissed | referred
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # why dismissed, or what the referral says
    credit_events: Mapped[list] = mapped_column(sa.JSON, default=list)  # ids of the credit events a referral made
