"""The question (质疑) and complaint (投诉) pages of a government procurement lot, as the supplier, the purchaser and
the supervisor use them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import login
from trading.domain import calendar
from trading.extensions import db
from trading.models import Complaint, ProcurementQuestion
from trading.platform import current_platform
from trading.simulate import demo, lots as walk

GROUNDS = "采购文件设置的资格条件排斥潜在供应商，请求修改。"
ANSWER = "资格条件系根据采购需求设定，不予修改。"


@pytest.fixture
def lot_id(app, now):
    with app.app_context():
        demo.load(db.session, now)
        people = walk.cast(db.session)
        ctx = current_platform()
        lot = walk.create(ctx, db.session, people, now, "procurement")
        walk.advance(ctx, db.session, people, now, lot, "announced")
        walk.sign_up(db.session, people, now, lot, 1)
        db.session.commit()
        return lot.id


def client(app, username):
    c = app.test_client()
    assert login(c, username).status_code == 302
    return c


def test_the_supplier_questions_the_purchaser_answers_and_the_supervisor_handles_the_complaint(app, now, lot_id):
    supplier = client(app, "bidder1")
    page = supplier.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="questions"' in page and "procurement.question_window" in page
    sent = supplier.post(f"/lots/{lot_id}/questions", data={
        "matter": "documents", "known_on": calendar.local_date(now).isoformat(), "text": GROUNDS},
        follow_redirects=True).get_data(as_text=True)
    assert GROUNDS in sent and "2026-03-12 00:00" in sent  # 7 working days from Monday 2 March: 3–6, 9–11 March
    # a complaint before the answer is refused, naming the rule
    early = supplier.post(f"/supervision/lots/{lot_id}/complaints", data={"matter": "documents", "text": GROUNDS},
                          follow_redirects=True).get_data(as_text=True)
    assert "procurement.complaint_window" in early
    with app.app_context():
        question_id = db.session.query(ProcurementQuestion.id).scalar()
    assert client(app, "bidder2").get(f"/lots/{lot_id}").get_data(as_text=True).count(GROUNDS) == 0, \
        "not another supplier's to read"
    purchaser = client(app, "tenderee1")
    assert f"/questions/{question_id}/answer" in purchaser.get(f"/lots/{lot_id}").get_data(as_text=True)
    client(app, "tenderee2").post(f"/questions/{question_id}/answer", data={"answer": "另一招标人的答复，不应保存。"})
    with app.app_context():
        assert db.session.get(ProcurementQuestion, question_id).answered_at is None, "not another purchaser's"
    answered = purchaser.post(f"/questions/{question_id}/answer", data={"answer": ANSWER},
                              follow_redirects=True).get_data(as_text=True)
    assert ANSWER in answered
    with app.app_context():
        assert db.session.get(ProcurementQuestion, question_id).answer == ANSWER
    complained = supplier.post(f"/supervision/lots/{lot_id}/complaints", data={
        "matter": "documents", "text": GROUNDS}, follow_redirects=True).get_data(as_text=True)
    with app.app_context():
        complaint = db.session.query(Complaint).one()
        assert complaint.matter == "documents" and complaint.status == "received"
        accept_due = calendar.to_local(complaint.accept_due).strftime("%Y-%m-%d %H:%M")
    assert accept_due in complained
    supervisor = client(app, "supervisor")
    page = supervisor.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert f"/supervision/complaints/{complaint.id}/accept" in page and "procurement.complaint_window" in page
    supervisor.post(f"/supervision/complaints/{complaint.id}/accept", data={})
    supervisor.post(f"/supervision/complaints/{complaint.id}/decide", data={
        "outcome": "dismissed", "decision": "经查，资格条件符合采购需求，驳回投诉。"})
    with app.app_context():
        assert db.session.get(Complaint, complaint.id).status == "decided"
    other = client(app, "bidder2").get(f"/lots/{lot_id}").get_data(as_text=True)
    assert "驳回投诉" in other, "the decision is published"
    assert ANSWER not in other, "another supplier does not read the question and its answer"


def test_a_question_past_its_window_is_refused_on_the_page(app, now, lot_id):
    supplier = client(app, "bidder1")
    old = calendar.local_date(now - timedelta(days=30)).isoformat()
    page = supplier.post(f"/lots/{lot_id}/questions", data={"matter": "result", "known_on": old, "text": GROUNDS},
                         follow_redirects=True).get_data(as_text=True)
    assert "procurement.question_window" in page
    with app.app_context():
        assert db.session.query(ProcurementQuestion).count() == 0
