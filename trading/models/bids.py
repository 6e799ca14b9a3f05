"""Sealed bids and the keys around them: bidder certificates, key holders' keys, each lot's opening key and
its shares, the bids (envelopes in the blob store) and the upload guard."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Organisation, User
from .types import UTCDateTime


class BidderCertificate(db.Model):
    """An Ed25519 signing certificate issued by the platform's CA to a bidder organisation."""

    __tablename__ = "bidder_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    serial: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    certificate_pem: Mapped[str] = mapped_column(sa.Text)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revoke_reason: Mapped[str] = mapped_column(sa.Text, default="")

    organisation: Mapped[Organisation] = relationship()


class HolderKey(db.Model):
    """A key holder's personal X25519 key: its public half, and for a server-kept key the private half wrapped
    under the key-holder passphrase (Argon2id). It can hold shares only once a supervisor has approved it.

    ``mode``: ``own`` (the private key stays on the holder's computer; nothing secret here), ``server``
    (Argon2id-wrapped, ``argon2_*`` its cost) or ``legacy`` (format 1, scrypt under the login password; never
    chosen for new lots). ``status``: ``pending`` until approved, ``active`` once approved, ``legacy``.
    ``approved_roles`` are the owner's roles at approval: a change of roles makes the key unusable again."""

    __tablename__ = "holder_key"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    version: Mapped[int] = mapped_column()
    mode: Mapped[str] = mapped_column(sa.String(8), default="legacy")
    status: Mapped[str] = mapped_column(sa.String(8), default="legacy")
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    fingerprint: Mapped[str | None] = mapped_column(sa.String(48))
    encrypted_private_key: Mapped[bytes | None] = mapped_column(sa.LargeBinary(64))
    salt: Mapped[bytes | None] = mapped_column(sa.LargeBinary(32))
    nonce: Mapped[bytes | None] = mapped_column(sa.LargeBinary(16))
    scrypt_n: Mapped[int | None] = mapped_column()
    scrypt_r: Mapped[int | None] = mapped_column()
    scrypt_p: Mapped[int | None] = mapped_column()
    argon2_time_cost: Mapped[int | None] = mapped_column()
    argon2_memory_kib: Mapped[int | None] = mapped_column()
    argon2_parallelism: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rewrapped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_roles: Mapped[str | None] = mapped_column(sa.String(120))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])


class HolderChange(db.Model):
    """A request to replace one key holder of a lot's round: staff ask with a reason, a supervisor other than the
    requester decides. ``outcome`` once approved: ``rerun`` (no bid yet: a new ceremony) or ``revoked`` (the old
    holder's share revoked)."""

    __tablename__ = "holder_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    role: Mapped[str] = mapped_column(sa.String(16))
    old_holder_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    new_holder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(10))  # pending, approved, rejected
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(sa.String(10))

    old_holder: Mapped[User] = relationship(foreign_keys=[old_holder_id])
    new_holder: Mapped[User | None] = relationship(foreign_keys=[new_holder_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])


class OpeningKey(db.Model):
    """开标密钥 of one round of a lot: its public key; the secret exists only as sealed shares."""

    __tablename__ = "opening_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"))
    round: Mapped[int] = mapped_column()
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    fingerprint: Mapped[str] = mapped_column(sa.String(48))
    k: Mapped[int] = mapped_column()
    n: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    shares: Mapped[list[KeyShare]] = relationship(back_populates="opening_key", order_by="KeyShare.index")

    __table_args__ = (sa.UniqueConstraint("lot_id", "round", name="uq_opening_key_lot_round"),)


class KeyShare(db.Model):
    """密钥分片: one holder's Shamir share of the opening secret, sealed to the holder's personal key."""

    __tablename__ = "key_share"

    id: Mapped[int] = mapped_column(primary_key=True)
    opening_key_id: Mapped[int] = mapped_column(sa.ForeignKey("opening_key.id"), index=True)
    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    index: Mapped[int] = mapped_column()
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    share_hash: Mapped[str] = mapped_column(sa.String(64))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # replaced holder: never released or counted

    opening_key: Mapped[OpeningKey] = relationship(back_populates="shares")
    holder: Mapped[User] = relationship()


class Bid(db.Model):
    """One sealed bid (加密投标文件) as received; a resubmission or a withdrawal marks it withdrawn and deletes its
    envelope (``blob_key`` then empty; the receipts, manifest hash and size stay)."""

    __tablename__ = "bid"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    bidder_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default="submitted")  # submitted | withdrawn
    blob_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    manifest_hash: Mapped[str] = mapped_column(sa.String(64))
    certificate_serial: Mapped[int] = mapped_column(sa.BigInteger)
    sealed_by: Mapped[str] = mapped_column(sa.String(16), default="bidder")  # bidder | platform
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    receipt: Mapped[dict] = mapped_column(sa.JSON)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdraw_receipt: Mapped[dict | None] = mapped_column(sa.JSON)
    address: Mapped[str] = mapped_column(sa.String(64), default="")

    bidder: Mapped[Organisation] = relationship()

    # One standing bid per bidder and round, whatever the application does: two uploads racing past the upload
    # guard would fail here rather than leave two.
    __table_args__ = (sa.Index("uq_bid_standing", "lot_id", "round", "bidder_id", unique=True,
                               sqlite_where=sa.text("status = 'submitted'"),
                               postgresql_where=sa.text("status = 'submitted'")),)
