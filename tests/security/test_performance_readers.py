"""Who reads the performance of the centre's steps and the review of experts' marks: the supervisor alone. A bidder,
the tenderee, an expert (the panel member whose mark is flagged included), the centre's staff and the administrator
get 403 from every page, export and decision, and no page of theirs links to them or names a flag."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.services.walked_lot import walked
from trading.extensions import db
from trading.models import CreditEvent, MarkReview, User
from trading.services import accounts


@pytest.fixture
def scene(app):
    """The walked lot up to its report, and the flagged member's own login (a room account given a password)."""
    with app.app_context():
        found = walked(db.session, until="report")
        member = [m for m in found.evaluation.members if m.status == "seated"][4]
        user = db.session.get(User, member.user_id)
        user.password_hash = accounts.hash_password("member-pass-2026")
        user.active = True
        db.session.commit()
        return {"lot": found.lot.id, "evaluation": found.evaluation.id, "member": member.id,
                "member_login": user.username}


def urls(scene) -> list[tuple[str, str, dict | None]]:
    return [("GET", "/supervision/performance?month=2026-03", None),
            ("GET", "/supervision/performance.xlsx?month=2026-03", None),
            ("GET", f"/supervision/lots/{scene['lot']}/marks", None),
            ("POST", f"/supervision/evaluations/{scene['evaluation']}/marks",
             {"member": str(scene["member"]), "flag": "1:施工组织设计", "decision": "dismissed",
              "reason": "评分有据，不予认定"})]


@pytest.mark.parametrize("username", ["bidder1", "tenderee1", "expert1", "staff", "admin", "member"])
def test_nobody_but_the_supervisor_reads_or_decides(app, scene, username):
    client = app.test_client()
    name = scene["member_login"] if username == "member" else username
    # the flagged member's login was given its own password (expert1 itself when the draw seated it)
    password = "member-pass-2026" if name == scene["member_login"] else "demo2026"
    assert login(client, name, password).status_code == 302, name
    for method, url, data in urls(scene):
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        assert response.status_code == 403, (username, url)
        assert "32.00%" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MarkReview)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditEvent)) == 0
    if username in ("tenderee1", "staff", "admin"):
        for page in (f"/lots/{scene['lot']}", f"/lots/{scene['lot']}/evaluation"):
            body = client.get(page).get_data(as_text=True)
            assert f"/supervision/lots/{scene['lot']}/marks" not in body, (username, page)
            assert "/supervision/performance" not in body


def test_anonymous_visitors_are_sent_to_the_login_page(app, scene):
    client = app.test_client()
    for method, url, data in urls(scene):
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        assert response.status_code == 302 and "/auth/login" in response.location


def test_the_supervisor_reads_both(app, scene):
    client = app.test_client()
    login(client, "supervisor")
    for _method, url, _data in urls(scene)[:3]:
        assert client.get(url).status_code == 200, url
