"""The one expert pool (评标专家库统一) and the random draws of experts for lots (专家抽取)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Organisation, User
from .types import UTCDateTime


class Expert(db.Model):
    """An evaluation expert (评标专家) of the pool, with specialties, employer and status."""

    __tablename__ = "expert"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    id_number: Mapped[str] = mapped_column(sa.String(18), unique=True)  # shown masked
    mobile: Mapped[str] = mapped_column(sa.String(11))
    title: Mapped[str] = mapped_column(sa.String(50))
    years: Mapped[int] = mapped_column()
    region_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    employer_name: Mapped[str] = mapped_column(sa.String(200), default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="active", index=True)  # active|suspended|removed
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    last_drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    draws: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    declines: Mapped[int] = mapped_column(default=0)
    no_answers: Mapped[int] = mapped_column(default=0)
    rating_sum: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    employer: Mapped[Organisation | None] = relationship()
    user: Mapped[User | None] = relationship()
    specialty_rows: Mapped[list[ExpertSpecialty]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                                 order_by="ExpertSpecialty.code")
    relatives: Mapped[list[ExpertRelative]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    ties: Mapped[list[ExpertTie]] = relationship(cascade="all, delete-orphan", order_by="ExpertTie.id")
    penalties: Mapped[list[ExpertPenalty]] = relationship(cascade="all, delete-orphan", order_by="ExpertPenalty.id")

    @property
    def specialties(self) -> list[str]:
        """The expert's specialty codes."""
        return [row.code for row in self.specialty_rows]


class ExpertSpecialty(db.Model):
    """One specialty an expert may evaluate."""

    __tablename__ = "expert_specialty"

    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("expert.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True, index=True)


class ExpertRelative(db.Model):
    """A declared close relative among the principals of an organisation (a recusal reason)."""

    __tablename__ = "expert_relative"

    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("expert.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), primary_key=True)
    relation: Mapped[str] = mapped_column(sa.String(100), default="")


class ExpertTie(db.Model):
    """A past or present tie of an expert to an organisation: worked for it, sat on its board or controlled it
    (政府采购法实施条例 第九条: recused from that supplier's procurement for the years after the tie ended)."""

    __tablename__ = "expert_tie"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    relation: Mapped[str] = mapped_column(sa.String(16))  # employee | director | controller
    ended_on: Mapped[date | None] = mapped_column(sa.Date)  # None: the tie still holds


class ExpertPenalty(db.Model):
    """An administrative or criminal penalty an expert received for unlawful conduct in tendering or evaluation
    (评标委员会和评标方法暂行规定 第十二条: never drawn again)."""

    __tablename__ = "expert_penalty"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    decided_on: Mapped[date] = mapped_column(sa.Date)
    authority: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BeaconPulse(db.Model):
    """One pulse of the simulated public randomness beacon: hash-chained and signed."""

    __tablename__ = "beacon_pulse"

    round: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    time: Mapped[datetime] = mapped_column(UTCDateTime())
    output: Mapped[bytes] = mapped_column(sa.LargeBinary(64))
    prev_output: Mapped[bytes] = mapped_column(sa.LargeBinary(64))
    signature: Mapped[bytes] = mapped_column(sa.LargeBinary(64))
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


class Draw(db.Model):
    """专家抽取 for one round of a lot: the frozen inputs, the commitment, the beacon round, the ranking,
    the calls and, after the award, the revealed secret."""

    __tablename__ = "draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    round: Mapped[int] = mapped_column()
    number: Mapped[int] = mapped_column()  # 1 for the first draw of the round; a second needs a reason
    status: Mapped[str] = mapped_column(sa.String(16), default="committed")  # committed|calling|complete|cancelled
    request: Mapped[dict] = mapped_column(sa.JSON)
    evaluation_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(sa.String(200))
    snapshot: Mapped[dict] = mapped_column(sa.JSON)  # eligible expert ids per specialty
    exclusions: Mapped[list] = mapped_column(sa.JSON)
    inputs_hash: Mapped[str] = mapped_column(sa.String(64))
    secret_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)  # AES-GCM under the at-rest key until revealed
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    commitment_hash: Mapped[str] = mapped_column(sa.String(64))
    beacon_round: Mapped[int] = mapped_column(sa.BigInteger)
    ranking: Mapped[dict | None] = mapped_column(sa.JSON)
    revealed_secret: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # why a second draw was made (supervisor)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    calls: Mapped[list[DrawCall]] = relationship(back_populates="draw", order_by="DrawCall.seq")


class DrawCall(db.Model):
    """One automated voice call of a draw, in order, with its outcome."""

    __tablename__ = "draw_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(sa.ForeignKey("draw.id"), index=True)
    seq: Mapped[int] = mapped_column()
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("expert.id"), index=True)
    specialty: Mapped[str] = mapped_column(sa.String(16))
    call_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(sa.String(16))  # accepted|declined|no_answer|conflict
    keys: Mapped[str] = mapped_column(sa.String(32), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    gateway_state: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # the keypad gateway's per-call state
    signature: Mapped[bytes | None] = mapped_column(sa.LargeBinary(64))  # the gateway's Ed25519 signature

    draw: Mapped[Draw] = relationship(back_populates="calls")
    expert: Mapped[Expert] = relationship()

    __table_args__ = (sa.UniqueConstraint("draw_id", "seq", name="uq_draw_call_draw_seq"),)
