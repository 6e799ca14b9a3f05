"""Issue 13, leak 9: in the audit log a bidder's unmasked entries (its login, its certificate) sat next to its masked
sign-up and unmasked it. Now the hidden entries are not in the log view at all before the deadline, and while any
lot is before its deadline every entry by a bidder's people since that lot's announcement is withheld too, whether
it signed up or not (a rule on public facts only: withholding just the signers' entries would itself name them)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import login
from tests.web.test_lots import sign_up, take_lot_to_announced
from trading.extensions import db
from trading.models import Lot


def test_a_bidders_login_next_to_its_hidden_sign_up_is_withheld_until_the_deadline(app, demo):
    lot_id = take_lot_to_announced(app, "construction")
    bidder = app.test_client()
    assert login(bidder, "bidder3").status_code == 302  # an audited login, by name
    assert sign_up(bidder, lot_id).status_code == 302
    for viewer in ("supervisor", "admin"):
        client = app.test_client()
        login(client, viewer)
        page = client.get("/supervision/audit").get_data(as_text=True)
        assert not _rows(page, "bidder3", "auth.login") and "registration.sign_up" not in page, viewer
        by_actor = client.get("/supervision/audit?actor=bidder3").get_data(as_text=True)
        assert 'title="auth.login"' not in by_actor, viewer  # searching by the bidder's name finds nothing either
    with app.app_context():
        deadline = db.session.scalar(sa.select(Lot.bid_deadline).where(Lot.id == lot_id))
    app.extensions["trading"].clock.move_to(deadline)
    client = app.test_client()
    login(client, "supervisor")
    page = client.get("/supervision/audit").get_data(as_text=True)
    assert _rows(page, "bidder3", "auth.login") and "registration.sign_up" in page  # after the deadline: all of it


def test_a_bidder_that_signed_up_for_nothing_is_withheld_alike(app, demo):
    lot_id = take_lot_to_announced(app, "construction")
    signer, other = app.test_client(), app.test_client()
    login(signer, "bidder3")
    sign_up(signer, lot_id)
    login(other, "bidder5")  # logs in, signs up for nothing
    client = app.test_client()
    login(client, "supervisor")
    page = client.get("/supervision/audit").get_data(as_text=True)
    assert not _rows(page, "bidder5", "auth.login") and not _rows(page, "bidder3", "auth.login")
    assert _rows(page, "supervisor", "auth.login"), "entries by others than bidders stay in the log"
    with app.app_context():
        deadline = db.session.scalar(sa.select(Lot.bid_deadline).where(Lot.id == lot_id))
    app.extensions["trading"].clock.move_to(deadline)
    page = client.get("/supervision/audit").get_data(as_text=True)
    assert _rows(page, "bidder5", "auth.login") and _rows(page, "bidder3", "auth.login")


def _rows(page: str, actor: str, action: str) -> list[str]:
    """The audit page's rows by ``actor`` doing ``action``."""
    return [row for row in page.split("<tr") if f"<td>{actor}</td>" in row and f'title="{action}"' in row]
