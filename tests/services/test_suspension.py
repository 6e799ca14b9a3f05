"""The supervisor suspends a lot in trading and resumes it, each with a reason every party reads; nothing moves
while it is suspended and its running time limits move on by the time it was (监管: 暂停与恢复)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import login
from tests.services.walked_lot import announced_lot
from trading.domain.errors import DomainError, Forbidden
from trading.services import chronograph, suspension


@pytest.fixture
def announced(ctx, session, now):
    return announced_lot(ctx, session, now, "construction")


def test_a_suspended_lot_stands_still_and_resumes_with_its_time_limits_moved_on(ctx, session, now, announced):
    people, lot = announced
    deadline, cutoff, at = lot.bid_deadline, lot.objection_cutoff, now + timedelta(days=2)
    suspension.suspend(session, people.supervisor, at, lot, "收到投诉，核查中")
    assert lot.state == "suspended" and lot.previous_state == "announced"
    later = deadline + timedelta(days=1)  # the deadline passes while it is suspended: nothing happens
    chronograph.tick(ctx, session, later)
    assert lot.state == "suspended"
    suspension.resume(session, people.supervisor, later, lot, "核查完毕，未发现问题")
    paused = later - at
    assert lot.state == "announced" and lot.bid_deadline == deadline + paused
    assert lot.objection_cutoff == (cutoff + paused if cutoff > at else cutoff)
    chronograph.tick(ctx, session, later)
    assert lot.state == "announced", "bidders have the days they had left when it was suspended"


def test_only_the_supervisor_suspends_and_always_with_a_reason(ctx, session, now, announced):
    people, lot = announced
    with pytest.raises(Forbidden):
        suspension.suspend(session, people.staff, now, lot, "收到投诉，核查中")
    with pytest.raises(DomainError) as refused:
        suspension.suspend(session, people.supervisor, now, lot, "  ")
    assert (refused.value.field, refused.value.rule) == ("reason", "platform.supervision")
    assert lot.state == "announced"
    with pytest.raises(DomainError):
        suspension.resume(session, people.supervisor, now, lot, "核查完毕")


def test_every_party_reads_why_the_lot_is_suspended(app, ctx, session, now, announced):
    people, lot = announced
    suspension.suspend(session, people.supervisor, now, lot, "收到投诉，核查中")
    session.commit()
    bidder = app.test_client()
    assert login(bidder, "bidder1").status_code == 302
    page = bidder.get(f"/lots/{lot.id}").get_data(as_text=True)
    assert "收到投诉，核查中" in page and 'id="suspension"' in page
    assert "/resume" not in page, "the bidder is not offered the supervisor's resume"
