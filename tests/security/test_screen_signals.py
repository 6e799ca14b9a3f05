"""The collusion screens' signals and the supervisor's decisions on them are the supervisor's (the administrator may
read them): the bidders they name, the other bidders, the lot's tenderee, the centre's staff and an expert try to
read or decide them through every interface that could show them (the screens page, the decision, the lot page,
the audit log)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.services.test_evaluation import Scene
from trading.extensions import db
from trading.models import ScreenSignal


@pytest.fixture
def opened(app, now, tmp_path):
    """A lot opened with huddled prices (the CV screen fires at the opening): its id and a stored signal's id."""
    with app.app_context():
        lot_id = Scene(db.session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"]).lot.id
        db.session.commit()
        signal = db.session.scalar(sa.select(ScreenSignal).where(ScreenSignal.lot_id == lot_id,
                                                                 ScreenSignal.screen == "cv"))
        return lot_id, signal.id


def _client(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.mark.parametrize("username", ["bidder1", "bidder2", "bidder3", "bidder4", "tenderee1", "staff", "expert1"])
def test_nobody_but_the_supervisor_reads_or_decides_a_signal(app, opened, username):
    lot_id, signal_id = opened
    client = _client(app, username)
    page = client.get(f"/supervision/lots/{lot_id}/screens")
    assert page.status_code == 403 and "0.0150" not in page.get_data(as_text=True)
    answer = client.post(f"/supervision/lots/{lot_id}/screens/{signal_id}/decide",
                         data={"decision": "dismissed", "reason": "无串通迹象"})
    assert answer.status_code == 403
    lot_page = client.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert "/screens" not in lot_page and "0.0150" not in lot_page and "screen.cv_threshold" not in lot_page
    assert client.get("/supervision/audit?action=screen").status_code == 403
    with app.app_context():
        assert db.session.get(ScreenSignal, signal_id).status == "open"


def test_the_administrator_reads_but_does_not_decide(app, opened):
    lot_id, signal_id = opened
    client = _client(app, "admin")
    assert "0.0150" in client.get(f"/supervision/lots/{lot_id}/screens").get_data(as_text=True)
    answer = client.post(f"/supervision/lots/{lot_id}/screens/{signal_id}/decide",
                         data={"decision": "dismissed", "reason": "无串通迹象"})
    assert answer.status_code == 403


def test_a_signal_is_decided_only_on_its_own_lots_page_and_once(app, opened, now, tmp_path):
    lot_id, signal_id = opened
    client = _client(app, "supervisor")
    other = client.post(f"/supervision/lots/{lot_id + 1000}/screens/{signal_id}/decide",
                        data={"decision": "dismissed", "reason": "无串通迹象"})
    assert other.status_code == 404
    done = client.post(f"/supervision/lots/{lot_id}/screens/{signal_id}/decide",
                       data={"decision": "dismissed", "reason": "同类工程报价普遍接近"})
    assert done.status_code == 302
    again = client.post(f"/supervision/lots/{lot_id}/screens/{signal_id}/decide",
                        data={"decision": "referred", "reason": "转稽查"}, follow_redirects=True)
    assert "同类工程报价普遍接近" in again.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(ScreenSignal, signal_id)
        assert (row.status, row.reason) == ("dismissed", "同类工程报价普遍接近")
