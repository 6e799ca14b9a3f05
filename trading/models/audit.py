"""The hash-chained audit log (操作日志) and its head pointer."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.audit import EntryContent, StoredEntry
from ..extensions import db
from .types import UTCDateTime


class AuditEntry(db.Model):
    """One link of the audit chain; written only through ``services.audit.record``."""

    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    rule: Mapped[str | None] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    __table_args__ = (sa.Index("ix_audit_entry_object", "object_type", "object_id"),)

    def content(self) -> EntryContent:
        """The hashed content of this row."""
        return EntryContent(self.at, self.actor_id, self.actor_label, self.action, self.object_type,
                            self.object_id, self.rule, self.payload)

    def stored(self) -> StoredEntry:
        """This row in the form the chain verifier reads."""
        return StoredEntry(self.seq, self.content(), self.prev_hash, self.hash)


class AuditHead(db.Model):
    """One row: the last sequence number and hash. Updating it serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(sa.String(64))
