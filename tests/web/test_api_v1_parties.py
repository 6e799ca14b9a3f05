"""The API v1 for a tenderee's own lots (scope ``lots``) and the supervisor's warnings and correction orders (scope
``supervision``, read-only): each token reads only what its organisation's pages show, another organisation's lot
is "not found", and a token of another role is refused with a problem document."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW
from tests.web.test_api_v1 import bearer, token_for
from trading.clock import FixedClock
from trading.domain.errors import DomainError
from trading.extensions import db
from trading.models import Bid, Deposit, Lot, Organisation, Project, Registration, User
from trading.services import api_tokens

DEMO_LOT = "咸宁市永安大道东延线道路工程"  # lot 5: three sealed bids, an hour before its deadline
CONTRACTED = "咸宁市中心医院磁共振成像系统原厂维保项目"  # lot 6: awarded and contracted


@pytest.fixture
def demo_app(restore_demo):
    return restore_demo()


def lot_of(app, project_name: str) -> Lot:
    with app.app_context():
        lot = db.session.scalar(sa.select(Lot).join(Project).where(Project.name == project_name))
        db.session.expunge(lot)
        return lot


def own_lot_ids(app, username: str) -> list[int]:
    with app.app_context():
        org = db.session.scalar(sa.select(User.organisation_id).where(User.username == username))
        return sorted(db.session.scalars(sa.select(Lot.id).join(Project).where(
            sa.or_(Project.tenderee_id == org, Project.agency_id == org))))


def bidder_names(app, lot_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Organisation.name).join(Bid, Bid.bidder_id == Organisation.id)
                                       .where(Bid.lot_id == lot_id)))


def test_a_tenderee_reads_its_own_lots_drafts_included_and_nothing_of_who_bids_before_the_deadline(demo_app):
    client = demo_app.test_client()
    mine = bearer(token_for(demo_app, "tenderee1", ["lots"]))
    rows, cursor = [], None
    while True:
        answer = client.get("/api/v1/me/lots", headers=mine,
                            query_string={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.json
        rows += answer.json["data"]
        cursor = answer.json["next_cursor"]
        if cursor is None:
            break
    assert [row["id"] for row in rows] == own_lot_ids(demo_app, "tenderee1")
    assert any(not row["published"] for row in rows), "its lots not yet announced are its own too"
    lot = lot_of(demo_app, DEMO_LOT)
    assert lot.state == "announced" and FIXED_NOW < lot.bid_deadline
    row = next(r for r in rows if r["id"] == lot.id)
    assert row["phase"] == "before_deadline" and row["bid_deadline"] == lot.bid_deadline.isoformat()
    assert row["participation"] is None and row["bid_statistics"] is None
    rivals = bidder_names(demo_app, lot.id)
    assert len(rivals) == 3
    single = client.get(f"/api/v1/me/lots/{lot.id}", headers=mine)
    assert single.status_code == 200 and single.json == row
    for text in (single.get_data(as_text=True), client.get("/api/v1/me/lots?limit=100", headers=mine)
                 .get_data(as_text=True)):
        assert not any(name in text for name in rivals)
    # the state filter is the public list's
    announced = client.get("/api/v1/me/lots", headers=mine, query_string={"state": "announced"}).json["data"]
    assert lot.id in {r["id"] for r in announced} and {r["state"] for r in announced} == {"announced"}


def test_once_the_deadline_has_passed_the_tenderee_reads_how_many_signed_up_paid_and_bid(demo_app):
    lot = lot_of(demo_app, DEMO_LOT)
    demo_app.extensions["trading"].clock = FixedClock(lot.bid_deadline + timedelta(minutes=1))
    mine = bearer(token_for(demo_app, "tenderee1", ["lots"]))
    answer = demo_app.test_client().get(f"/api/v1/me/lots/{lot.id}", headers=mine)
    assert answer.status_code == 200 and answer.json["phase"] == "opened"
    with demo_app.app_context():
        same = {"lot_id": lot.id, "round": lot.round}
        signed_up = db.session.scalar(sa.select(sa.func.count()).select_from(Registration).filter_by(**same))
        paid = db.session.scalar(sa.select(sa.func.count()).select_from(Deposit).filter_by(**same).where(
            Deposit.status.in_(["paid", "refunded"])))
    assert answer.json["participation"] == {"registrations": signed_up, "deposits_paid": paid, "bids": 3}


def test_another_organisation_s_lot_is_not_found_as_one_that_does_not_exist(demo_app):
    client = demo_app.test_client()
    lot = lot_of(demo_app, DEMO_LOT)
    other = bearer(token_for(demo_app, "tenderee2", ["lots"]))  # 咸宁市自然资源和规划局: not lot 5's tenderee
    refused = client.get(f"/api/v1/me/lots/{lot.id}", headers=other)
    assert refused.status_code == 404 and refused.mimetype == "application/problem+json"
    assert refused.json["field"] == "lot_id"
    missing = client.get("/api/v1/me/lots/999999", headers=other)
    assert missing.status_code == 404 and missing.json["detail"] == refused.json["detail"]
    theirs = client.get("/api/v1/me/lots", headers=other, query_string={"limit": 100}).json["data"]
    assert [r["id"] for r in theirs] == own_lot_ids(demo_app, "tenderee2") and lot.id not in {r["id"] for r in theirs}
    assert DEMO_LOT not in client.get("/api/v1/me/lots?limit=100", headers=other).get_data(as_text=True)
    # the agency of no demo project has no lots
    assert client.get("/api/v1/me/lots", headers=bearer(token_for(demo_app, "agency", ["lots"]))).json == \
        {"data": [], "next_cursor": None}


@pytest.mark.parametrize("url", ["/api/v1/me/lots", "/api/v1/me/lots/5", "/api/v1/supervision/warnings",
                                 "/api/v1/supervision/warnings/1", "/api/v1/supervision/corrections",
                                 "/api/v1/supervision/corrections/1"])
def test_a_bidder_token_is_refused_with_a_problem_and_without_one_the_answer_is_401(demo_app, url):
    client = demo_app.test_client()
    bidder = bearer(token_for(demo_app, "bidder1", ["bids", "read"]))
    refused = client.get(url, headers=bidder)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.json["status"] == 403 and refused.json["field"] == "token" and refused.json["instance"] == url
    anonymous = client.get(url)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_role_cannot_give_its_token_another_role_s_scope(demo_app):
    with demo_app.app_context():
        for username, scope in (("tenderee1", "supervision"), ("bidder1", "lots"), ("supervisor", "lots"),
                                ("tenderee1", "read")):
            user = db.session.scalar(sa.select(User).where(User.username == username))
            with pytest.raises(DomainError) as refused:
                api_tokens.issue(db.session, user, FIXED_NOW, name="程序", scopes=[scope], days=30)
            assert refused.value.field == "scopes"


def test_the_supervisor_reads_the_warnings_and_correction_orders_and_a_tenderee_token_cannot(demo_app):
    client = demo_app.test_client()
    supervisor = bearer(token_for(demo_app, "supervisor", ["supervision"]))
    warnings = client.get("/api/v1/supervision/warnings", headers=supervisor)
    assert warnings.status_code == 200, warnings.json
    (warning,) = warnings.json["data"]  # the demo's contract not signed in time on lot 9, with its order
    assert warning["kind"] == "contract" and warning["status"] == "ordered" and warning["rule"]
    assert warning["basis"] and warning["threshold"] and "%(" not in warning["message"]
    assert warning["correction_ids"] == [1]
    assert client.get(f"/api/v1/supervision/warnings/{warning['id']}", headers=supervisor).json == warning
    orders = client.get("/api/v1/supervision/corrections", headers=supervisor).json["data"]
    assert [o["id"] for o in orders] == [1] and orders[0]["warning_id"] == warning["id"]
    assert orders[0]["addressee"] == "tenderee" and orders[0]["organisation"]["name"] == "咸宁市住房和城乡建设局"
    assert client.get("/api/v1/supervision/corrections/1", headers=supervisor).json == orders[0]
    # filters and refusals name the field
    assert client.get("/api/v1/supervision/corrections", headers=supervisor,
                      query_string={"status": "closed"}).json["data"] == []
    assert client.get("/api/v1/supervision/warnings", headers=supervisor,
                      query_string={"lot_id": 1}).json["data"] == []
    bad = client.get("/api/v1/supervision/warnings", headers=supervisor, query_string={"status": "late"})
    assert bad.status_code == 422 and bad.json["field"] == "status"
    missing = client.get("/api/v1/supervision/corrections/999999", headers=supervisor)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    # the order's addressee reads it with its lot, the other tenderee does not, and neither reads the supervisor's
    # lists
    addressee = bearer(token_for(demo_app, "tenderee1", ["lots"]))
    lot9 = client.get(f"/api/v1/me/lots/{orders[0]['lot_id']}", headers=addressee).json
    assert [o["id"] for o in lot9["corrections"]] == [1] and lot9["corrections"][0]["text"] == orders[0]["text"]
    other = bearer(token_for(demo_app, "tenderee2", ["lots"]))
    for token in (addressee, other):
        for url in ("/api/v1/supervision/warnings", "/api/v1/supervision/corrections/1"):
            refused = client.get(url, headers=token)
            assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert all(not row["corrections"] for row in
               client.get("/api/v1/me/lots?limit=100", headers=other).json["data"])


def test_the_new_routes_are_in_the_openapi_document_with_their_scope(demo_app):
    paths = demo_app.test_client().get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/me/lots", "/api/v1/me/lots/{lot_id}", "/api/v1/supervision/warnings",
                 "/api/v1/supervision/warnings/{warning_id}", "/api/v1/supervision/corrections",
                 "/api/v1/supervision/corrections/{order_id}"):
        operation = paths[path]["get"]
        assert operation["security"] == [{"apiToken": []}]
        assert {"401", "403"} <= set(operation["responses"])
