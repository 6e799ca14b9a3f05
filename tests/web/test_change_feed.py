"""The change feed (issue 20): a mirror following /api/v1/changes from the start while the README's half-hour path
runs on lot 5 sees every published change once, in order, and ends with every lot's published state; nothing of
who takes part, nor of a lot not yet announced, is in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from trading.domain import calendar
from trading.extensions import db
from trading.models import Announcement, AuditEntry, Bid, Evaluation, Lot
from trading.platform import current_platform
from trading.services import archive, changes, evaluation as room, result
from trading.simulate import lots as walk, methods


class Mirror:
    """A program that follows the feed: keeps its cursor and each lot's last state."""

    def __init__(self, client):
        self.client, self.cursor, self.seen, self.states = client, None, [], {}

    def follow(self, limit: int = 7) -> None:
        while True:
            query = {"limit": limit, **({"since": self.cursor} if self.cursor else {})}
            answer = self.client.get("/api/v1/changes", query_string=query)
            assert answer.status_code == 200, answer.get_data(as_text=True)
            for change in answer.json["data"]:
                self.seen.append(change["seq"])
                if change["state"] is not None:
                    self.states[change["lot_id"]] = change["state"]
            self.cursor = answer.json["next_cursor"]
            if not answer.json["data"]:
                return


@pytest.fixture
def demo_app(restore_demo):
    return restore_demo()


def half_hour_path(app, step=lambda: None) -> int:
    """The README's half-hour path on lot 5 through the services (as tests/e2e/test_crawl.py takes it): the
    opening, the evaluation, the candidates' publicity, the award, the contract and the archive, committed one by
    one with ``step()`` after each; returns the lot's id."""
    with app.app_context():
        session, ctx = db.session, current_platform()
        people = walk.cast(session)
        lot = session.scalar(sa.select(Lot).where(Lot.id.in_(sa.select(Bid.lot_id)), Lot.state == "announced"))
        lot_id = lot.id
        opened_at = methods._open(ctx, session, people, lot)
        session.commit()
    step()
    with app.app_context():
        session, ctx = db.session, current_platform()
        people, lot = walk.cast(session), session.get(Lot, lot_id)
        evaluation, _passwords = room.start(ctx, session, people.staff, opened_at, lot)
        evaluation_id = evaluation.id
        session.commit()
    step()
    with app.app_context():
        session, ctx = db.session, current_platform()
        people, lot = walk.cast(session), session.get(Lot, lot_id)
        methods.finish(ctx, session, people, lot, session.get(Evaluation, evaluation_id))
        session.commit()
    step()
    with app.app_context():
        session, ctx = db.session, current_platform()
        people, lot = walk.cast(session), session.get(Lot, lot_id)
        at = result.publicity_of(session, lot).ends_at + timedelta(hours=1)
        award = result.award(ctx, session, people.tenderee, at, lot, 1)
        session.commit()
        step()
        at += timedelta(days=1)
        result.register_contract(ctx, session, people.tenderee, at, lot, number="咸永安施〔2026〕001号",
                                 signed_on=calendar.local_date(at), amount=str(award.price))
        archive.create(ctx, session, people.staff, at, lot)
        session.commit()
    step()
    return lot_id


def test_a_mirror_following_the_feed_through_the_half_hour_path_ends_with_every_lot_s_state(demo_app):
    mirror = Mirror(demo_app.test_client())
    mirror.follow()
    states = []
    lot_id = half_hour_path(demo_app, lambda: (mirror.follow(), states.append(dict(mirror.states))))
    assert [seen[lot_id] for seen in states] == ["opening", "evaluating", "publicity", "awarded", "archived"]

    assert mirror.seen == sorted(set(mirror.seen)), "a change was repeated or came out of order"
    with demo_app.app_context():
        published = {lot.id: lot.state for lot in db.session.scalars(
            sa.select(Lot).where(Lot.id.in_(sa.select(Announcement.lot_id))))}
        # every published change of the audit chain from the lot's announcement on is in the feed, and nothing else
        rows = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "lot").order_by(AuditEntry.seq))
        announced, expected = {}, []
        for row in rows:
            if row.action == "lot.announce":
                announced.setdefault(row.object_id, row.seq)
            if row.action in changes.PUBLISHED and row.object_id in announced:
                expected.append(row.seq)
        hidden = set(db.session.scalars(sa.select(AuditEntry.seq).where(AuditEntry.action.in_(
            ("bid.submit", "registration.sign_up", "deposit.payment", "draw.call", "draw.rank", "lot.file",
             "lot.certify", "lot.approve_method")))))
    assert mirror.seen == expected and not hidden & set(mirror.seen)
    assert mirror.states == published
    assert mirror.states[lot_id] == "archived"


def test_the_same_cursor_always_gives_the_same_changes_and_a_foreign_cursor_is_refused(demo_app):
    client = demo_app.test_client()
    first = client.get("/api/v1/changes", query_string={"limit": 3}).json
    assert len(first["data"]) == 3 and first["data"][-1]["cursor"] == first["next_cursor"]
    again = client.get("/api/v1/changes", query_string={"since": first["data"][0]["cursor"], "limit": 2}).json
    assert again["data"] == first["data"][1:]
    lots_cursor = client.get("/api/v1/lots", query_string={"limit": 1}).json["next_cursor"]
    refused = client.get("/api/v1/changes", query_string={"since": lots_cursor})
    assert refused.status_code == 422 and refused.json["field"] == "cursor"
    end = Mirror(client)
    end.follow(limit=100)
    assert client.get("/api/v1/changes", query_string={"since": end.cursor}).json == \
        {"data": [], "next_cursor": end.cursor}
