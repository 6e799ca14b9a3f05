"""Projects, their lots, and what stages 1–3 record about a lot (filing, certificate, method, announcement,
clarifications, objections, sign-ups, cancellation). Everything that belongs to one round of a lot carries
``round`` so that a re-trade keeps the history of the rounds before it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..extensions import db
from .accounts import Organisation, User
from .types import Money, UTCDateTime


class Project(db.Model):
    """What was approved (立项批文) and is traded in one or more lots."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    trade_type: Mapped[str] = mapped_column(sa.String(16), index=True)
    region_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    approval_number: Mapped[str] = mapped_column(sa.String(100))
    approving_body: Mapped[str] = mapped_column(sa.String(200))
    approval_date: Mapped[date] = mapped_column(sa.Date)
    funding_source: Mapped[str] = mapped_column(sa.String(200))
    state_funded: Mapped[bool] = mapped_column(default=False)
    tenderee_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    contact_name: Mapped[str] = mapped_column(sa.String(50), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(30), default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    tenderee: Mapped[Organisation] = relationship(foreign_keys=[tenderee_id])
    agency: Mapped[Organisation | None] = relationship(foreign_keys=[agency_id])
    lots: Mapped[list[Lot]] = relationship(back_populates="project", order_by="Lot.number")

    def party_ids(self) -> set[int]:
        """The organisations that act for the tenderee: the tenderee and its agency."""
        return {self.tenderee_id} | ({self.agency_id} if self.agency_id else set())


class Lot(db.Model):
    """The unit that is traded (标段/包/宗地/标的), with its own lifecycle state and timetable."""

    __tablename__ = "lot"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id"), index=True)
    number: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(200))
    round: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(sa.String(24), index=True, default="draft")
    previous_state: Mapped[str | None] = mapped_column(sa.String(24))
    category: Mapped[str | None] = mapped_column(sa.String(16))
    method: Mapped[str | None] = mapped_column(sa.String(24))
    budget: Mapped[Decimal | None] = mapped_column(Money())
    starting_price: Mapped[Decimal | None] = mapped_column(Money())
    deposit: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    increment: Mapped[Decimal | None] = mapped_column(Money())
    evaluation_method: Mapped[str | None] = mapped_column(sa.String(24))
    criteria: Mapped[list] = mapped_column(sa.JSON, default=list)
    land_details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    location: Mapped[str] = mapped_column(sa.String(200), default="")  # site, place of delivery, seat of the company
    scope: Mapped[str] = mapped_column(sa.Text, default="")  # 招标范围 / 采购需求 / 转让标的
    duration: Mapped[str] = mapped_column(sa.String(100), default="")  # 工期 / 合同履行期限
    qualification: Mapped[str] = mapped_column(sa.Text, default="")  # 资质要求 / 资格条件
    complex: Mapped[bool] = mapped_column(default=False)  # procurement marked technically complex (87号令 Art. 47)
    complex_reason: Mapped[str] = mapped_column(sa.Text, default="")  # why, in the tenderee's words
    deal_code: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    key_threshold: Mapped[int] = mapped_column(default=2)  # k of the opening key's k-of-n shares
    # the rule numbers in force when the lot was announced, where they differ from the law's table ({id: "25"});
    # None before its first announcement (services.rulebook.of_lot)
    rule_values: Mapped[dict | None] = mapped_column(sa.JSON)
    valuation: Mapped[Decimal | None] = mapped_column(Money())  # property: the approved valuation (评估值)
    # property: payment (lump_sum | instalments, upfront_percent, balance_months), result publicity (working days)
    # and the written approval of a relisting price below 90% of the valuation
    property_terms: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # property: when the first formal disclosure under the current valuation began (32号令 第十九条 counts 12 months
    # from it; a new valuation restarts the count)
    first_disclosure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    documents_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    clarification_cutoff: Mapped[datetime | None] = mapped_column(UTCDateTime())
    objection_cutoff: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bid_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    opening_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    listing_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    listing_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    auction_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publicity_end: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    project: Mapped[Project] = relationship(back_populates="lots")
    specialties: Mapped[list[LotSpecialty]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                           order_by="LotSpecialty.code")

    __table_args__ = (sa.UniqueConstraint("project_id", "number", name="uq_lot_project_number"),)

    def deadlines(self) -> dict[str, datetime | None]:
        """The lot's deadlines by the names the lifecycle's time conditions use."""
        return {"bid_deadline": self.bid_deadline, "listing_start": self.listing_start,
                "listing_end": self.listing_end, "auction_start": self.auction_start,
                "publicity_end": self.publicity_end}


