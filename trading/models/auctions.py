"""A land (or property) lot traded live: its paddle numbers (竞买号), every offer accepted or refused in one per-lot
sequence, and the state of its listing and bidding with the sealed reserve price (``domain.auction``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain import audit as chain
from ..domain.auction import CONTRACT_LAPSED, contract_last_day
from ..extensions import db
from .accounts import Organisation
from .types import Money, UTCDateTime


class Paddle(db.Model):
    """竞买号: issued to a qualified registration (deposit in full before the application deadline)."""

    __tablename__ = "paddle"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id"), unique=True)
    bidder_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    number: Mapped[str] = mapped_column(sa.String(8))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # confirmed it joins the online bidding

    bidder: Mapped[Organisation] = relationship()

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", "number", name="uq_paddle_lot_round_number"),
                      sa.UniqueConstraint("lot_id", "round", "bidder_id", name="uq_paddle_lot_round_bidder"))


class Offer(db.Model):
    """报价单: one offer in the lot's per-lot sequence, accepted or refused with the reason and rule."""

    __tablename__ = "offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column()
    paddle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("paddle.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    phase: Mapped[str] = mapped_column(sa.String(8))  # listing | bidding
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted: Mapped[bool] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    rule: Mapped[str | None] = mapped_column(sa.String(64))

    paddle: Mapped[Paddle | None] = relationship(lazy="joined")

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", "seq", name="uq_offer_lot_round_seq"),)


class Auction(db.Model):
    """The live trade of one round of a lot: its phase, the countdown, the sealed reserve and the decision."""

    __tablename__ = "auction"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"))
    round: Mapped[int] = mapped_column()
    # land: listing -> confirming (window to join) -> bidding -> awaiting_reserve -> decided
    # property: listing (disclosure) -> qualifying (applications still undecided) -> agreement | bidding -> decided
    phase: Mapped[str] = mapped_column(sa.String(20), default="listing", index=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    countdown_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    bidding_start: Mapped[datetime | None] = mapped_column(UTCDateTime())  # property: when its online bidding opens
    reserve_commitment: Mapped[str | None] = mapped_column(sa.String(64))
    reserve_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reserve_set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reserve: Mapped[Decimal | None] = mapped_column(Money())  # revealed after the end
    reserve_revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(sa.String(16))  # deal | no_offer | below_reserve | no_bidder | void
    rule: Mapped[str | None] = mapped_column(sa.String(64))
    winner_paddle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("paddle.id"))
    price: Mapped[Decimal | None] = mapped_column(Money())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmation: Mapped[dict | None] = mapped_column(sa.JSON)  # 成交确认书: fields, text and the platform's signature
    # land: the land contract (出让合同) is due by ``contract_due`` (land.contract_deadline); a winner who refuses, or
    # lets it pass, voids the deal (outcome "void", land.contract_refused) with the reason every party reads
    contract_due: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str | None] = mapped_column(sa.Text)

    winner: Mapped[Paddle | None] = relationship(foreign_keys=[winner_paddle_id])

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", name="uq_auction_lot_round"),)

    @property
    def void_message(self) -> dict | str | None:
        """Why the deal is void, for the ``reason`` filter: the clock step's lapse as a recorded message (the last day
        in its parameters, so each reader sees it in their language), the reason staff typed as typed."""
        if self.void_reason == CONTRACT_LAPSED and self.contract_due is not None:
            return chain.message(CONTRACT_LAPSED, day=contract_last_day(self.contract_due).isoformat())
        return self.void_reason


class Qualification(db.Model):
    """意向受让方资格确认: the centre's decision on an intending buyer of a property lot (signed up, deposit in full):
    qualified (its paddle number issued) or refused with the reason (its deposit refunded)."""

    __tablename__ = "qualification"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id"), unique=True)
    bidder_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    decision: Mapped[str] = mapped_column(sa.String(16))  # qualified | refused
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())

    bidder: Mapped[Organisation] = relationship()


class TransferContract(db.Model):
    """产权交易合同 (or 租赁合同 for a collective lease): registered after the result publicity, with its payment
    terms (``terms``: payment, upfront, first_due, balance, balance_due, guarantee, interest_rate; or the lease's
    start, end and rent); or a land lot's 国有建设用地使用权出让合同 (payment ``land_grant``; ``terms``: the deposit
    applied to the price and the bank serial of its transfer to the land authority)."""

    __tablename__ = "transfer_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    number: Mapped[str] = mapped_column(sa.String(100))
    signed_on: Mapped[date] = mapped_column(sa.Date)
    price: Mapped[Decimal] = mapped_column(Money())
    payment: Mapped[str] = mapped_column(sa.String(16))  # lump_sum | instalments | annual_rent | land_grant
    terms: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    buyer: Mapped[Organisation] = relationship()

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", name="uq_transfer_contract_lot_round"),)


class LandInstalment(db.Model):
    """One instalment of a land contract's payment schedule (出让价款缴纳计划): its amount and the last day to pay it
    (``domain.land_payments``: at least 50% within one month of the contract, the rest within a year)."""

    __tablename__ = "land_instalment"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer_contract.id"), index=True)
    seq: Mapped[int] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(Money())
    due_on: Mapped[date] = mapped_column(sa.Date)
    # the credit event staff recorded against the buyer for paying it late (once per instalment)
    credit_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_event.id"))

    __table_args__ = (sa.UniqueConstraint("contract_id", "seq", name="uq_land_instalment_contract_seq"),)


class ContractPayment(db.Model):
    """Money received towards the price of a land or property contract (``services.contract_payments``), in one
    table for both: the buyer's deposit applied to the price (``deposit``), a payment through the simulated bank into
    the contract's collection sub-account (``bank``, with its bank transfer and the paying account), or, for a
    property contract alone, a payment settled outside the centre that its staff recorded (``outside``: 32号令
    第二十七条, with the approving body's written opinion and the buyer's payment voucher)."""

    __tablename__ = "contract_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer_contract.id"), index=True)
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bank_transfer.id"), unique=True)
    source: Mapped[str] = mapped_column(sa.String(16))  # deposit | bank | outside
    payer_account: Mapped[str | None] = mapped_column(sa.String(32))
    amount: Mapped[Decimal] = mapped_column(Money())
    at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the money arrived (outside: the start of its day)
    reference: Mapped[str | None] = mapped_column(sa.String(100))  # outside: the payment voucher's bank serial
    approval: Mapped[str | None] = mapped_column(sa.String(200))  # outside: the written opinion allowing it
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    transfer = relationship("BankTransfer")


class PreDisclosure(db.Model):
    """信息预披露: a state property transfer's public pre-disclosure before its formal disclosure (32号令 第十三条),
    published by the transferor once per lot; the formal disclosure may begin from ``formal_from`` on."""

    __tablename__ = "pre_disclosure"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), unique=True)
    round: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text)
    published_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    formal_from: Mapped[datetime] = mapped_column(UTCDateTime())

    lot = relationship("Lot")
