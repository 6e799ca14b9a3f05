"""The supervisor's warnings and corrections in the browser (预警 → 整改), on the demo: the warnings page, a warning
taken up with its rule, threshold and basis, a correction order issued, answered by the tenderee and closed; and the
dashboard showing the demo's overdue contract, the contract due today and the open correction."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from trading.domain import calendar
from trading.extensions import db
from trading.models import CorrectionOrder, EarlyWarning


def client_for(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def test_the_demo_dashboard_shows_an_overdue_contract_one_due_today_and_the_open_correction(restore_demo):
    from trading.models import Lot, Project

    app = restore_demo()
    with app.app_context():
        ids = dict(db.session.execute(sa.select(Project.name, Lot.id).join(Lot)).all())
    # after the property transfer (lot 8); the README names them
    assert (ids["咸宁市中心医院直线加速器原厂维保项目"], ids["咸宁市妇幼保健院新生儿监护系统原厂维保项目"]) == (9, 10)
    body = client_for(app, "supervisor").get("/supervision/dashboard.json").get_json()
    assert body["overdue"] >= 1 and body["today"] >= 1
    html = body["html"]
    overdue = html[html.index('id="overdue"'):html.index('id="today-count"')]
    today = html[html.index('id="due-today"'):]
    assert "咸宁市中心医院直线加速器原厂维保项目" in overdue and "咸宁市妇幼保健院新生儿监护系统原厂维保项目" in today
    opened = html[html.index('id="open-corrections"'):html.index('id="dashboard-lots"')]
    assert re.search(r"/supervision/corrections/\d+", opened) and "咸宁市中心医院直线加速器原厂维保项目" in opened
    staff_page = client_for(app, "staff").get("/supervision/corrections").get_data(as_text=True)
    assert "/supervision/corrections/" not in staff_page  # the order is to the tenderee, not the centre
    tenderee_page = client_for(app, "tenderee1").get("/supervision/corrections").get_data(as_text=True)
    assert re.search(r"/supervision/corrections/\d+", tenderee_page)


def test_a_warning_is_taken_up_ordered_answered_and_closed_through_the_pages(restore_demo):
    app = restore_demo()
    app.extensions["trading"].clock.now = lambda: FIXED_NOW + timedelta(days=1)  # the second contract is overdue
    supervisor = client_for(app, "supervisor")
    listing = supervisor.get("/supervision/warnings").get_data(as_text=True)
    keys = re.findall(r'name="key" value="(contract:award_id=\d+)"', listing)
    assert keys, "the second package's overdue contract is listed as new"
    taken = supervisor.post("/supervision/warnings/take", data={"key": keys[0]})
    assert taken.status_code == 302 and "/supervision/warnings/" in taken.headers["Location"]
    page = supervisor.get(taken.headers["Location"]).get_data(as_text=True)
    assert "procurement.contract_deadline" in page and "政府采购法 第四十六条" in page and "30" in page
    with app.app_context():
        warning = db.session.scalar(sa.select(EarlyWarning).where(EarlyWarning.key == keys[0]))
        warning_id = warning.id
    due_on = calendar.local_date(FIXED_NOW) + timedelta(days=8)
    refused = supervisor.post(f"/supervision/warnings/{warning_id}/order",
                              data={"addressee": "tenderee", "text": "短", "due_on": due_on.isoformat()},
                              follow_redirects=True)
    assert "at least 10 characters" in refused.get_data(as_text=True) or "至少10个字" in refused.get_data(as_text=True)
    supervisor.post(f"/supervision/warnings/{warning_id}/order",
                    data={"addressee": "tenderee", "text": "请尽快与成交供应商签订合同并登记。",
                          "due_on": due_on.isoformat()})
    with app.app_context():
        order = db.session.scalar(sa.select(CorrectionOrder).where(CorrectionOrder.warning_id == warning_id))
        order_id = order.id
    tenderee = client_for(app, "tenderee1")
    assert f"/supervision/corrections/{order_id}" in tenderee.get("/supervision/corrections").get_data(as_text=True)
    tenderee.post(f"/supervision/corrections/{order_id}/answer", data={"answer": "合同已签订，今日在平台登记。"})
    supervisor.post(f"/supervision/corrections/{order_id}/closed", data={"note": "整改到位，予以销号。"})
    shown = tenderee.get(f"/supervision/corrections/{order_id}").get_data(as_text=True)
    assert "合同已签订，今日在平台登记。" in shown and "整改到位，予以销号。" in shown
    with app.app_context():
        assert db.session.get(EarlyWarning, warning_id).status == "closed"
