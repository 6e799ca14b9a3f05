"""The administrator's rule settings: each change of a rule's number on the rules page, with its reason."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .types import UTCDateTime


class RuleSetting(db.Model):
    """One setting of a rule's number by the administrator; the newest per rule is in force for lots announced
    after it (``services.rulebook``). Rows are never changed or deleted: the list is the history."""

    __tablename__ = "rule_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    value: Mapped[str] = mapped_column(sa.String(40))  # as RuleSet.from_overrides reads it: "25", "1.5", "3/4"
    reason: Mapped[str] = mapped_column(sa.Text)
    set_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())

    set_by: Mapped[User] = relationship()
