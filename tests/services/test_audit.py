"""Appending to the stored chain, searching it, and verifying it from the database."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from trading.models import AuditEntry
from trading.services import audit


def test_entries_chain_in_sequence_and_verify(session, now):
    first = audit.record(session, None, now, "lot.file", object_type="lot", object_id=3,
                         payload={"budget": Decimal("1000.00")})
    second = audit.record(session, "staff", now + timedelta(seconds=1), "lot.certify", object_type="lot",
                          object_id=3, rule="construction.bid_window")
    session.commit()
    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.hash and first.prev_hash == "0" * 64
    assert first.payload == {"budget": "1000.00"}
    verdict = audit.verify(session)
    assert verdict.ok and verdict.head_seq == 2 and verdict.head_hash == second.hash


def test_the_log_reads_back_identically_from_the_database(session, now):
    audit.record(session, None, now, "user.create", payload={"name": "张三", "roles": ["bidder"], "n": 1})
    session.commit()
    session.expunge_all()
    assert audit.verify(session).ok


def test_search_filters_by_action_object_rule_and_time(session, now):
    audit.record(session, None, now, "lot.file", object_type="lot", object_id=1)
    audit.record(session, "staff", now + timedelta(hours=2), "lot.certify", object_type="lot", object_id=2,
                 rule="construction.bid_window")
    session.flush()
    found = lambda **kw: [e.seq for e in session.scalars(audit.search(session, **kw))]  # noqa: E731
    assert found(action="certify") == [2]
    assert found(object_type="lot", object_id="1") == [1]
    assert found(rule="construction.bid_window") == [2]
    assert found(actor="staff") == [2]
    assert found(since=now + timedelta(hours=1)) == [2]
    assert found() == [2, 1]
    assert session.scalar(sa.select(sa.func.count(AuditEntry.seq))) == 2
