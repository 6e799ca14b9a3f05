"""The outbox (发件箱): every SMS or e-mail the platform is to send, kept with its address, text, when it was queued
and sent, and what the gateway answered (``services.outbox``, ``trading/notify/messages.py``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class OutboxMessage(db.Model):
    """One message to one address, written in the transaction of the change it tells of and sent afterwards by a
    background job (or the clock step, if the job did not run). ``key`` names what it tells (``report:12:accepted``)
    so the same notice is never queued twice."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    object_type: Mapped[str] = mapped_column(sa.String(32))  # what it is about: public_report
    object_id: Mapped[str] = mapped_column(sa.String(40))
    channel: Mapped[str] = mapped_column(sa.String(8))  # sms | email
    address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="queued", index=True)  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    tried_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the last attempt
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when the gateway accepted it
    gateway: Mapped[str] = mapped_column(sa.String(32), default="")
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # the gateway's answer: ok, reference, detail
