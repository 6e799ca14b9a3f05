"""The stored state of the simulated clock."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ClockSetting(db.Model):
    """One row: how far the simulated clock is ahead of real UTC, in microseconds."""

    __tablename__ = "clock_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    offset_us: Mapped[int] = mapped_column(sa.BigInteger, default=0)
