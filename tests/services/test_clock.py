"""The simulated clock moves forward only, and every move is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from trading.clock import SimulatedClock
from trading.domain.errors import DomainError
from trading.models import AuditEntry
from trading.services import clock as clock_service


def test_advancing_by_an_amount_moves_the_simulated_clock(make_app):
    app = make_app(CLOCK="simulated")
    with app.app_context():
        from trading.extensions import db

        clock = app.extensions["trading"].clock
        assert isinstance(clock, SimulatedClock)
        before = clock.now()
        clock_service.advance(db.session, "cli", before, by=timedelta(days=20, hours=3))
        db.session.commit()
        ahead = clock.now() - before
        assert timedelta(days=20, hours=3) <= ahead < timedelta(days=20, hours=3, minutes=1)


def test_advancing_to_a_time_and_the_audit_entry(session, now):
    target = now + timedelta(days=5)
    assert clock_service.advance(session, "cli", now, to=target) == target
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "clock.advance"))
    assert entry.payload["to"] == "2026-03-07T01:00:00.000000Z"
    assert entry.payload["by_seconds"] == 5 * 86400 and entry.actor_label == "cli"


@pytest.mark.parametrize("kwargs", [
    {"by": timedelta(0)}, {"by": timedelta(hours=-1)}, {"to_offset": timedelta(minutes=-1)},
])
def test_the_clock_never_goes_backwards(session, now, kwargs):
    if "to_offset" in kwargs:
        kwargs = {"to": now + kwargs["to_offset"]}
    with pytest.raises(DomainError) as refused:
        clock_service.advance(session, "cli", now, **kwargs)
    assert refused.value.rule == "clock.forward_only"
    assert session.scalar(sa.select(sa.func.count(AuditEntry.seq))) == 0
