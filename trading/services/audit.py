"""Appending to and verifying the hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from .. import live
from ..domain import audit as chain, visibility
from ..models import AuditEntry, AuditHead

SYSTEM_LABEL = "system"


def actor_label(actor) -> str:
    """How an actor is named in the log: ``username`` or ``system`` (or a given label)."""
    if actor is None:
        return SYSTEM_LABEL
    if isinstance(actor, str):
        return actor
    return actor.username


def record(session, actor, now: datetime, action: str, *, object_type: str | None = None,
           object_id=None, rule: str | None = None, payload: dict | None = None) -> AuditEntry:
    """Append one entry to the chain (flushes; the caller commits with its own change)."""
    head = session.execute(
        sa.update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1)
        .values(seq=AuditHead.__table__.c.seq + 1)
        .returning(AuditHead.__table__.c.seq, AuditHead.__table__.c.hash)
    ).one_or_none()
    if head is None:
        session.add(AuditHead(id=1, seq=1, hash=chain.GENESIS_HASH))
        session.flush()
        seq, prev_hash = 1, chain.GENESIS_HASH
    else:
        seq, prev_hash = head.seq, head.hash
    content = chain.EntryContent(
        at=now, actor_id=getattr(actor, "id", None), actor_label=actor_label(actor), action=action,
        object_type=object_type, object_id=None if object_id is None else str(object_id), rule=rule,
        payload=chain.clean_payload(payload),
    )
    digest = chain.entry_hash(content, prev_hash)
    session.execute(sa.update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1).values(hash=digest))
    entry = AuditEntry(seq=seq, at=now, actor_id=content.actor_id, actor_label=content.actor_label,
                       action=action, object_type=object_type, object_id=content.object_id, rule=rule,
                       payload=content.payload, prev_hash=prev_hash, hash=digest)
    session.add(entry)
    session.flush()
    if object_type == "lot" and object_id is not None and tells_supervisor(action, actor):
        live.lot_changed(session, object_id)
    return entry


def tells_supervisor(action: str, actor) -> bool:
    """Whether an entry about a lot goes out on the supervisor's live channel as it happens: not a bidder's act,
    nor one revealing sign-ups, deposits or a draw's pool (those the supervisor reads once the policy allows)."""
    hidden = visibility.fact_of_action(action) in (visibility.Fact.BIDDERS, visibility.Fact.DEPOSITS,
                                                   visibility.Fact.DRAW_POOL)
    return not hidden and not (hasattr(actor, "has_role") and actor.has_role("bidder"))


def verify(session, expected_head: tuple[int | None, str] | None = None) -> chain.Verdict:
    """Verify the whole stored chain (``expected_head``: ``(seq, hash)`` or ``(None, hash)`` noted earlier)."""
    rows = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000))
    return chain.verify([row.stored() for row in rows], expected_head=expected_head)


def search(session, *, action: str | None = None, actor: str | None = None, object_type: str | None = None,
           object_id: str | None = None, rule: str | None = None, since: datetime | None = None,
           until: datetime | None = None):
    """A select of entries matching the filters, newest first (the caller pages it)."""
    query = sa.select(AuditEntry).order_by(AuditEntry.seq.desc())
    if action:
        query = query.where(AuditEntry.action.contains(action))
    if actor:
        query = query.where(AuditEntry.actor_label == actor)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    if rule:
        query = query.where(AuditEntry.rule == rule)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    return query
