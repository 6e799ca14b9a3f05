"""The chronograph makes each time-driven transition once, however often and however many times it runs."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import FIXED_NOW
from trading.extensions import db
from trading.models import AuditEntry, Lot
from trading.platform import current_platform
from trading.services import chronograph, objections
from trading.simulate import demo, lots as walk


def announced_lots(session, tmp_path, trade_types):
    demo.load(session, FIXED_NOW)
    people, ctx = walk.cast(session), current_platform()
    made = []
    for trade_type in trade_types:
        lot = walk.create(ctx, session, people, FIXED_NOW, trade_type)
        walk.advance(ctx, session, people, FIXED_NOW, lot, "announced")
        made.append(lot)
    session.commit()
    return people, made


def test_nothing_moves_before_the_deadline_and_a_second_tick_moves_nothing(ctx, session, tmp_path):
    _, (lot,) = announced_lots(session, tmp_path, ["construction"])
    assert chronograph.tick(ctx, session, lot.bid_deadline - timedelta(seconds=1)) == []
    first = chronograph.tick(ctx, session, lot.bid_deadline)
    second = chronograph.tick(ctx, session, lot.bid_deadline + timedelta(minutes=1))
    # no bid arrived: the deadline opens the lot and, with fewer than 3 bids, it fails unopened (流标)
    assert [(m.action, m.to_state) for m in first] == [("close_bidding", "opening"), ("fail", "failed")]
    assert second == []
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lot.close_bidding"))
    assert entry.actor_label == "system" and entry.rule == "electronic.no_early_decrypt"


def test_listings_open_at_their_start(ctx, session, tmp_path):
    _, (land, prop) = announced_lots(session, tmp_path, ["land", "property"])
    moved = chronograph.tick(ctx, session, land.listing_start)
    assert {(m.lot_id, m.to_state) for m in moved} == {(land.id, "listing"), (prop.id, "listing")}


def test_a_paused_lot_does_not_close_until_the_objection_is_answered(ctx, session, tmp_path):
    people, (lot,) = announced_lots(session, tmp_path, ["construction"])
    walk.sign_up(session, people, FIXED_NOW, lot, 1)
    row = objections.raise_objection(ctx, session, people.bidders[0], FIXED_NOW, lot,
                                     "评标办法中技术分设置不合理，请修改。")
    assert chronograph.tick(ctx, session, lot.bid_deadline) == []
    objections.answer_objection(session, people.tenderee, FIXED_NOW, row.id, "已澄清评分细则。")
    assert [m.action for m in chronograph.tick(ctx, session, lot.bid_deadline)] == ["close_bidding", "fail"]


def test_the_clock_advance_runs_the_chronograph(make_app, tmp_path):
    app = make_app(CLOCK="simulated")
    with app.app_context():
        _, (lot,) = announced_lots(db.session, tmp_path, ["construction"])  # its deadline is before the clock's now
        lot_id = lot.id
    client = app.test_client()
    client.post("/auth/login", data={"username": "admin", "password": "demo2026"})
    with app.app_context():
        assert db.session.get(Lot, lot_id).state == "announced"
    client.post("/admin/clock", data={"by-days": "0", "by-hours": "1", "by-submit": "1"})
    with app.app_context():
        assert db.session.get(Lot, lot_id).state == "failed"  # closed at the deadline, no bids: 流标


def test_two_concurrent_steps_of_time_do_each_thing_once(postgres, tmp_path):
    """Two schedulers (or a scheduler and an admin's clock advance) running the whole step at the same moment: every
    lot closes once (the transitions' SKIP LOCKED), the ended suspension ends once, no expert of the running draw is
    called twice, and the audit chain stays whole."""
    from trading.domain import beacon as beacons
    from trading.models import Draw, Expert
    from trading.services import audit, draws
    from trading.simulate import experts as demo_experts

    app = postgres
    with app.app_context():
        people, made = announced_lots(db.session, tmp_path, ["construction"] * 3 + ["procurement"] * 3)
        demo_experts.load(current_platform(), db.session, FIXED_NOW)
        suspended = db.session.scalars(sa.select(Expert).order_by(Expert.id.desc())).first()
        suspended.status, suspended.suspended_until = "suspended", FIXED_NOW + timedelta(days=1)
        draw = draws.create(current_platform(), db.session, people.staff, FIXED_NOW, made[0],
                            wanted=[("A080201", 2, 0)], exclude_same_region=False,
                            evaluation_at=FIXED_NOW + timedelta(days=25), place="评标室", gateway="simulated")
        db.session.commit()
        draw_id = draw.id
        at = max([lot.bid_deadline for lot in made] + [beacons.time_of(draw.beacon_round) + timedelta(minutes=5)])
    ctx = app.extensions["trading"]
    barrier = threading.Barrier(2)
    steps, errors = [], []

    def step():
        try:
            with app.app_context():
                barrier.wait()
                steps.append(chronograph.run(ctx, db.session, at))
                db.session.commit()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=step) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(m.lot_id for s in steps for m in s.moved if m.action == "close_bidding") == sorted(
        lot.id for lot in made)
    assert sum(s.suspensions_ended for s in steps) == 1
    with app.app_context():
        def count(action):
            return db.session.scalar(sa.select(sa.func.count(AuditEntry.seq)).where(AuditEntry.action == action))

        assert count("lot.close_bidding") == 6 and count("expert.active") == 1
        called = [call.expert_id for call in db.session.get(Draw, draw_id).calls]
        assert called and len(called) == len(set(called))
        assert audit.verify(db.session).ok


def test_one_step_of_time_moves_a_draw_waiting_on_its_beacon_and_a_second_step_nothing(app, tmp_path):
    """``flask chronograph`` (cron) and a clock advance are one step: before it, cron moved lots but left draws
    waiting on their beacon pulse until someone advanced the clock by hand."""
    from trading.domain import beacon as beacons
    from trading.models import Draw
    from trading.services import draws
    from trading.simulate import experts as demo_experts

    with app.app_context():
        people, (lot,) = announced_lots(db.session, tmp_path, ["construction"])
        demo_experts.load(current_platform(), db.session, FIXED_NOW)
        draw = draws.create(current_platform(), db.session, people.staff, FIXED_NOW, lot, wanted=[("A080201", 2, 0)],
                            exclude_same_region=False, evaluation_at=FIXED_NOW + timedelta(days=25), place="评标室",
                            gateway="simulated")
        db.session.commit()
        draw_id, pulse_at = draw.id, beacons.time_of(draw.beacon_round)
    app.extensions["trading"].clock.move_to(pulse_at + timedelta(minutes=5))
    first = app.test_cli_runner().invoke(args=["chronograph"])
    assert first.exit_code == 0 and "1 draw(s) moved on" in first.output, first.output
    with app.app_context():
        moved = db.session.get(Draw, draw_id)
        assert moved.ranking is not None and moved.calls, "ranked at its pulse and calling"
        calls = len(moved.calls)
    second = app.test_cli_runner().invoke(args=["chronograph"])
    assert second.exit_code == 0 and "draw(s) moved on" not in second.output
    with app.app_context():
        assert len(db.session.get(Draw, draw_id).calls) == calls