class LotSpecialty(db.Model):
    """How many experts of one specialty the lot's evaluation needs."""

    __tablename__ = "lot_specialty"

    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    count: Mapped[int] = mapped_column()


class Attachment(db.Model):
    """A file filed with a lot (立项批文, 资金证明, ...), kept in the blob store."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.String(32))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    blob_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Filing(db.Model):
    """One submission of the trading conditions (交易条件备案) and the staff's review of it."""

    __tablename__ = "filing"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    filed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16), default="filed")  # filed | returned | certified
    reasons: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])


class EntryCertificate(db.Model):
    """进场交易证明书: issued once per round of a lot, carrying its deal code."""

    __tablename__ = "entry_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"))
    round: Mapped[int] = mapped_column()
    deal_code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())

    issued_by: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", name="uq_entry_certificate_lot_round"),)


class DealCodeCounter(db.Model):
    """The last sequence number given out per region, year and trade type."""

    __tablename__ = "deal_code_counter"

    region_code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    trade_type: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class SupervisorRequest:
    """A request about one round of a lot that the supervisor approves or rejects with reasons."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")  # pending | approved | rejected
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @declared_attr
    def requested_by(cls) -> Mapped[User]:  # noqa: N805 - SQLAlchemy passes the class
        return relationship(foreign_keys=[cls.requested_by_id])

    @declared_attr
    def decided_by(cls) -> Mapped[User | None]:  # noqa: N805
        return relationship(foreign_keys=[cls.decided_by_id])


class MethodApproval(SupervisorRequest, db.Model):
    """交易方式核准: the tenderee asks for a method, the supervisor approves or rejects it with reasons."""

    __tablename__ = "method_approval"

    method: Mapped[str] = mapped_column(sa.String(24))
    justification: Mapped[str] = mapped_column(sa.Text, default="")
    invitees: Mapped[list] = mapped_column(sa.JSON, default=list)  # organisation ids: invited tender, single source


class Announcement(db.Model):
    """The published announcement and documents of one round, rendered from the standard template."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"))
    round: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text)
    documents_title: Mapped[str] = mapped_column(sa.String(300))
    documents_text: Mapped[str] = mapped_column(sa.Text)
    published_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    lot: Mapped[Lot] = relationship()

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", name="uq_announcement_lot_round"),)


class Clarification(db.Model):
    """澄清/修改: sent to every signed-up bidder; may move the deadline."""

    __tablename__ = "clarification"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    number: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(sa.Text)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deadline_after: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BidderObjection:
    """An objection (异议) a bidder raises about one round of a lot, and its answer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    bidder_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    raised_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @declared_attr
    def bidder(cls) -> Mapped[Organisation]:  # noqa: N805 - SQLAlchemy passes the class
        return relationship(foreign_keys=[cls.bidder_id])


class Objection(BidderObjection, db.Model):
    """异议 to the documents: raised by a signed-up bidder, answered by the tenderee within the legal days."""

    __tablename__ = "objection"

    answer_due: Mapped[datetime] = mapped_column(UTCDateTime())


class Registration(db.Model):
    """报名: a bidder organisation signed up for one round of a lot."""

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    bidder_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # where the sign-up came from, for the collusion screens (as a download's): the address and the device fingerprint
    address: Mapped[str | None] = mapped_column(sa.String(64))
    fingerprint: Mapped[str | None] = mapped_column(sa.String(128))

    bidder: Mapped[Organisation] = relationship()

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", "bidder_id", name="uq_registration_lot_round_bidder"),)


class DocumentDownload(db.Model):
    """One download of the documents: when, from which address and device (for collusion screens)."""

    __tablename__ = "document_download"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    address: Mapped[str] = mapped_column(sa.String(64), default="")
    fingerprint: Mapped[str] = mapped_column(sa.String(128), default="", index=True)
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")


class Cancellation(SupervisorRequest, db.Model):
    """A tenderee's request to cancel a lot (终止), decided by the supervisor with a reason."""

    __tablename__ = "cancellation"

    reason: Mapped[str] = mapped_column(sa.Text)
