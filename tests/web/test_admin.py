"""Admin pages: organisations, users, the simulated clock; the supervisor's audit pages."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import login
from trading.extensions import db
from trading.models import AuditEntry, Organisation, User


def test_a_bad_credit_code_is_refused_on_the_form_with_the_reason(app, client, demo):
    login(client, "admin")
    response = client.post("/admin/organisations", data={
        "name": "湖北新材料有限公司", "org_type": "bidder", "credit_code": "91330100799655058C"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "校验码" in text and "应为 B" in text and "identity.uscc" in text
    with app.app_context():
        assert db.session.scalar(sa.select(Organisation).where(Organisation.name == "湖北新材料有限公司")) is None


def test_an_organisation_and_a_user_are_created_and_deactivated(app, client, demo):
    login(client, "admin")
    response = client.post("/admin/organisations", data={
        "name": "湖北新材料有限公司", "org_type": "bidder", "credit_code": "91330100799655058B",
        "region_code": "421202"})
    assert response.status_code == 302
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id).where(Organisation.credit_code == "91330100799655058B"))
    response = client.post("/admin/users", data={
        "username": "newbidder", "display_name": "赵六", "organisation_id": org_id, "roles": ["bidder"],
        "password": "start2026"})
    assert response.status_code == 302
    other = app.test_client()
    assert login(other, "newbidder", "start2026").status_code == 302
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.username == "newbidder"))
    client.post(f"/admin/users/{user_id}/active", data={"active": "0"})
    assert other.get("/auth/password").status_code == 302  # logged out at once
    assert "已停用" in login(app.test_client(), "newbidder", "start2026").get_data(as_text=True)


def test_a_role_that_does_not_fit_the_organisation_is_refused(app, client, demo):
    login(client, "admin")
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id).where(Organisation.org_type == "bidder"))
    response = client.post("/admin/users", data={
        "username": "sneaky", "display_name": "钱七", "organisation_id": org_id, "roles": ["supervisor"],
        "password": "start2026"})
    assert response.status_code == 200 and "不能担任" in response.get_data(as_text=True)


def test_the_clock_page_advances_a_simulated_clock_and_refuses_the_past(make_app, demo):
    app = make_app(CLOCK="simulated")
    client = app.test_client()
    login(client, "admin")
    page = client.get("/admin/clock").get_data(as_text=True)
    assert "模拟时钟" in page
    moved = client.post("/admin/clock", data={"by-days": "3", "by-hours": "2", "by-submit": "1"})
    assert moved.status_code == 302
    back = client.post("/admin/clock", data={"to-to": "2001-01-01T08:00", "to-submit": "1"})
    assert "只能向前" in back.get_data(as_text=True)
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "clock.advance")).all()
    assert [entry.payload["by_seconds"] for entry in entries] == [3 * 86400 + 7200]
    assert entries[0].actor_label == "admin"


def test_the_real_clock_page_says_it_cannot_move(app, client, demo):
    from trading.clock import RealClock

    app.extensions["trading"].clock = RealClock()
    login(client, "admin")
    page = client.get("/admin/clock").get_data(as_text=True)
    assert "TRADING_CLOCK=simulated" in page


def test_the_supervisor_filters_the_audit_log_and_verifies_it(client, demo):
    login(client, "supervisor")
    page = client.get("/supervision/audit?action=user.create&actor=demo").get_data(as_text=True)
    assert page.count('title="user.create"') == len(demo.USERS)
    assert "organisation.create" not in page
    assert client.get("/supervision/audit?since=not-a-date").status_code == 200
    verdict = client.get("/supervision/audit/verify").get_data(as_text=True)
    assert "每条记录都与前一条链接正确" in verdict


def test_each_role_sees_its_own_home_page(app, demo):
    expectations = {
        "admin": "机构管理", "staff": "尚无待审核的备案", "supervisor": "待核准的交易方式",
        "tenderee1": "尚无项目", "bidder1": "尚未报名任何标段", "expert1": "尚无评标任务",
    }
    for username, words in expectations.items():
        client = app.test_client()
        login(client, username)
        assert words in client.get("/").get_data(as_text=True), username
