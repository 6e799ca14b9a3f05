"""The supervisor's live channel as an attack surface: a bidder's sign-up, deposit, documents objection or bid
before the deadline must not make the supervisor's dashboard twitch (the timing alone would tell that a bidder
exists: 招标投标法 第二十二条); nobody but a supervisor may follow it; a change that rolls back is never announced."""

from __future__ import annotations

import pytest

from tests.conftest import FIXED_NOW
from tests.web.test_live import client_for, read
from trading import live
from trading.extensions import db
from trading.services import deposits, objections, pledges, registrations, suspension
from trading.simulate import lots as walk


@pytest.fixture
def demo_app(restore_demo):
    return restore_demo()


def events(app) -> list:
    return app.extensions["trading"].live.events(live.SUPERVISION)


def test_a_bidders_acts_before_the_deadline_publish_nothing_but_the_supervisors_suspension_does(demo_app):
    app, now = demo_app, FIXED_NOW
    with app.app_context():
        ctx, session = app.extensions["trading"], db.session
        lot = walk.existing(session, "construction")
        bidder = walk.cast(session).bidders[2]  # not yet signed up for it
        registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
        session.commit()
        deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
        deposits.pay(session, bidder, now, target_number=deposit.sub_account.number, amount=f"{deposit.required:.2f}",
                     memo="投标保证金")
        session.commit()
        objections.raise_objection(ctx, session, bidder, now, lot, "资格条件设置排斥潜在投标人，请予修改。")
        session.commit()
        assert events(app) == []
        suspension.suspend(session, walk.cast(session).supervisor, now, lot, "核查举报线索")
        session.rollback()  # rolled back: nothing announced
        assert events(app) == []
        suspension.suspend(session, walk.cast(session).supervisor, now, lot, "核查举报线索")
        session.commit()
        assert [(e.event, e.data) for e in events(app)] == [("lots", {"lots": [lot.id]})]


@pytest.mark.parametrize("username", ["staff", "admin", "tenderee1", "bidder1", "expert1"])
def test_only_a_supervisor_follows_the_channel(demo_app, username):
    client = client_for(demo_app, username)
    assert client.get("/supervision/live", buffered=False).status_code == 403
    assert client.get("/supervision/dashboard.json").status_code == 403


def test_the_supervisor_reads_the_lots_that_changed_after_the_page(demo_app):
    client = client_for(demo_app, "supervisor")
    page = client.get("/supervision/").get_data(as_text=True)
    assert 'data-live-url="/supervision/live?after=0"' in page
    with demo_app.app_context():
        lot = walk.existing(db.session, "construction")
        suspension.suspend(db.session, walk.cast(db.session).supervisor, FIXED_NOW, lot, "核查举报线索")
        db.session.commit()
        lot_id = lot.id
    text = read(client.get("/supervision/live?after=0", buffered=False), 1)
    assert f'event: lots\ndata: {{"lots":[{lot_id}]}}' in text
    body = client.get("/supervision/dashboard.json").get_json()["html"]
    assert "已暂停" in body or "suspended" in body
