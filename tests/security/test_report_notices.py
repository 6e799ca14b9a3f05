"""Public reports on the dashboard, in the warnings and in the outbox, under attack: only the supervisor sees a report
row on the dashboard or a report's warning (by its number, category and times: never its text or contact); the
reporter's notice says nothing the report says; the administrator reads the outbox with the address masked, and
nobody else reads it at all."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from trading.extensions import db
from trading.models import OutboxMessage, PublicReport

FACTS = "开标前三家投标人的投标文件由同一人编制，报价呈等差排列，疑似串通投标。"
PARTY = "湖北某建设有限公司"
MOBILE = "13800138000"


def _report(client, contact=MOBILE):
    return client.post("/public/reports/new", data={"category": "collusion", "lot": "", "party": PARTY,
                                                    "text": FACTS, "contact": contact})


def _overdue_report(app) -> PublicReport:
    """A report received a week ago and still waiting (its acceptance period over)."""
    assert _report(app.test_client()).status_code == 302
    with app.app_context():
        row = db.session.scalar(sa.select(PublicReport).order_by(PublicReport.id.desc()))
        row.received_at, row.accept_due = FIXED_NOW - timedelta(days=9), FIXED_NOW - timedelta(days=1)
        db.session.commit()
        db.session.refresh(row)
        db.session.expunge(row)
        return row


def test_only_the_supervisor_sees_a_report_on_the_dashboard_and_in_the_warnings(app, demo):
    row = _overdue_report(app)
    supervisor = app.test_client()
    login(supervisor, "supervisor")
    for page in (supervisor.get("/supervision/"), supervisor.get("/supervision/dashboard.json"),
                 supervisor.get("/supervision/warnings")):
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and row.number in text, page.request.path
        assert FACTS not in text and PARTY not in text and MOBILE not in text, page.request.path
    assert f"/supervision/reports/{row.id}" in supervisor.get("/supervision/").get_data(as_text=True)
    assert supervisor.get("/supervision/dashboard.json").get_json()["overdue"] >= 1
    for username in ("staff", "tenderee1", "bidder1", "admin", "expert1"):
        client = app.test_client()
        login(client, username)
        assert client.get("/supervision/").status_code == 403, username
        assert client.get("/supervision/dashboard.json").status_code == 403, username
        warnings = client.get("/supervision/warnings")
        assert warnings.status_code in (200, 403), username  # staff read the warnings: not this one
        assert row.number not in warnings.get_data(as_text=True), username
    # taken up, stored: still the supervisor's alone, and no correction order can follow it
    taken = supervisor.post("/supervision/warnings/take", data={"key": f"public_report:number={row.number}:"
                                                                       f"report_id={row.id}"})
    assert taken.status_code == 302 and "/supervision/warnings/" in taken.headers["Location"]
    page = supervisor.get(taken.headers["Location"]).get_data(as_text=True)
    assert row.number in page and 'id="order-form"' not in page and FACTS not in page
    staff = app.test_client()
    login(staff, "staff")
    assert row.number not in staff.get("/supervision/warnings").get_data(as_text=True)
    assert staff.get(taken.headers["Location"]).status_code == 403


def test_the_reporter_is_told_without_the_report_and_the_outbox_is_the_administrators(app, demo):
    assert _report(app.test_client()).status_code == 302
    with app.app_context():
        row = db.session.scalar(sa.select(PublicReport))
        report_id, number = row.id, row.number
    supervisor = app.test_client()
    login(supervisor, "supervisor")
    reason = f"线索具体，涉及{PARTY}，予以受理。"
    assert supervisor.post(f"/supervision/reports/{report_id}/accept", data={"reason": reason}).status_code == 302
    with app.app_context():  # queued with the acceptance and sent by the job (in-process under `make run`)
        (message,) = db.session.scalars(sa.select(OutboxMessage)).all()
        assert (message.status, message.address, message.result["ok"]) == ("sent", MOBILE, True)
        assert number in message.body and PARTY not in message.body and FACTS not in message.body
    report_page = supervisor.get(f"/supervision/reports/{report_id}").get_data(as_text=True)
    assert 'id="report-notices"' in report_page and "已受理" in report_page
    admin = app.test_client()
    login(admin, "admin")
    outbox = admin.get("/admin/outbox")
    text = outbox.get_data(as_text=True)
    assert outbox.status_code == 200 and number in text and "138****8000" in text
    assert MOBILE not in text and FACTS not in text and PARTY not in text and "SIM-" in text
    assert admin.get("/admin/outbox", query_string={"status": "failed"}).status_code == 200
    for username in ("supervisor", "staff", "tenderee1", "bidder1", "expert1"):
        client = app.test_client()
        login(client, username)
        assert client.get("/admin/outbox").status_code == 403, username
    assert app.test_client().get("/admin/outbox").status_code in (302, 401)  # not logged in: to the login page


def test_a_contact_that_is_neither_a_mobile_nor_an_e_mail_is_refused_on_the_form(app, demo):
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/"})
    refused = _report(client, contact="微信 wxid_123")
    assert refused.status_code == 422
    assert "Give a mobile number (11 digits starting with 1) or an e-mail address" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PublicReport.id))) == 0


def test_the_api_gives_a_report_s_warning_to_a_supervisor_token_on_no_lot(app, demo):
    from tests.web.test_api_v1 import bearer, token_for
    from trading.platform import current_platform
    from trading.services import corrections

    row = _overdue_report(app)
    with app.app_context():
        assert corrections.raise_warnings(current_platform(), db.session, FIXED_NOW) >= 1
        db.session.commit()
    client = app.test_client()
    listed = client.get("/api/v1/supervision/warnings", headers=bearer(token_for(app, "supervisor", ["supervision"])))
    assert listed.status_code == 200
    (warning,) = [w for w in listed.json["data"] if w["kind"] == "public_report"]
    assert warning["lot_id"] is None and warning["params"]["number"] == row.number
    assert FACTS not in str(warning) and MOBILE not in str(warning)
