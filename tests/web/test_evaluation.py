"""The evaluation room and the result pages in the browser's terms: a member logs in with the room password,
sees bids only as 投标人A/B/C, marks them; staff follow; the report names the bidders; the result page awards."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from tests.conftest import login
from tests.services.test_evaluation import Scene
from trading.extensions import db
from trading.models import EvaluationMark, User


def test_a_member_evaluates_in_the_room_without_seeing_names(app, client, now, tmp_path):
    with app.app_context():
        scene = Scene(db.session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
        scene.start()
        members = scene.members()
        first = members[0]
        user = db.session.get(User, first.user_id)
        username, password = user.username, scene.passwords.get(first.seat)
        names = [b.bidder.name for b in scene.bids]
        bid_id, evaluation_id, lot_id = scene.bids[0].id, scene.evaluation.id, scene.lot.id
        app.extensions["trading"].clock.at = scene.in_room
        db.session.commit()
    if password is None:  # this seat's expert had a login of its own (the demo's expert1)
        password = "demo2026"
    assert login(client, username, password).status_code == 302
    room = client.get(f"/evaluations/{evaluation_id}/room")
    page = room.get_data(as_text=True)
    assert room.status_code == 200 and "无利害关系声明" in page
    assert client.post(f"/evaluations/{evaluation_id}/statement", data={}).status_code == 302
    page = client.get(f"/evaluations/{evaluation_id}/room").get_data(as_text=True)
    assert "投标人A" in page and "投标人C" in page and not any(name in page for name in names)
    download = client.get(f"/evaluations/{evaluation_id}/bids/{bid_id}/files/0")
    assert download.status_code == 200 and quote("投标人A") in download.headers["Content-Disposition"]
    refused = client.post(f"/evaluations/{evaluation_id}/marks",
                          data={f"compliant-{bid_id}": "1", f"score-{bid_id}-施工组织设计": "31",
                                f"score-{bid_id}-项目管理机构": "8"})
    assert refused.status_code == 302 and _marks(app) == 0  # above the maximum of 30: nothing is saved
    client.post(f"/evaluations/{evaluation_id}/marks",
                data={f"compliant-{bid_id}": "1", f"score-{bid_id}-施工组织设计": "26.5",
                      f"score-{bid_id}-项目管理机构": "8"})
    assert _marks(app) == 3  # the vote and both scores
    assert client.get(f"/lots/{lot_id}/evaluation/report").status_code == 404  # no report yet


def _marks(app) -> int:
    with app.app_context():
        return db.session.query(EvaluationMark).count()


def test_staff_follow_the_seats_and_the_supervisor_reads_warnings(app, client, now, tmp_path):
    with app.app_context():
        scene = Scene(db.session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
        scene.start()
        lot_id = scene.lot.id
        app.extensions["trading"].clock.at = scene.in_room + timedelta(days=3)
        db.session.commit()
    login(client, "staff")
    page = client.get(f"/lots/{lot_id}/evaluation").get_data(as_text=True)
    assert "封闭评标室" not in page and "评标" in page
    login(client, "supervisor")
    warnings = client.get("/supervision/warnings").get_data(as_text=True)
    assert "预警" in warnings
