"""Complaints to the supervisor (条例 第六十条至第六十二条): the 10-day window, the objection first for the
documents, accepted or refused within 3 working days, decided within 30, the lot suspended when ordered, and
overdue handling warned."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.walked_lot import announced_lot
from trading.domain import calendar
from trading.domain.errors import DomainError, Forbidden
from trading.services import complaints, objections, result
from trading.simulate import demo, lots as walk


@pytest.fixture
def announced(ctx, session, now):
    return announced_lot(ctx, session, now, "construction", signed_up=1)


GROUNDS = "招标文件设置的业绩条件排斥潜在投标人，请求责令修改。"


def test_a_complaint_is_taken_within_ten_days_of_knowing_and_refused_on_the_eleventh(ctx, session, now, announced):
    people, lot = announced
    bidder = people.bidders[0]
    known = calendar.local_date(now)
    last_moment = calendar.start_of_local_day(calendar.add_days(known, 11)) - timedelta(seconds=1)
    row = complaints.submit(ctx, session, bidder, last_moment, lot, "other", GROUNDS, known)
    assert row.status == "received" and row.accept_due > last_moment
    with pytest.raises(DomainError) as refused:
        complaints.submit(ctx, session, bidder, last_moment + timedelta(seconds=1), lot, "other", GROUNDS, known)
    assert (refused.value.field, refused.value.rule) == ("known_on", "construction.complaint_window")


def test_about_the_documents_the_bidder_objects_first_and_the_window_runs_from_the_answer(ctx, session, now,
                                                                                        announced):
    people, lot = announced
    bidder = people.bidders[0]
    with pytest.raises(DomainError) as refused:
        complaints.submit(ctx, session, bidder, now, lot, "documents", GROUNDS)
    assert refused.value.rule == "construction.complaint_window"
    objection = objections.raise_objection(ctx, session, bidder, now, lot, GROUNDS)
    objections.answer_objection(session, people.tenderee,
                                now + timedelta(days=2), objection.id, "业绩条件符合行业规定，不予修改。")
    row = complaints.submit(ctx, session, bidder, now + timedelta(days=5), lot, "documents", GROUNDS)
    assert row.window_from == calendar.local_date(now + timedelta(days=2))


def test_the_supervisor_accepts_suspending_the_lot_and_decides_and_late_handling_is_warned(ctx, session, now,
                                                                                         announced):
    people, lot = announced
    row = complaints.submit(ctx, session, people.bidders[0], now, lot, "other", GROUNDS, calendar.local_date(now))
    with pytest.raises(Forbidden):
        complaints.accept(ctx, session, people.staff, now, row.id)
    assert "complaint" in {w.kind for w in result.warnings(ctx, session, row.accept_due)}
    complaints.accept(ctx, session, people.supervisor, now + timedelta(hours=2), row.id, suspend=True)
    assert lot.state == "suspended" and row.suspended
    assert "complaint" not in {w.kind for w in result.warnings(ctx, session, row.accept_due)}
    warned = [w for w in result.warnings(ctx, session, row.decide_due) if w.kind == "complaint"]
    assert warned[0].rule == "construction.complaint_decision" and warned[0].params["days"] == 30
    with pytest.raises(DomainError):
        complaints.decide(session, people.supervisor, now + timedelta(days=3), row.id, "upheld", "短")
    complaints.decide(session, people.supervisor, now + timedelta(days=3), row.id, "upheld",
                      "经查，业绩条件排斥潜在投标人，责令招标人修改招标文件。")
    assert row.status == "decided" and not [w for w in result.warnings(ctx, session, row.decide_due)
                                            if w.kind == "complaint"]
    assert complaints.visible(session, None, lot) == [row], "the decision is published"


def test_a_bidder_complains_on_the_lot_page_and_reads_when_the_supervisor_must_answer(app, now):
    from tests.conftest import login
    from trading.extensions import db
    from trading.platform import current_platform

    with app.app_context():
        demo.load(db.session, now)
        people = walk.cast(db.session)
        ctx = current_platform()
        lot = walk.create(ctx, db.session, people, now, "construction")
        walk.advance(ctx, db.session, people, now, lot, "announced")
        db.session.commit()
        lot_id = lot.id
    bidder = app.test_client()
    assert login(bidder, "bidder2").status_code == 302
    sent = bidder.post(f"/supervision/lots/{lot_id}/complaints", data={
        "matter": "other", "known_on": calendar.local_date(now).isoformat(), "text": GROUNDS}, follow_redirects=True)
    page = sent.get_data(as_text=True)
    assert GROUNDS in page and "2026-03-06 00:00" in page  # 3 working days from Monday 2 March: Thursday's end
    other = app.test_client()
    assert login(other, "bidder3").status_code == 302
    assert GROUNDS not in other.get(f"/lots/{lot_id}").get_data(as_text=True), "not another bidder's to read"
