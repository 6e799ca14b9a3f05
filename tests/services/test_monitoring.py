"""The supervisor's dashboard through the services (services/monitoring.py): lots by stage and state, filtered by
region, trade type and agency; what is due today and overdue, the same acts the early warnings name; an objection to
the documents counted only once the bid deadline has passed (招标投标法 第二十二条)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.test_evaluation import Scene
from tests.services.test_result_limits import end_of, reported
from trading.domain import calendar
from trading.extensions import db
from trading.models import Organisation
from trading.services import monitoring, objections, result
from trading.simulate import lots as walk

SECOND = timedelta(seconds=1)


def board(ctx, session, at, **filters):
    return monitoring.dashboard(ctx, session, at, monitoring.check_filters(session, **{
        "region": None, "trade_type": None, "agency": None, **filters}))


def states(found) -> dict[str, int]:
    return {state: n for s in found.stages for state, n in s["states"] if n} | \
        {s["state"]: s["count"] for s in found.side if s["count"]}


@pytest.fixture
def demo_app(restore_demo):
    app = restore_demo()
    with app.app_context():
        yield app


def test_every_demo_lot_is_counted_by_its_stage_and_state_and_the_filters_narrow_them(demo_app, now):
    ctx, session = demo_app.extensions["trading"], db.session
    everything = board(ctx, session, now)
    assert sum(states(everything).values()) == len(everything.lots) >= 7
    assert states(everything)["contracted"] >= 2 and states(everything)["filed"] == 1
    land = board(ctx, session, now, trade_type="land")
    assert {lot.project.trade_type for lot in land.lots} == {"land"}  # the parcel listing, the one being paid for
    assert sorted(lot.state for lot in land.lots) == ["contracted", "listing"]
    county = board(ctx, session, now, region="421202")
    assert county.lots and {lot.project.region_code for lot in county.lots} == {"421202"}
    city = board(ctx, session, now, region="421200")  # a prefecture takes its counties with it
    assert len(city.lots) == len(everything.lots)
    assert board(ctx, session, now, region="110000").lots == []
    assert board(ctx, session, now, trade_type="nonsense").filters.trade_type is None  # ignored, not an error
    agency = session.scalar(db.select(Organisation).where(Organisation.org_type == "agency"))
    lot = walk.existing(session, "procurement")
    lot.project.agency_id = agency.id
    session.flush()
    by_agency = board(ctx, session, now, agency=str(agency.id))
    assert [x.id for x in by_agency.lots] == [lot.id] and (agency.id, agency.name) in by_agency.agencies
    assert lot.id not in {x.id for x in board(ctx, session, now, agency="none").lots}


def test_an_objection_to_the_documents_shows_only_after_the_bid_deadline(demo_app, now):
    """Before the deadline it would tell the supervisor that some bidder signed up: it waits for the deadline, then
    shows as overdue if still unanswered."""
    ctx, session = demo_app.extensions["trading"], db.session
    lot = walk.existing(session, "construction")
    bidder = walk.cast(session).bidders[0]  # signed up for the demo's construction lot
    row = objections.raise_objection(ctx, session, bidder, now, lot, "招标文件资格条件设置排斥潜在投标人，请修改。")
    after_answer = row.answer_due + SECOND
    assert after_answer < lot.bid_deadline
    early = board(ctx, session, after_answer)
    assert not [d for d in early.overdue + early.today if d.kind == "documents_objection"]
    assert not [w for w in result.warnings(ctx, session, after_answer) if w.kind == "documents_objection"]
    later = board(ctx, session, lot.bid_deadline + SECOND)  # the lot is paused by the objection: still announced
    found = [d for d in later.overdue if d.kind == "documents_objection"]
    assert [d.ref for d in found] == [{"objection_id": row.id}] and found[0].rule == "construction.objection_answer"
    assert [w.kind for w in result.warnings(ctx, session, lot.bid_deadline + SECOND)].count("documents_objection") == 1


def test_the_dashboard_shows_the_publication_due_today_then_overdue_as_the_warning_names_it(app, session, now,
                                                                                          tmp_path):
    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    evaluation = reported(scene)
    due = end_of(evaluation.confirmed_at, 3, working=False)
    before = board(scene.ctx, session, due - SECOND)
    assert [(d.kind, d.lot_id) for d in before.today] == [("publication", scene.lot.id)]
    assert before.next_due[scene.lot.id].kind == "publication" and not before.overdue
    at = board(scene.ctx, session, due)
    assert [(d.kind, d.rule) for d in at.overdue] == [("publication", "construction.publicity_publish")]
    warned = [w for w in result.warnings(scene.ctx, session, due) if w.kind == "publication"]
    assert [(w.lot_id, w.rule, w.since) for w in warned] == [(d.lot_id, d.rule, d.due) for d in at.overdue]
    assert calendar.local_date(at.overdue[0].due - SECOND) == calendar.local_date(evaluation.confirmed_at) + \
        timedelta(days=3)
    result.publish(scene.ctx, session, scene.people.staff, due + SECOND, scene.lot)
    late = board(scene.ctx, session, due + timedelta(days=1))
    assert not [d for d in late.overdue if d.kind == "publication"]
    assert [d.kind for d in late.late] == ["publication"]
