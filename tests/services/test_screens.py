"""The collusion screens over a lot's own records, for the supervisor once the bids are opened (条例 第四十条)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.services.test_evaluation import Scene
from trading.domain.errors import DomainError
from trading.models import Bid, Deposit, DepositPayment
from trading.services import screens


def test_huddled_prices_and_one_paying_account_are_screened_with_their_working(app, session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    payments = session.scalars(sa.select(DepositPayment).join(Deposit).where(Deposit.lot_id == scene.lot.id)).all()
    payments[1].payer_account = payments[0].payer_account  # one account paid for two bidders
    bids = session.scalars(sa.select(Bid).where(Bid.lot_id == scene.lot.id)).all()
    for bid in bids:
        bid.address = "10.8.0.4"  # every upload from one address; the demo's uploads are minutes apart
    found = screens.screen(scene.ctx, session, scene.people.supervisor, scene.lot)
    by_screen = {s.screen: s for s in found.signals}
    cv = by_screen["cv"]
    assert cv.rule == "screen.cv_threshold" and cv.working["cv"] == "0.0150"  # sd 561,678 over a mean of 37.6 m
    assert set(by_screen["shared_account"].bidders) == {payments[0].deposit.bidder_id, payments[1].deposit.bidder_id}
    assert set(by_screen["shared_address"].bidders) == {bid.bidder_id for bid in bids}
    assert set(found.names) >= {bid.bidder_id for bid in bids} and found.history_lots == 0


def test_the_screens_are_the_supervisors_and_only_after_the_deadline(app, session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    with pytest.raises(DomainError):
        screens.screen(scene.ctx, session, scene.people.staff, scene.lot)
    scene.lot.state = "announced"
    with pytest.raises(DomainError) as refused:
        screens.screen(scene.ctx, session, scene.people.supervisor, scene.lot)
    assert refused.value.rule == "construction.bidders_confidential"


def test_the_supervisor_reads_the_screens_page_with_the_working_in_both_languages(app, now, tmp_path):
    from tests.conftest import login
    from trading.extensions import db

    with app.app_context():  # the pages are read outside it (the language is chosen per request)
        lot_id = Scene(db.session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"]).lot.id
        db.session.commit()
    client = app.test_client()
    assert login(client, "supervisor").status_code == 302
    page = client.get(f"/supervision/lots/{lot_id}/screens").get_data(as_text=True)
    assert "报价变异系数" in page and "0.0150" in page and "36,980,000.00" in page
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get(f"/supervision/lots/{lot_id}/screens").get_data(as_text=True)
    assert "Coefficient of variation of the prices" in page and "0.0150" in page
    assert f"/supervision/lots/{lot_id}/screens" in client.get(f"/lots/{lot_id}").get_data(as_text=True)
