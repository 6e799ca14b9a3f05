"""Every page as a centre's people see it (issue 17), the checks that need a scene of their own: after the
archive only what applies is offered and the lot's pages read in words (the crawl of tests/e2e/crawling.py, as the
bidder and the tenderee); before the opening no failure is offered; a seated room account finds its room. The
crawl of the whole demo, as every role in both languages and after the half-hour path, is tests/e2e/test_crawl.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.e2e.crawling import check
from trading.extensions import db


@pytest.fixture
def demo_app(restore_demo):
    return restore_demo()


def test_after_the_archive_every_page_still_reads_in_words_and_links_only_where_the_role_may_go(app, now, tmp_path):
    """The half-hour path's end: a construction lot opened, evaluated, awarded, contracted and archived. (Built in
    its own app context, closed before the crawl: a shared one would keep the first login for every client.)"""
    from tests.services.test_evaluation import Scene
    from trading.domain import calendar
    from trading.services import archive, result

    with app.app_context():
        session = db.session
        scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
        publicity = scene.to_publicity()
        people, lot = scene.people, scene.lot
        at = publicity.ends_at + timedelta(hours=1)
        award = result.award(scene.ctx, session, people.tenderee, at, lot, 1)
        at += timedelta(days=2)
        result.register_contract(scene.ctx, session, people.tenderee, at, lot, number="HT-2026-001",
                                 signed_on=calendar.local_date(at) - timedelta(days=1), amount=str(award.price))
        archive.create(scene.ctx, session, people.staff, at, lot)
        session.commit()
        lot_id = lot.id
        session.remove()
    app.extensions["trading"].clock.move_to(at + timedelta(hours=1))
    _only_what_applies_after_the_archive(app, lot_id)
    problems = check(app, [f"/lots/{lot_id}", f"/lots/{lot_id}/bid", f"/lots/{lot_id}/result"],
                     ("bidder1", "tenderee1"), per_shape=1).problems  # the demo's whole crawl: tests/e2e/test_crawl.py
    assert not problems, "\n".join(problems[:80]) + f"\n({len(problems)} in all)"


def _only_what_applies_after_the_archive(app, lot_id: int) -> None:
    """Issue 17: after the archive a bidder is offered no upload, sealing or withdrawal, the public announcement
    no sign-up, and nobody whose price was not flagged a price explanation."""
    from trading.models import Announcement

    bidder = app.test_client()
    login(bidder, "bidder1")
    page = bidder.get(f"/lots/{lot_id}/bid").get_data(as_text=True)
    assert 'id="bids-closed"' in page
    for action in ("/bid/upload", "/bid/seal", "/bid/withdraw"):
        assert f"/lots/{lot_id}{action}" not in page, action
    lot_page = bidder.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert f"/lots/{lot_id}/explanations" not in lot_page
    assert f'btn-primary btn-sm" href="/lots/{lot_id}/bid"' not in lot_page  # no "submit a sealed bid"
    assert f'href="/lots/{lot_id}/bid"' in lot_page  # but its bids and receipts
    bidder.post("/language", data={"lang": "en", "next": "/"})
    bank = bidder.get("/bank/").get_data(as_text=True)  # the platform's memos in words of the page's language
    assert "Deposit refunded: not awarded" in bank and "Interest on the deposit" in bank and "保证金退还" not in bank
    with app.app_context():
        announcement = db.session.scalar(sa.select(Announcement.id).where(Announcement.lot_id == lot_id))
        db.session.remove()
    public = app.test_client().get(f"/public/announcements/{announcement}").get_data(as_text=True)
    assert 'id="sign-up-closed"' in public and "/auth/login" not in public.split("<main", 1)[1]


def test_before_the_opening_the_lot_page_says_the_bids_wait_and_offers_no_failure(demo_app):
    """Issue 17: 开始评标 pressed before the opening said 0 bids were opened and told staff to fail a sound lot; now
    the page says the opening has not happened and shows neither a live start nor the 流标 button."""
    from trading.models import Bid, Lot
    from trading.platform import current_platform
    from trading.services import chronograph

    with demo_app.app_context():
        # lot 5, its 3 bids sealed (lots 6 and 7 have bids too)
        lot = db.session.scalar(sa.select(Lot).where(Lot.id.in_(sa.select(Bid.lot_id)), Lot.state == "announced"))
        lot_id, deadline = lot.id, lot.bid_deadline
        chronograph.tick(current_platform(), db.session, deadline)
        db.session.commit()
        assert db.session.get(Lot, lot_id).state == "opening"
        db.session.remove()
    demo_app.extensions["trading"].clock.move_to(deadline)
    staff = demo_app.test_client()
    login(staff, "staff")
    page = staff.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="opening-waits"' in page
    assert f"/lots/{lot_id}/fail" not in page and f'action="/lots/{lot_id}/evaluation/start"' not in page


def test_a_seated_member_finds_the_room_on_the_home_page_and_reads_bidders_as_bidder_a_in_english(app, now,
                                                                                                   tmp_path):
    """Issue 17: a room account landed on "no evaluation assignments" while seated, shown as one of the centre;
    in English the room named bids 投标人A/B/C."""
    from tests.services.test_evaluation import Scene
    from trading.models import User

    with app.app_context():
        scene = Scene(db.session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
        scene.start()
        seat = next(m for m in scene.members() if m.seat in scene.passwords)  # a room account, not expert1
        user = db.session.get(User, seat.user_id)
        username, password, evaluation_id = user.username, scene.passwords[seat.seat], scene.evaluation.id
        centre = user.organisation.name
        app.extensions["trading"].clock.at = scene.in_room
        db.session.commit()
        db.session.remove()
    member = app.test_client()
    assert login(member, username, password).status_code == 302
    home = member.get("/").get_data(as_text=True)
    assert f"/evaluations/{evaluation_id}/room" in home and centre not in home
    assert member.post(f"/evaluations/{evaluation_id}/statement", data={}).status_code == 302
    member.post("/language", data={"lang": "en", "next": "/"})
    room = member.get(f"/evaluations/{evaluation_id}/room").get_data(as_text=True)
    assert "Bidder A" in room and "投标人A" not in room
