"""A correction order (整改通知) is read by the supervisor and its addressee alone: the demo's open order to the
procurement tenderee, tried by every other role through every interface (its page, its answer, its evidence, the
lists, the lot page, the warnings page)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.conftest import login
from trading.extensions import db
from trading.models import CorrectionOrder, Lot
from trading.simulate.supervision import ORDER_TEXT


@pytest.fixture
def demo_app(restore_demo):
    return restore_demo()


def client_for(app, username):
    client = app.test_client()
    if username:
        assert login(client, username).status_code == 302
    return client


def the_order(app) -> tuple[int, int]:
    with app.app_context():
        order = db.session.scalar(sa.select(CorrectionOrder))
        return order.id, order.lot_id


READERS = {"supervisor": 200, "tenderee1": 200}  # the supervisor; the procurement tenderee (住建局), its addressee
OTHERS = {"staff": 404, "tenderee2": 404, "agency": 404, "admin": 403, "bidder4": 403, "expert1": 403, None: 302}


@pytest.mark.parametrize("username,status", [*READERS.items(), *OTHERS.items()])
def test_only_the_supervisor_and_the_addressee_read_the_order(demo_app, username, status):
    order_id, lot_id = the_order(demo_app)
    client = client_for(demo_app, username)
    page = client.get(f"/supervision/corrections/{order_id}")
    assert page.status_code == status
    if status == 200:
        assert ORDER_TEXT[:20] in page.get_data(as_text=True)
    if username in (None, "admin", "bidder4", "expert1"):
        return
    listed = client.get("/supervision/corrections").get_data(as_text=True)
    assert (f"/supervision/corrections/{order_id}" in listed) is (status == 200)
    with demo_app.app_context():
        lot = db.session.get(Lot, lot_id)
        party = username in ("supervisor", "tenderee1")
    lot_page = client.get(f"/lots/{lot_id}")
    if lot_page.status_code == 200:
        assert (f"/supervision/corrections/{order_id}" in lot_page.get_data(as_text=True)) is party
    assert lot is not None


@pytest.mark.parametrize("username,status", [("supervisor", 403), ("staff", 404), ("tenderee2", 404),
                                             ("agency", 404), ("bidder4", 403)])
def test_nobody_but_the_addressee_answers_it(demo_app, username, status):
    order_id, _ = the_order(demo_app)
    client = client_for(demo_app, username)
    answered = client.post(f"/supervision/corrections/{order_id}/answer", data={"answer": "冒名回复整改已完成。"})
    assert answered.status_code == status
    with demo_app.app_context():
        assert db.session.get(CorrectionOrder, order_id).answered_at is None


def test_the_evidence_goes_to_the_supervisor_and_no_one_else(demo_app):
    order_id, _ = the_order(demo_app)
    tenderee = client_for(demo_app, "tenderee1")
    sent = tenderee.post(f"/supervision/corrections/{order_id}/answer", content_type="multipart/form-data",
                         data={"answer": "合同已于今日签订并登记，扫描件附后。",
                               "evidence": (io.BytesIO(b"%PDF-1.4 signed contract"), "合同扫描件.pdf")})
    assert sent.status_code == 302
    url = f"/supervision/corrections/{order_id}/evidence"
    for username, status in [("supervisor", 200), ("tenderee1", 200), ("staff", 404), ("tenderee2", 404),
                             ("agency", 404), ("admin", 403), ("bidder4", 403)]:
        got = client_for(demo_app, username).get(url)
        assert got.status_code == status, username
        if status == 200:
            assert got.data == b"%PDF-1.4 signed contract" and got.headers["Content-Disposition"].startswith(
                "attachment")
    again = tenderee.post(f"/supervision/corrections/{order_id}/answer", data={"answer": "再次回复，覆盖上次的证据。"})
    assert again.status_code == 302
    with demo_app.app_context():
        assert db.session.get(CorrectionOrder, order_id).answer.startswith("合同已于今日签订")  # answered once
