"""The change feed (``/api/v1/changes?since=<cursor>``): every published change to a lot, in order, resumable, so
that a mirror (the national platform, a researcher's copy) follows the platform without missing or repeating
anything.

It is read from the audit chain, not from a table of its own. Every change of a lot's state goes through
``services.lots.transition``, which appends its ``lot.<action>`` entry in the same transaction as the change, and
the opening record appends ``opening.record``: the chain already holds every change, written atomically with it.
Its sequence numbers are handed out under the lock of the one ``audit_head`` row, held until the transaction ends,
so they are gap-free and in commit order: once a reader sees entry N, every entry before N is committed and no
later commit can take a number below N (a rolled-back transaction gives its number back to the next one). A
cursor is therefore just the last sequence number read; the same cursor always gives the same entries. A table
written beside the chain would have needed its own serialising lock to give the same promise.

Only changes the public may see are in the feed: the lot must have been announced by then (nothing of stages 1
and 2 is published), and the action must be one whose fact is public when it happens (``PUBLISHED``: no sign-up,
bid, deposit, offer, objection or expert call, which ``visibility.BIDDER_ACTIONS`` and ``PANEL_ACTIONS`` hide). An
entry gives what changed (action, state before and after, round, rule, time); the lot's published facts at any time
are at ``/api/v1/lots/<id>`` and in its OCDS releases.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..domain.visibility import BIDDER_ACTIONS, PANEL_ACTIONS, POOL_ACTIONS
from ..models import AuditEntry
from .open_data import Page, check_limit, decode_cursor, encode_cursor

KIND = "changes"
# lot transitions whose change is public when it happens (the lifecycle's actions from the announcement on)
TRANSITIONS = ("announce", "clarify", "close_bidding", "start_evaluation", "start_publicity", "conclude_negotiation",
               "conclude_agreement", "open_listing", "close_listing", "start_auction", "close_auction", "fail",
               "award", "register_contract", "archive", "cancel", "suspend", "resume", "retrade")
PUBLISHED = frozenset({f"lot.{action}" for action in TRANSITIONS} | {"opening.record"})
assert not PUBLISHED & (BIDDER_ACTIONS | PANEL_ACTIONS | POOL_ACTIONS), "the feed must not publish a hidden action"


def _announced_from():
    """Per lot (as the audit log names it), the sequence number of its first announcement."""
    return (sa.select(AuditEntry.object_id.label("lot"), sa.func.min(AuditEntry.seq).label("seq"))
            .where(AuditEntry.object_type == "lot", AuditEntry.action == "lot.announce")
            .group_by(AuditEntry.object_id).subquery())


def entry_of(row: AuditEntry) -> dict:
    """A feed entry: what changed, never the audit payload itself (only its public keys)."""
    payload = row.payload or {}
    lot_id = int(row.object_id)
    return {"cursor": encode_cursor(KIND, row.seq), "seq": row.seq, "at": row.at, "lot_id": lot_id,
            "action": row.action.split(".", 1)[1] if row.action.startswith("lot.") else row.action.replace(".", "_"),
            "from_state": payload.get("from"), "state": payload.get("to"), "round": payload.get("round"),
            "rule": row.rule}


def since(session, cursor: str | None, limit: int | None = None) -> Page:
    """The published changes after ``cursor`` (from the start without one), oldest first; ``next_cursor`` is the
    cursor to ask with next time, the same one when nothing new has happened."""
    after = decode_cursor(KIND, cursor)
    limit = check_limit(limit)
    first = _announced_from()
    rows = list(session.scalars(
        sa.select(AuditEntry).join(first, first.c.lot == AuditEntry.object_id)
        .where(AuditEntry.object_type == "lot", AuditEntry.action.in_(sorted(PUBLISHED)), AuditEntry.seq > after,
               AuditEntry.seq >= first.c.seq)
        .order_by(AuditEntry.seq).limit(limit)))
    last = rows[-1].seq if rows else after
    return Page([entry_of(row) for row in rows], encode_cursor(KIND, last))
