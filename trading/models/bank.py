"""The simulated settlement bank (accounts, transfers) and the platform's deposits matched against it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Organisation
from .types import Money, UTCDateTime


class BankAccount(db.Model):
    """An account at the simulated bank: an organisation's own account, the centre's settlement account,
    a virtual sub-account (虚拟子账号) of one (lot, round, bidder), or the bank's own interest account."""

    __tablename__ = "bank_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(16), index=True)  # own | settlement | virtual | bank
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bank_account.id"))
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int | None] = mapped_column()
    balance: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship()


class BankTransfer(db.Model):
    """One movement of money between two accounts of the simulated bank (流水)."""

    __tablename__ = "bank_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(sa.String(32), unique=True)
    from_account_id: Mapped[int] = mapped_column(sa.ForeignKey("bank_account.id"), index=True)
    to_account_id: Mapped[int] = mapped_column(sa.ForeignKey("bank_account.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(sa.String(16))  # payment | refund | interest | price | forfeit
    memo: Mapped[str] = mapped_column(sa.String(200), default="")

    from_account: Mapped[BankAccount] = relationship(foreign_keys=[from_account_id])
    to_account: Mapped[BankAccount] = relationship(foreign_keys=[to_account_id])


class Deposit(db.Model):
    """投标保证金 of one bidder for one round of a lot: what is required, what arrived from which accounts,
    and its refund."""

    __tablename__ = "deposit"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    bidder_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    sub_account_id: Mapped[int] = mapped_column(sa.ForeignKey("bank_account.id"), unique=True)
    required: Mapped[Decimal] = mapped_column(Money())
    received: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    late: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))  # arrived after the deadline, sent back
    status: Mapped[str] = mapped_column(sa.String(16), default="awaiting")  # awaiting|short|paid|refunded|applied
    # |forfeited (a land winner that did not sign the land contract)|refund_due (a land refund ordered, not yet made)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refund_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refund_rule: Mapped[str | None] = mapped_column(sa.String(64))
    interest: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    refund_late: Mapped[bool] = mapped_column(default=False)
    late_interest: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))  # procurement: overdue charge
    interest_working: Mapped[dict | None] = mapped_column(sa.JSON)  # how interest and the overdue charge were reckoned

    sub_account: Mapped[BankAccount] = relationship()
    bidder: Mapped[Organisation] = relationship()
    payments: Mapped[list[DepositPayment]] = relationship(back_populates="deposit", order_by="DepositPayment.id")

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", "bidder_id", name="uq_deposit_lot_round_bidder"),)


class DepositPayment(db.Model):
    """One payment notification matched to a deposit, with the account it came from."""

    __tablename__ = "deposit_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    deposit_id: Mapped[int] = mapped_column(sa.ForeignKey("deposit.id"), index=True)
    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("bank_transfer.id"), unique=True)
    payer_account: Mapped[str] = mapped_column(sa.String(32), index=True)
    payer_name: Mapped[str] = mapped_column(sa.String(200))
    amount: Mapped[Decimal] = mapped_column(Money())
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(sa.String(16))  # counted | excess | late | returned

    deposit: Mapped[Deposit] = relationship(back_populates="payments")
