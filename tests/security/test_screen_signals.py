"""The collusion screens' signals and the supervisor's decisions on them are the supervisor's (the administrator may
read them): the bidders they name, the other bidders, the lot's tenderee, the centre's staff and an expert try to
read, run or decide them through every interface that could show them (the screens page, the decision, the run,
the lot page, the audit log). And reading the screens page writes nothing (no GET writes): the signals are stored at
the opening, or when the supervisor runs the screens again (a POST)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.services.test_evaluation import Scene
from trading.extensions import db
from trading.models import AuditEntry, ScreenSignal
from trading.services import screens

PATTERNED = ["37000000.00", "37500000.00", "38000000.00"]  # 500,000 yuan apart: the pattern screen fires
CV = "0.0133"  # the lot's coefficient of variation, on its screens page


@pytest.fixture
def opened(app, now, tmp_path):
    """A lot opened with its prices in an arithmetic pattern (signalled at the opening): its id and the signal's."""
    with app.app_context():
        lot_id = Scene(db.session, now, tmp_path, PATTERNED).lot.id
        db.session.commit()
        signal = db.session.scalar(sa.select(ScreenSignal).where(ScreenSignal.lot_id == lot_id,
                                                                 ScreenSignal.screen == "pattern"))
        return lot_id, signal.id


def _client(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _rows(app) -> dict[str, int]:
    """How many rows every table holds."""
    with app.app_context():
        return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


@pytest.mark.parametrize("username", ["bidder1", "bidder2", "bidder3", "bidder4", "tenderee1", "staff", "expert1"])
def test_nobody_but_the_supervisor_reads_runs_or_decides_a_signal(app, opened, username):
    lot_id, signal_id = opened
    client = _client(app, username)
    page = client.get(f"/supervision/lots/{lot_id}/screens")
    assert page.status_code == 403 and CV not in page.get_data(as_text=True)
    answer = client.post(f"/supervision/lots/{lot_id}/screens/{signal_id}/decide",
                         data={"decision": "dismissed", "reason": "无串通迹象"})
    assert answer.status_code == 403
    assert client.post(f"/supervision/lots/{lot_id}/screens/recompute").status_code == 403
    lot_page = client.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert "/screens" not in lot_page and CV not in lot_page and "screen.pattern_tolerance" not in lot_page
    assert client.get("/supervision/audit?action=screen").status_code == 403
    with app.app_context():
        assert db.session.get(ScreenSignal, signal_id).status == "open"


def test_the_administrator_reads_but_does_not_run_or_decide(app, opened):
    lot_id, signal_id = opened
    client = _client(app, "admin")
    page = client.get(f"/supervision/lots/{lot_id}/screens").get_data(as_text=True)
    assert CV in page and f"/supervision/lots/{lot_id}/screens/recompute" not in page  # no button to run them
    answer = client.post(f"/supervision/lots/{lot_id}/screens/{signal_id}/decide",
                         data={"decision": "dismissed", "reason": "无串通迹象"})
    assert answer.status_code == 403
    assert client.post(f"/supervision/lots/{lot_id}/screens/recompute").status_code == 403


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


def test_reading_the_screens_page_writes_no_row(app, opened):
    lot_id, signal_id = opened
    for username in ("supervisor", "admin"):
        client = _client(app, username)
        before = _rows(app)
        for lang in ("zh", "en"):
            client.post("/language", data={"lang": lang, "next": "/"})
            page = client.get(f"/supervision/lots/{lot_id}/screens")
            assert page.status_code == 200 and f'id="signal-{signal_id}"' in page.get_data(as_text=True)
        assert _rows(app) == before, f"the screens page read by the {username} wrote rows"


def test_a_lot_opened_before_the_screens_were_stored_is_screened_only_when_the_supervisor_asks(app, now, tmp_path,
                                                                                            monkeypatch):
    with app.app_context():
        monkeypatch.setattr(screens, "record", lambda *args, **kwargs: None)  # an opening from before issue 19
        lot_id = Scene(db.session, now, tmp_path, PATTERNED).lot.id
        db.session.commit()
        monkeypatch.undo()
    client = _client(app, "supervisor")
    client.post("/language", data={"lang": "en", "next": "/"})
    before = _rows(app)
    page = client.get(f"/supervision/lots/{lot_id}/screens").get_data(as_text=True)
    assert "Not screened yet" in page and "Run the screens again" in page
    assert _rows(app) == before and before["screen_signal"] == 0  # the page ran nothing
    done = client.post(f"/supervision/lots/{lot_id}/screens/recompute", follow_redirects=True)
    assert done.status_code == 200
    with app.app_context():
        fired = db.session.scalars(sa.select(ScreenSignal).where(ScreenSignal.lot_id == lot_id)).all()
        run = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "screen.run")).one()
        supervisor_id = run.actor_id
    assert "pattern" in {s.screen for s in fired} and supervisor_id is not None
    assert not run.payload["documents"]  # the documents are screened at the opening only
