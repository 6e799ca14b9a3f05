"""The online opening (开标): released shares, the opening record (开标记录/唱标) and objections raised during it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain import audit as chain
from ..extensions import db
from .accounts import Organisation
from .projects import BidderObjection
from .types import Money, UTCDateTime


class ReleasedShare(db.Model):
    """A key holder's share, released on the opening page after the deadline (kept sealed under the at-rest key
    for the committee's documents; wiped when the archive is signed)."""

    __tablename__ = "released_share"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_share_id: Mapped[int] = mapped_column(sa.ForeignKey("key_share.id"), unique=True)
    released_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    released_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)


class OpeningEntry(db.Model):
    """One line of the opening record: a bid opened (price form read) or not (revoked / deemed withdrawn).

    ``price`` is the bid price in yuan, parsed once at the opening from the price form; ``price_text`` keeps the
    price as read from the bid, for the record. Everything after the opening (evaluation, award, statistics)
    reads ``price``."""

    __tablename__ = "opening_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"), unique=True)
    bidder_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    position: Mapped[int] = mapped_column()
    # opened | revoked (bidder's fault) | withdrawn (platform's) | held (the row does not match its receipt and
    # audited submission: suspected tampering, not opened)
    status: Mapped[str] = mapped_column(sa.String(16))
    price: Mapped[Decimal | None] = mapped_column(Money())
    price_text: Mapped[str | None] = mapped_column(sa.String(30))
    duration: Mapped[str | None] = mapped_column(sa.String(100))
    fields: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # [{name, size, ciphertext_hash[, salted_hash]}] (sealing.opener.record_of; rows before format v3: no
    # ciphertext_hash)
    files: Mapped[list] = mapped_column(sa.JSON, default=list)
    # why it was not opened: a message id (English, marked N_) and its parameters, shown in the reader's language
    # (rows written before 0024 hold the English text, shown as stored)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    reason_params: Mapped[dict | None] = mapped_column(sa.JSON)
    rule: Mapped[str | None] = mapped_column(sa.String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())

    bidder: Mapped[Organisation] = relationship()

    @property
    def reason_message(self) -> dict | None:
        """The reason as a recorded message (``domain.audit.message``), for the ``reason`` filter and the audit."""
        return chain.message(self.reason, **(self.reason_params or {})) if self.reason else None


class OpeningObjection(BidderObjection, db.Model):
    """异议 raised by a bidder during the opening and answered by staff on the record."""

    __tablename__ = "opening_objection"
